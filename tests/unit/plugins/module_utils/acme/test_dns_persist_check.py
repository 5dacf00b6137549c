# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns-persist-01 preflight against scripted authoritative servers (dnspython messages): every server of
the zone is asked, and the error names what is wrong where and what to publish."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

pytest.importorskip('dns.message')

import dns.flags  # noqa: E402  pylint: disable=wrong-import-position
import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rrset  # noqa: E402

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import DRAFT_01, Authority, plan_records  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_check import (  # noqa: E402
    AuthoritativeReader,
    preflight,
    preflight_error,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import parse_identifiers  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed  # noqa: E402

RESOLVER = '198.51.100.53'
NS = {'192.0.2.1': 'ns1.example.com', '192.0.2.2': 'ns2.example.com'}
ACCOUNT = 'https://ca.example/acct/7'
AUTHORITY = Authority(DRAFT_01, ['ca.example'], ACCOUNT)
GOOD = 'ca.example; accounturi=%s' % ACCOUNT
NOW = 1800000000


def response(qname, rdtype, rrsets=(), aa=True, rcode=dns.rcode.NOERROR, authority=()):
    message = dns.message.make_response(dns.message.make_query(qname, rdtype))
    message.set_rcode(rcode)
    if aa:
        message.flags |= dns.flags.AA
    message.answer.extend(rrsets)
    message.authority.extend(authority)
    return message


def txt(name, *values):
    return dns.rrset.from_text(name + '.', 60, 'IN', 'TXT', *['"%s"' % v for v in values])


class World:
    """example.com with two authoritative servers, each serving its own TXT records; a resolver that knows the NS."""

    def __init__(self, served):
        self.served = served  # server ip -> {name: [values]}
        self.asked = []

    def ask(self, server, qname, rdtype, timeout=5.0, recursion=True):
        qname = qname.rstrip('.')
        self.asked.append((server[0], qname, rdtype, recursion))
        soa = dns.rrset.from_text('example.com.', 60, 'IN', 'SOA', 'ns1.example.com. h.example.com. 1 60 60 60 60')
        if server[0] == RESOLVER:
            if rdtype == 'SOA':
                return response(qname, rdtype, [soa] if qname == 'example.com' else [], aa=False,
                                rcode=dns.rcode.NOERROR if qname == 'example.com' else dns.rcode.NXDOMAIN,
                                authority=[] if qname == 'example.com' else [soa])
            if rdtype == 'NS':
                return response(qname, rdtype, [dns.rrset.from_text('example.com.', 60, 'IN', 'NS', 'ns1.example.com.',
                                                                    'ns2.example.com.')], aa=False)
            if rdtype == 'A':
                address = [ip for ip, name in NS.items() if name == qname][0]
                return response(qname, rdtype, [dns.rrset.from_text(qname + '.', 60, 'IN', 'A', address)], aa=False)
        if server[0] == '192.0.2.9':
            raise LookupFailed('192.0.2.9 did not answer TXT %s within 5.0s' % qname)
        values = self.served.get(server[0], {}).get(qname, [])
        return response(qname, rdtype, [txt(qname, *values)] if values else [], aa=server[0] in NS,
                        rcode=dns.rcode.NOERROR if values else dns.rcode.NXDOMAIN)


def run(served, names=('www.example.com',), servers=None):
    world = World(served)
    reader = AuthoritativeReader([RESOLVER], servers, ask=world.ask)
    records = plan_records(parse_identifiers(list(names)), AUTHORITY)
    verdicts, warnings = preflight(records, AUTHORITY, reader, now=NOW)
    return verdicts, warnings, world


def test_every_authoritative_server_is_asked_without_recursion():
    name = '_validation-persist.www.example.com'
    verdicts, warnings, world = run({'192.0.2.1': {name: [GOOD]}, '192.0.2.2': {name: ['other.ca; accounturi=x', GOOD]}})
    assert [v['status'] for v in verdicts] == ['ok'] and warnings == []
    assert sorted(v for v in verdicts[0]['servers']) == ['ns1.example.com (192.0.2.1)', 'ns2.example.com (192.0.2.2)']
    assert sorted((ip, rec) for ip, qname, rdtype, rec in world.asked if rdtype == 'TXT') == [
        ('192.0.2.1', False), ('192.0.2.2', False)]
    assert preflight_error(verdicts) is None


def test_a_lagging_server_without_the_record_fails_and_the_error_says_what_to_publish():
    name = '_validation-persist.www.example.com'
    verdicts = run({'192.0.2.1': {name: [GOOD]}})[0]
    assert verdicts[0]['status'] == 'missing'
    assert verdicts[0]['servers']['ns2.example.com (192.0.2.2)'] == 'no TXT record'
    error = preflight_error(verdicts)
    assert error.msg == ('dns-persist-01 preflight refused before any order: _validation-persist.www.example.com '
                         '(for www.example.com): ns2.example.com (192.0.2.2): no TXT record. Publish: '
                         '_validation-persist.www.example.com. IN TXT "%s"' % GOOD)
    assert 'Nothing was sent to the CA' in error.hint


@pytest.mark.parametrize('record, status, detail', [
    ('ca.example; accounturi=https://ca.example/acct/8', 'wrong', 'authorizes another account'),
    ('ca2.example; accounturi=%s' % ACCOUNT, 'wrong', 'names the issuer ca2.example, not this CA (ca.example)'),
    ('ca.example; accounturi=%s; persistUntil=%d' % (ACCOUNT, NOW - 5), 'wrong', 'expired'),
])
def test_wrong_records(record, status, detail):
    name = '_validation-persist.www.example.com'
    verdicts = run({'192.0.2.1': {name: [record]}, '192.0.2.2': {name: [record]}})[0]
    assert verdicts[0]['status'] == status and detail in verdicts[0]['detail']
    assert verdicts[0]['detail'].startswith('ns1.example.com (192.0.2.1), ns2.example.com (192.0.2.2): "%s" ' % record)


def test_a_wildcard_needs_the_wildcard_policy_and_shares_the_apex_record():
    name = '_validation-persist.example.com'
    verdicts = run({ip: {name: [GOOD]} for ip in NS}, names=['example.com', '*.example.com'])[0]
    assert len(verdicts) == 1 and verdicts[0]['identifiers'] == ['example.com', '*.example.com']
    assert 'has no policy=wildcard' in verdicts[0]['detail']
    assert verdicts[0]['value'] == GOOD + '; policy=wildcard'
    good = run({ip: {name: [GOOD + '; policy=wildcard']} for ip in NS}, names=['example.com', '*.example.com'])[0]
    assert good[0]['status'] == 'ok'


def test_persist_until_within_30_days_warns():
    name = '_validation-persist.www.example.com'
    soon = GOOD + '; persistUntil=%d' % (NOW + 10 * 86400)
    verdicts, warnings, world = run({ip: {name: [soon]} for ip in NS})
    assert verdicts[0]['status'] == 'ok' and verdicts[0]['persist_until'] == NOW + 10 * 86400
    assert len(warnings) == 1 and 'expires in 10 day(s)' in warnings[0]


def test_fixed_servers_a_non_authoritative_answer_and_an_unreachable_server_are_errors():
    name = '_validation-persist.www.example.com'
    verdicts = run({'192.0.2.1': {name: [GOOD]}, '192.0.2.3': {name: [GOOD]}},
                   servers=['192.0.2.1', '192.0.2.3:53', '192.0.2.9'])[0]
    assert verdicts[0]['status'] == 'error'
    assert verdicts[0]['servers'] == {
        '192.0.2.1': 'ok', '192.0.2.3': 'answered NOERROR without authority (not an authoritative server of the zone)',
        '192.0.2.9': '192.0.2.9 did not answer TXT %s within 5.0s' % name}
