# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route 53 provider logic against a stand-in client: zone choice, UPSERT merging, deletes, INSYNC waits."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

pytest.importorskip('boto3')

from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProviderError, Zone  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.route53 import Route53Provider, pick_zone  # noqa: E402

NAME = '_acme-challenge.www.example.com'


def zone(name, zone_id, private=False):
    return {'Name': name, 'Id': zone_id, 'Config': {'PrivateZone': private}}


def test_pick_zone_takes_the_longest_public_match():
    zones = [zone('example.com.', 'Z1'), zone('www.example.com.', 'Z2'), zone('ww.example.com.', 'Z3'),
             zone('www.example.com.', 'ZP', private=True)]
    assert pick_zone(NAME, zones) == Zone('www.example.com', 'Z2')
    assert pick_zone('_acme-challenge.example.com', zones) == Zone('example.com', 'Z1')


def test_pick_zone_never_takes_a_private_zone():
    with pytest.raises(DnsProviderError, match='Only a private Route53 hosted zone holds'):
        pick_zone(NAME, [zone('example.com.', 'ZP', private=True)])


def test_pick_zone_without_match_lists_the_zones():
    with pytest.raises(DnsProviderError, match=r'No Route53 hosted zone of this account holds .* \(zones: example.org\)'):
        pick_zone(NAME, [zone('example.org.', 'Z1')])


def test_pick_zone_refuses_to_guess_between_twins():
    with pytest.raises(DnsProviderError, match=r'Several public Route53 hosted zones are named example.com \(Z1, Z2\)'):
        pick_zone(NAME, [zone('example.com.', 'Z2'), zone('example.com.', 'Z1')])


class FakeClient:
    """What the provider calls of boto3's Route 53 client, over one hosted zone's record sets."""

    def __init__(self, rrsets=None, pending_polls=0):
        self.rrsets = rrsets or {}   # (name with dot, type) -> {'TTL', 'ResourceRecords'}
        self.batches = []
        self.pending_polls = pending_polls
        self.polls = 0

    def list_hosted_zones(self, **kwargs):
        if not kwargs.get('Marker'):
            return {'HostedZones': [zone('com.', 'ZC')], 'IsTruncated': True, 'NextMarker': 'm1'}
        return {'HostedZones': [zone('example.com.', 'Z1')], 'IsTruncated': False}

    def get_hosted_zone(self, Id):  # noqa: N803 (boto3 naming)
        if Id != 'Z1':
            raise ClientError({'Error': {'Code': 'NoSuchHostedZone', 'Message': 'No hosted zone found with ID: %s' % Id}},
                              'GetHostedZone')
        return {'HostedZone': zone('example.com.', 'Z1')}

    def list_resource_record_sets(self, HostedZoneId, StartRecordName, StartRecordType, MaxItems):  # noqa: N803
        items = [dict(Name=name, Type=rtype, **data) for (name, rtype), data in sorted(self.rrsets.items())
                 if (name, rtype) >= (StartRecordName, StartRecordType)]
        return {'ResourceRecordSets': items[:int(MaxItems)]}

    def change_resource_record_sets(self, HostedZoneId, ChangeBatch):  # noqa: N803
        self.batches.append(ChangeBatch)
        for change in ChangeBatch['Changes']:
            rrset = change['ResourceRecordSet']
            key = (rrset['Name'], rrset['Type'])
            if change['Action'] == 'DELETE':
                del self.rrsets[key]
            else:
                self.rrsets[key] = {'TTL': rrset['TTL'], 'ResourceRecords': rrset['ResourceRecords']}
        return {'ChangeInfo': {'Id': '/change/C1', 'Status': 'PENDING'}}

    def get_change(self, Id):  # noqa: N803
        self.polls += 1
        return {'ChangeInfo': {'Id': Id, 'Status': 'INSYNC' if self.polls > self.pending_polls else 'PENDING'}}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def provider(client, clock=None, **options):
    clock = clock or Clock()
    instance = Route53Provider(dict(options), sleep=clock.sleep, clock=clock)
    instance._client = client
    return instance


def values(client, name=NAME):
    data = client.rrsets.get((name + '.', 'TXT'))
    return [r['Value'] for r in data['ResourceRecords']] if data else None


def test_add_keeps_foreign_values_and_their_ttl_and_reports_only_new_values():
    client = FakeClient({(NAME + '.', 'TXT'): {'TTL': 300, 'ResourceRecords': [{'Value': '"foreign"'}, {'Value': '"v1"'}]}})
    added = provider(client).add_txt(NAME, ['v1', 'v2'])
    assert added == ['v2']
    assert values(client) == ['"foreign"', '"v1"', '"v2"']
    change = client.batches[0]['Changes'][0]
    assert change['Action'] == 'UPSERT' and change['ResourceRecordSet']['TTL'] == 300


def test_add_of_present_values_changes_nothing():
    client = FakeClient({(NAME + '.', 'TXT'): {'TTL': 60, 'ResourceRecords': [{'Value': '"v1"'}]}})
    assert provider(client).add_txt(NAME, ['v1']) == []
    assert client.batches == []


def test_new_record_set_gets_the_configured_ttl_and_goes_into_the_longest_zone():
    client = FakeClient()
    route53 = provider(client, ttl=120)
    assert route53.add_txt(NAME, ['a', 'b']) == ['a', 'b']
    assert route53.find_zone(NAME) == Zone('example.com', 'Z1')  # found on the second page of zones
    assert values(client) == ['"a"', '"b"']
    assert client.batches[0]['Changes'][0]['ResourceRecordSet']['TTL'] == 120


def test_remove_keeps_foreign_values_and_deletes_the_set_when_only_ours_were_left():
    client = FakeClient({(NAME + '.', 'TXT'): {'TTL': 60, 'ResourceRecords': [
        {'Value': '"foreign"'}, {'Value': '"v1"'}, {'Value': '"v2"'}]}})
    route53 = provider(client)
    route53.remove_txt(NAME, ['v1', 'v2'])
    assert values(client) == ['"foreign"']
    client.rrsets[(NAME + '.', 'TXT')]['ResourceRecords'].append({'Value': '"v3"'})
    route53.remove_txt(NAME, ['v3'])
    assert values(client) == ['"foreign"']
    route53.remove_txt(NAME, ['foreign'])
    assert values(client) is None
    assert client.batches[-1]['Changes'][0]['Action'] == 'DELETE'
    assert client.batches[-1]['Changes'][0]['ResourceRecordSet']['ResourceRecords'] == [{'Value': '"foreign"'}]


def test_remove_of_absent_values_changes_nothing():
    client = FakeClient({(NAME + '.', 'TXT'): {'TTL': 60, 'ResourceRecords': [{'Value': '"foreign"'}]}})
    provider(client).remove_txt(NAME, ['v1'])
    assert client.batches == []


def test_change_is_polled_until_insync():
    clock = Clock()
    client = FakeClient(pending_polls=3)
    provider(client, clock=clock, timeout=60).add_txt(NAME, ['a'])
    assert client.polls == 4
    assert clock.now == 1 + 2 + 4 + 5


def test_change_that_stays_pending_is_an_error():
    client = FakeClient(pending_polls=1000)
    with pytest.raises(DnsProviderError, match=r'Route53 change /change/C1 in zone example.com is still PENDING after 10s'):
        provider(client, timeout=10).add_txt(NAME, ['a'])


def test_zone_id_is_checked_against_the_name_and_errors_carry_aws_words():
    client = FakeClient()
    assert provider(client, zone_id='Z1').find_zone(NAME) == Zone('example.com', 'Z1')
    with pytest.raises(AcmeInputError, match='is not in the hosted zone Z1'):
        provider(client, zone_id='Z1').find_zone('_acme-challenge.example.org')
    with pytest.raises(DnsProviderError, match='Route53 get_hosted_zone failed: NoSuchHostedZone: No hosted zone found with ID: Z9'):
        provider(client, zone_id='Z9').find_zone(NAME)
