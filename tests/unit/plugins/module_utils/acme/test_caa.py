# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 8659 §4 and RFC 8657: does the relevant CAA record set allow this CA, this account, this method?"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.caa import (
    CaaForbidden,
    CaaPreflight,
    ca_allowed,
    ca_identities,
    evaluate,
    parse_issue_value,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import parse_identifiers
from ansible_collections.sslclm.acme.plugins.module_utils.dns.caa import CaaRecord, RelevantSet
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

ACCOUNT = 'https://ca.example/acct/17'


def caa(*texts, **kwargs):
    records = []
    for text in texts:
        flags, tag, value = text.split(' ', 2)
        records.append(CaaRecord(int(flags), tag, value))
    return RelevantSet('www.example.com', kwargs.get('at', 'example.com') if records else None, records=records)


def verdict(relevant, wildcard=False, identities=('ca.example',), account=ACCOUNT, method='http-01'):
    return evaluate(relevant, wildcard, list(identities), account, method)


@pytest.mark.parametrize('value, expected', [
    ('ca.example', ('ca.example', {})),
    ('  CA.Example  ', ('ca.example', {})),
    (';', ('', {})),
    ('', ('', {})),
    ('ca.example; accounturi=https://ca.example/acct/1', ('ca.example', {'accounturi': 'https://ca.example/acct/1'})),
    ('ca.example;accounturi = x ; validationmethods=dns-01,http-01;',
     ('ca.example', {'accounturi': 'x', 'validationmethods': 'dns-01,http-01'})),
])
def test_issue_values(value, expected):
    assert parse_issue_value(value) == expected


@pytest.mark.parametrize('value', ['ca example', 'ca.example; accounturi', 'ca.example; a=b;; c=d', '-ca.example',
                                   'ca.example; =x', 'ca.example; a=b c'])
def test_malformed_issue_values(value):
    with pytest.raises(ValueError):
        parse_issue_value(value)


def test_no_record_allows_every_ca():
    assert verdict(RelevantSet('www.example.com')).allowed is True


def test_an_issue_record_naming_the_ca_allows_it_case_insensitively():
    found = verdict(caa('0 issue CA.example'))
    assert found.allowed is True and found.record == '0 issue "CA.example"'


def test_an_issue_record_naming_another_ca_forbids_and_names_the_record():
    found = verdict(caa('0 issue other.example', '0 iodef mailto:sec@example.com'))
    assert found.allowed is False
    assert found.record == '0 issue "other.example"'
    assert 'CAA at example.com does not allow this CA (CAA identities ca.example)' in found.reason
    assert 'the record 0 issue "other.example" names other.example' in found.reason


def test_any_of_several_issue_records_may_allow():
    assert verdict(caa('0 issue other.example', '0 issue ca.example')).allowed is True


def test_an_empty_issuer_allows_nobody():
    found = verdict(caa('0 issue ;'))
    assert found.allowed is False and 'names no CA at all' in found.reason


def test_without_issue_records_any_ca_may_issue():
    assert verdict(caa('0 iodef mailto:sec@example.com')).allowed is True
    assert verdict(caa('0 issuewild ;')).allowed is True  # issuewild governs wildcards only


def test_issuewild_governs_wildcards_and_issue_does_not():
    relevant = caa('0 issue other.example', '0 issuewild ca.example')
    assert verdict(relevant, wildcard=True).allowed is True
    assert verdict(relevant, wildcard=False).allowed is False
    assert verdict(caa('0 issue ca.example', '0 issuewild ;'), wildcard=True).allowed is False


def test_wildcards_fall_back_to_issue_without_issuewild():
    assert verdict(caa('0 issue other.example'), wildcard=True).allowed is False
    assert verdict(caa('0 issue ca.example'), wildcard=True).allowed is True


def test_accounturi_must_be_this_account():
    assert verdict(caa('0 issue ca.example; accounturi=%s' % ACCOUNT)).allowed is True
    found = verdict(caa('0 issue ca.example; accounturi=https://ca.example/acct/99'))
    assert found.allowed is False
    assert 'allows this CA only for the account https://ca.example/acct/99, not %s' % ACCOUNT in found.reason
    assert verdict(caa('0 issue ca.example; accounturi=%s' % ACCOUNT), account=None).allowed is False


def test_validationmethods_must_include_the_method_of_the_identifier():
    relevant = caa('0 issue ca.example; validationmethods=dns-01,tls-alpn-01')
    assert verdict(relevant, method='dns-01').allowed is True
    found = verdict(relevant, method='http-01')
    assert found.allowed is False and 'only with dns-01,tls-alpn-01, not http-01' in found.reason


def test_a_critical_record_of_an_unknown_tag_forbids_every_ca():
    found = verdict(caa('128 tbs unknown', '0 issue ca.example'))
    assert found.allowed is False and 'critical record 128 tbs "unknown"' in found.reason
    assert verdict(caa('128 iodef mailto:a@example.com', '0 issue ca.example')).allowed is True
    assert verdict(caa('0 tbs unknown', '0 issue ca.example')).allowed is True


def test_a_malformed_record_allows_nobody_but_another_may():
    found = verdict(caa('0 issue ca.example; accounturi'))
    assert found.allowed is False and 'is malformed' in found.reason
    assert verdict(caa('0 issue ca.example; accounturi', '0 issue ca.example')).allowed is True


def test_unknown_identities_cannot_tell_unless_nobody_is_allowed():
    found = verdict(caa('0 issue ca.example'), identities=())
    assert found.allowed is None and 'give the CA instance caa_identities' in found.reason
    assert verdict(caa('0 issue ;'), identities=()).allowed is False
    assert verdict(RelevantSet('www.example.com'), identities=()).allowed is True


def test_ca_identities_from_the_instance_first_then_the_directory():
    directory = {'caa_identities': ['letsencrypt.org']}
    assert ca_identities({'directory': directory, 'policy': {}}) == ['letsencrypt.org']
    assert ca_identities({'directory': directory, 'policy': {'caa_identities': ['Private.CA.']}}) == ['private.ca']
    assert ca_identities({'directory': {}, 'policy': {'caa_identities': None}}) == []


class FakeLookup:
    """name → list of 'flags tag value' texts; names in ``broken`` fail; counts the questions."""

    def __init__(self, records, broken=()):
        self.records = records
        self.broken = broken
        self.asked = []

    def resolve(self, qname, rdtype):
        import dns.message
        import dns.rrset
        self.asked.append(qname)
        if qname in self.broken:
            raise LookupFailed('no nameserver answered')
        response = dns.message.make_response(dns.message.make_query(qname, rdtype))
        if self.records.get(qname):
            response.answer.append(dns.rrset.from_text(qname + '.', 60, 'IN', 'CAA', *self.records[qname]))
        return response


def ca_object(identities=('ca.example',), account=ACCOUNT, name='ca-a'):
    return {'name': name, 'directory': {'caa_identities': list(identities)}, 'policy': {},
            'connector': {'account_uri': account, 'directory': 'https://ca.example/dir'}}


def methods_for(identifiers, method='http-01'):
    return dict((i, method) for i in identifiers)


def test_preflight_refuses_naming_the_identifier_and_record():
    lookup = FakeLookup({'example.com': ['0 issue "other.example"']})
    identifiers = parse_identifiers(['www.example.com', 'api.example.org'])
    with pytest.raises(CaaForbidden) as refused:
        CaaPreflight(lookup=lookup).check(ca_object(), identifiers, methods_for(identifiers))
    error = refused.value
    assert 'CAA does not allow the CA instance ca-a to issue for www.example.com' in error.msg
    assert 'the record 0 issue "other.example" names other.example' in error.msg
    result = error.to_result()
    assert [v['identifier'] for v in result['caa_violations']] == ['www.example.com']
    assert result['caa_violations'][0]['caa']['found_at'] == 'example.com'


def test_preflight_allows_reports_and_skips_ip_addresses():
    lookup = FakeLookup({'example.com': ['0 issue "ca.example"']})
    identifiers = parse_identifiers(['www.example.com', '192.0.2.1', '*.example.com'])
    verdicts, warnings = CaaPreflight(lookup=lookup).check(ca_object(), identifiers, methods_for(identifiers, 'dns-01'))
    assert sorted((v['identifier'], v['allowed']) for v in verdicts) == [('*.example.com', True), ('www.example.com', True)]
    assert warnings == []
    # found at example.com for www.example.com; the wildcard's base example.com is not asked again
    assert lookup.asked == ['www.example.com', 'example.com']


def test_preflight_lookups_are_kept_for_the_run():
    lookup = FakeLookup({})
    preflight = CaaPreflight(lookup=lookup)
    identifiers = parse_identifiers(['www.example.com'])
    for unused in range(3):
        preflight.check(ca_object(), identifiers, methods_for(identifiers))
    assert lookup.asked == ['www.example.com', 'example.com', 'com']


class GatedLookup(FakeLookup):
    """``a.example.com`` and ``b.example.com`` answer only once both are being asked: a preflight that let one
    worker's look-ups hold up another's would answer neither."""

    def __init__(self):
        super(GatedLookup, self).__init__({})
        self.being_asked = {'a.example.com': threading.Event(), 'b.example.com': threading.Event()}

    def resolve(self, qname, rdtype):
        if qname in self.being_asked:
            self.being_asked[qname].set()
            other = next(name for name in self.being_asked if name != qname)
            if not self.being_asked[other].wait(5):
                raise LookupFailed('%s was never asked while %s was' % (other, qname))
        time.sleep(0.01)  # long enough for a second worker to ask the same question meanwhile
        return super(GatedLookup, self).resolve(qname, rdtype)


def test_workers_look_up_different_names_at_once_and_a_shared_parent_once():
    lookup = GatedLookup()
    preflight = CaaPreflight(lookup=lookup)
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda name: preflight.check(ca_object(), parse_identifiers([name]),
                                                           methods_for(parse_identifiers([name]))),
                              ['a.example.com', 'b.example.com', 'a.example.com', 'b.example.com']))
    assert [warnings for unused, warnings in found] == [[]] * 4  # no look-up failed
    assert sorted(lookup.asked) == ['a.example.com', 'b.example.com', 'com', 'example.com']  # each question once


def test_a_failed_lookup_warns_by_default_and_fails_when_asked():
    lookup = FakeLookup({}, broken=('www.example.com',))
    identifiers = parse_identifiers(['www.example.com'])
    verdicts, warnings = CaaPreflight(lookup=lookup).check(ca_object(), identifiers, methods_for(identifiers))
    assert verdicts[0]['allowed'] is None
    assert warnings == ['www.example.com: CAA not checked: the CAA look-up of www.example.com failed (no nameserver '
                        'answered) (the CA checks CAA itself)']
    with pytest.raises(AcmeError, match='Refused before contacting the CA: www.example.com: CAA not checked'):
        CaaPreflight({'lookup_failure': 'fail'}, lookup=lookup).check(ca_object(), identifiers, methods_for(identifiers))


def test_disabled_asks_nothing():
    lookup = FakeLookup({'example.com': ['0 issue ";"']})
    identifiers = parse_identifiers(['www.example.com'])
    assert CaaPreflight({'enabled': False}, lookup=lookup).check(ca_object(), identifiers, methods_for(identifiers)) == ([], [])
    assert lookup.asked == []


def test_ca_allowed_picks_out_the_ca_caa_allows():
    lookup = FakeLookup({'example.com': ['0 issue "ca-b.example"']})
    preflight = CaaPreflight(lookup=lookup)
    identifiers = parse_identifiers(['www.example.com'])
    methods = methods_for(identifiers)
    cas = [ca_object(('ca-a.example',), name='a'), ca_object(('ca-b.example',), name='b'), ca_object((), name='c')]
    assert [ca_allowed(preflight, ca, identifiers, methods) for ca in cas] == [False, True, None]
    assert next(ca['name'] for ca in cas if ca_allowed(preflight, ca, identifiers, methods) is not False) == 'b'
