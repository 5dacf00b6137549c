# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Amazon Route 53 through boto3: the record set at a name is read, merged with our values
and UPSERTed, and the change is waited for until it is INSYNC."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProvider, DnsProviderError, Zone
from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import (
    is_subdomain,
    longest_suffix_match,
    missing_values,
    normalize_name,
    quote_txt,
    unquote_txt,
    without_values,
)

from importlib.util import find_spec

# boto3 is imported when a Route53 provider is set up: its import costs every acme_enroll run about
# 0.1 s, and most runs use no Route53 at all.
HAS_BOTO3 = find_spec('boto3') is not None and find_spec('botocore') is not None


def _aws():
    """(boto3, botocore), imported on first use."""
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore.config  # pylint: disable=import-outside-toplevel
    import botocore.exceptions  # pylint: disable=import-outside-toplevel
    return boto3, botocore


CHANGE_COMMENT = 'sslclm.acme DNS-01 challenge'
# Route 53 is a global service; boto3 still needs a region to sign requests.
DEFAULT_REGION = 'us-east-1'
POLL_FIRST, POLL_MAX = 1.0, 5.0


def change_batch(action, record_name, ttl, quoted_values):
    return {'Comment': CHANGE_COMMENT, 'Changes': [{'Action': action, 'ResourceRecordSet': {
        'Name': record_name + '.', 'Type': 'TXT', 'TTL': ttl,
        'ResourceRecords': [{'Value': value} for value in quoted_values]}}]}


def pick_zone(record_name, zones):
    """The public hosted zone with the longest name that holds ``record_name``.

    ``zones``: Route 53's HostedZones items. Private zones are never chosen: the CA
    cannot see them (split-horizon setups have a public twin).
    """
    public = [(normalize_name(z['Name']), z['Id']) for z in zones if not (z.get('Config') or {}).get('PrivateZone')]
    best = longest_suffix_match(record_name, public)
    if best is not None:
        twins = sorted(zone_id for name, zone_id in public if name == best[0])
        if len(twins) > 1:
            raise DnsProviderError('Several public Route53 hosted zones are named %s (%s)' % (best[0], ', '.join(twins)),
                                   hint='Give dns01.zone_id of the one the domain is delegated to')
        return Zone(best[0], best[1])
    private = [normalize_name(z['Name']) for z in zones if (z.get('Config') or {}).get('PrivateZone')]
    if longest_suffix_match(record_name, private):
        raise DnsProviderError('Only a private Route53 hosted zone holds %s; the CA resolves public DNS' % record_name)
    raise DnsProviderError('No Route53 hosted zone of this account holds %s (zones: %s)' % (
        record_name, ', '.join(sorted(normalize_name(z['Name']) for z in zones)) or 'none'),
        hint='Check the credentials (account) or give dns01.zone_id')


class Route53Provider(DnsProvider):
    name = 'route53'
    options = dict(
        aws_access_key_id=dict(type='str', no_log=False),
        aws_secret_access_key=dict(type='str', no_log=True),
        aws_session_token=dict(type='str', no_log=True),
        aws_profile=dict(type='str'),
        endpoint_url=dict(type='str'),
    )
    supports_proxy = True  # botocore's Config(proxies=...)

    def __init__(self, options, sleep=time.sleep, clock=time.monotonic):
        super(Route53Provider, self).__init__(options)
        if not HAS_BOTO3:
            raise AcmeInputError('dns01 provider route53 needs the Python package boto3 on the controller (pip install boto3)')
        self.sleep = sleep
        self.clock = clock
        self._client = None

    @property
    def client(self):
        """A client of its own session: boto3's default session is not thread-safe."""
        if self._client is None:
            config = self.config
            boto3, botocore = _aws()
            try:
                session = boto3.session.Session(
                    aws_access_key_id=config.get('aws_access_key_id') or None,
                    aws_secret_access_key=config.get('aws_secret_access_key') or None,
                    aws_session_token=config.get('aws_session_token') or None,
                    profile_name=config.get('aws_profile') or None)
                self._client = session.client(
                    'route53', region_name=session.region_name or DEFAULT_REGION,
                    endpoint_url=config.get('endpoint_url') or None,
                    config=botocore.config.Config(connect_timeout=self.timeout, read_timeout=self.timeout,
                                                  retries={'mode': 'standard', 'max_attempts': 5},
                                                  proxies=self.proxy.mapping() if self.proxy is not None else None))
            except botocore.exceptions.BotoCoreError as exc:
                raise DnsProviderError('Cannot set up the Route53 client: %s' % exc)
        return self._client

    def _call(self, operation, **kwargs):
        botocore = _aws()[1]
        try:
            return getattr(self.client, operation)(**kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get('Error', {})
            status = exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode')
            if self.proxy is not None and self.proxy.refused(status, bool(error.get('Code'))):
                raise self.proxy.failure('HTTP %s' % status, 'the Route53 API')  # AWS errors always have a code
            via = self.proxy.via() if self.proxy is not None else ''
            raise DnsProviderError('Route53 %s failed: %s: %s%s' % (operation, error.get('Code'), error.get('Message'), via))
        except botocore.exceptions.NoCredentialsError:
            raise DnsProviderError('Route53 %s failed: no AWS credentials found' % operation,
                                   hint='Give dns01.aws_access_key_id and dns01.aws_secret_access_key or dns01.aws_profile, '
                                        'or set up the environment / instance role that boto3 reads')
        except botocore.exceptions.BotoCoreError as exc:
            if self.proxy is not None and isinstance(exc, botocore.exceptions.ProxyConnectionError):
                raise self.proxy.failure(str(exc), 'the Route53 API')
            via = self.proxy.via() if self.proxy is not None else ''
            raise DnsProviderError('Route53 %s failed: %s%s' % (operation, self.scrub(exc), via))

    def _find_zone(self, record_name):
        zone_id = self.config.get('zone_id')
        if zone_id:
            zone = self._call('get_hosted_zone', Id=zone_id)['HostedZone']
            if not is_subdomain(record_name, zone['Name']):
                raise AcmeInputError('%s is not in the hosted zone %s (%s)' % (record_name, zone_id, normalize_name(zone['Name'])))
            return Zone(normalize_name(zone['Name']), zone['Id'])
        zones, marker = [], None
        while True:
            page = self._call('list_hosted_zones', **({'Marker': marker} if marker else {}))
            zones.extend(page.get('HostedZones', []))
            marker = page.get('NextMarker') if page.get('IsTruncated') else None
            if not marker:
                break
        if self.config.get('zone'):
            zones = [z for z in zones if normalize_name(z['Name']) == normalize_name(self.config['zone'])]
        return pick_zone(record_name, zones)

    def _current(self, zone, record_name):
        """(quoted values, ttl) of the plain TXT record set at the name, or ([], None)."""
        page = self._call('list_resource_record_sets', HostedZoneId=zone.id, StartRecordName=record_name + '.',
                          StartRecordType='TXT', MaxItems='10')
        for rrset in page.get('ResourceRecordSets', []):
            if normalize_name(rrset['Name']) == record_name and rrset['Type'] == 'TXT':
                if rrset.get('SetIdentifier'):
                    raise DnsProviderError('TXT %s in Route53 uses a routing policy (set %s); refusing to change it'
                                           % (record_name, rrset['SetIdentifier']))
                return [r['Value'] for r in rrset.get('ResourceRecords', [])], rrset.get('TTL')
        return [], None

    def _change(self, zone, batch):
        change = self._call('change_resource_record_sets', HostedZoneId=zone.id, ChangeBatch=batch)['ChangeInfo']
        deadline = self.clock() + self.timeout
        interval = POLL_FIRST
        while change.get('Status') != 'INSYNC':
            if self.clock() >= deadline:
                raise DnsProviderError('Route53 change %s in zone %s is still %s after %ds' % (
                    change.get('Id'), zone.name, change.get('Status'), self.timeout),
                    hint='Raise dns01.timeout; the change itself was accepted')
            self.sleep(min(interval, max(0.0, deadline - self.clock())))
            interval = min(interval * 2, POLL_MAX)
            change = self._call('get_change', Id=change['Id'])['ChangeInfo']

    def add_txt(self, record_name, values):
        zone = self.find_zone(record_name)
        quoted, ttl = self._current(zone, record_name)
        added = missing_values(quoted, values, key=unquote_txt)
        if added:
            self._change(zone, change_batch('UPSERT', record_name, ttl or self.ttl, quoted + [quote_txt(v) for v in added]))
        return added

    def remove_txt(self, record_name, values):
        zone = self.find_zone(record_name)
        quoted, ttl = self._current(zone, record_name)
        remaining = without_values(quoted, values, key=unquote_txt)
        if len(remaining) == len(quoted):
            return
        if remaining:
            self._change(zone, change_batch('UPSERT', record_name, ttl, remaining))
        else:
            self._change(zone, change_batch('DELETE', record_name, ttl, quoted))
