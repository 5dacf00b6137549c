# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Look-ups and the propagation check against scripted DNS answers (dnspython messages), with a fake clock."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

pytest.importorskip('dns.message')

import dns.flags  # noqa: E402  pylint: disable=wrong-import-position
import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rrset  # noqa: E402

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import DnsLookup  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.propagation import PropagationCheck  # noqa: E402

NAME = '_acme-challenge.www.example.com'
SOA = 'example.com. 60 IN SOA ns1.example.com. hostmaster.example.com. %d 3600 600 86400 60'


def answer(qname, rdtype, answers=(), authority=(), rcode=dns.rcode.NOERROR, aa=True):
    """A response; ``answers``/``authority`` are zone-file lines, lines of one name and type form one rrset."""
    response = dns.message.make_response(dns.message.make_query(qname, rdtype))
    response.set_rcode(rcode)
    if aa:
        response.flags |= dns.flags.AA
    for section, lines in ((response.answer, answers), (response.authority, authority)):
        grouped = {}
        for line in lines:
            name, ttl, rdclass, rtype, rdata = line.split(None, 4)
            grouped.setdefault((name, ttl, rdclass, rtype), []).append(rdata)
        for (name, ttl, rdclass, rtype), rdatas in grouped.items():
            section.append(dns.rrset.from_text(name, int(ttl), rdclass, rtype, *rdatas))
    return response


class Zone:
    """A scripted world: the resolver knows the zone's NS and their addresses; each server serves a copy of the zone."""

    def __init__(self):
        self.copies = {'192.0.2.1': {'serial': 5, 'txt': []}, '192.0.2.2': {'serial': 3, 'txt': []}}
        self.asked = []

    def ask(self, server, qname, rdtype, timeout=5.0, recursion=True):
        self.asked.append((server, qname, rdtype, recursion))
        qname = qname.rstrip('.')
        if server[0] == '198.51.100.53':  # the resolver
            if rdtype == 'NS' and qname == 'example.com':
                return answer(qname, 'NS', ['example.com. 60 IN NS ns1.example.com.', 'example.com. 60 IN NS ns2.example.com.'],
                              aa=False)
            if rdtype == 'A' and qname in ('ns1.example.com', 'ns2.example.com'):
                return answer(qname, 'A', ['%s. 60 IN A 192.0.2.%s' % (qname, qname[2])], aa=False)
            if rdtype == 'SOA' and qname == 'example.com':
                return answer(qname, 'SOA', [SOA % 5], aa=False)
            if rdtype == 'TXT':
                response = self.ask(('192.0.2.1', 53), qname, rdtype, recursion=False)
                response.flags &= ~dns.flags.AA   # a resolver's answer is not authoritative
                return response
            return answer(qname, rdtype, authority=[SOA % 5], rcode=dns.rcode.NXDOMAIN, aa=False)
        if server[0] not in self.copies:
            raise LookupFailed('%s did not answer %s %s within 5.0s' % (server[0], rdtype, qname))
        copy = self.copies[server[0]]
        if rdtype == 'SOA' and qname == 'example.com':
            return answer(qname, 'SOA', [SOA % copy['serial']])
        if rdtype == 'TXT' and qname == NAME and copy['txt']:
            return answer(qname, 'TXT', ['%s. 60 IN TXT "%s"' % (NAME, v) for v in copy['txt']])
        return answer(qname, rdtype, authority=[SOA % copy['serial']], rcode=dns.rcode.NXDOMAIN)


class Clock:
    def __init__(self, on_sleep=None):
        self.now = 100.0
        self.on_sleep = on_sleep
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(self.now)


def check(world, clock, **kwargs):
    lookup = DnsLookup(['198.51.100.53'], ask=world.ask)
    return PropagationCheck(lookup, ask=world.ask, clock=clock, sleep=clock.sleep, **kwargs)


def test_discovers_the_zone_and_the_addresses_of_its_nameservers():
    world = Zone()
    lookup = DnsLookup(['198.51.100.53'], ask=world.ask)
    assert lookup.zone_of(NAME) == 'example.com'
    assert lookup.nameserver_addresses('example.com') == [('ns1.example.com', '192.0.2.1'), ('ns2.example.com', '192.0.2.2')]


def test_waits_for_the_lagging_server_then_fails_naming_it():
    world = Zone()
    world.copies['192.0.2.1']['txt'] = ['v1', 'v2']
    clock = Clock()
    with pytest.raises(AcmeError) as failed:
        check(world, clock, timeout=20).wait({NAME: ['v1', 'v2']})
    message = failed.value.msg
    assert message.startswith('DNS-01 records did not propagate within 20s: ns2.example.com (192.0.2.2) has no TXT record')
    assert 'ns1.example.com (192.0.2.1) has' not in message
    assert '(zone example.com serials: ns1.example.com (192.0.2.1) 5, ns2.example.com (192.0.2.2) 3)' in message
    assert clock.now == 120.0
    assert clock.sleeps == [0.5, 1.0] + [2.0] * 9 + [0.5]
    polled = [s for s, q, t, r in world.asked if t == 'TXT']
    assert polled.count(('192.0.2.1', 53)) == 1        # in sync once: not asked again
    assert polled.count(('192.0.2.2', 53)) == 13
    assert all(not r for s, q, t, r in world.asked if s[0].startswith('192.0.2.'))   # no recursion at authoritative servers


def test_succeeds_when_the_lagging_server_catches_up():
    world = Zone()
    world.copies['192.0.2.1']['txt'] = ['foreign', 'v1']

    def catch_up(now):
        if now >= 103:
            world.copies['192.0.2.2'].update(serial=5, txt=['foreign', 'v1'])
    clock = Clock(on_sleep=catch_up)
    assert check(world, clock, timeout=60).wait({NAME: ['v1']}) == pytest.approx(3.5)


def test_a_server_with_some_of_the_values_is_still_lagging():
    world = Zone()
    world.copies['192.0.2.1']['txt'] = ['v1', 'v2']
    world.copies['192.0.2.2']['txt'] = ['v1']
    with pytest.raises(AcmeError, match=r'ns2.example.com \(192.0.2.2\) serves 1 TXT value\(s\) at .* but lacks 1 of our 2'):
        check(world, Clock(), timeout=1).wait({NAME: ['v1', 'v2']})


def test_explicit_servers_replace_discovery_and_resolvers_are_checked_with_recursion():
    world = Zone()
    world.copies['192.0.2.1']['txt'] = ['v1']
    result = check(world, Clock(), timeout=5, servers=['192.0.2.1'], resolvers=['198.51.100.53:53']).wait({NAME: ['v1']})
    assert result == 0
    assert [(s, r) for s, q, t, r in world.asked] == [(('192.0.2.1', 53), False), (('198.51.100.53', 53), True),
                                                      (('192.0.2.1', 53), False)]


def test_a_server_that_does_not_answer_or_is_not_authoritative_is_named():
    world = Zone()
    world.copies['192.0.2.1']['txt'] = ['v1']
    with pytest.raises(AcmeError) as failed:
        check(world, Clock(), timeout=1, servers=['192.0.2.9', '198.51.100.53']).wait({NAME: ['v1']})
    assert '192.0.2.9 did not answer TXT' in failed.value.msg
    assert '198.51.100.53 answered NOERROR without authority' in failed.value.msg


def test_discovery_failure_says_what_to_configure():
    def broken(server, qname, rdtype, timeout=5.0, recursion=True):
        raise LookupFailed('%s did not answer %s %s within 5.0s' % (server[0], rdtype, qname))
    with pytest.raises(AcmeError) as failed:
        PropagationCheck(DnsLookup(['198.51.100.53'], ask=broken), ask=broken).wait({NAME: ['v1']})
    assert 'Cannot find the authoritative nameservers for %s' % NAME in failed.value.msg
    assert 'dns01.propagation.servers' in failed.value.hint


def cname_world(chain):
    def ask(server, qname, rdtype, timeout=5.0, recursion=True):
        qname = qname.rstrip('.')
        if qname in chain:
            return answer(qname, 'CNAME', ['%s. 60 IN CNAME %s.' % (qname, chain[qname])], aa=False)
        return answer(qname, rdtype, authority=[SOA % 1], rcode=dns.rcode.NXDOMAIN, aa=False)
    return DnsLookup(['198.51.100.53'], ask=ask)


def test_cname_chains_are_followed_to_their_end():
    lookup = cname_world({NAME: 'www.acme-dns.example.net', 'www.acme-dns.example.net': 'final.acme-dns.example.net'})
    assert lookup.cname_target(NAME) == 'final.acme-dns.example.net'
    assert cname_world({}).cname_target(NAME) == NAME


def test_cname_loops_are_errors():
    with pytest.raises(LookupFailed, match='does not end'):
        cname_world({NAME: 'a.example.net', 'a.example.net': NAME}).cname_target(NAME)


def test_zone_of_a_cname_owner_is_not_the_zone_of_its_target():
    def ask(server, qname, rdtype, timeout=5.0, recursion=True):
        qname = qname.rstrip('.')
        if qname == NAME:   # a resolver answers the SOA question for a CNAME with the target zone's negative answer
            return answer(qname, 'SOA', ['%s. 60 IN CNAME x.example.net.' % NAME],
                          authority=['example.net. 60 IN SOA ns.example.net. h.example.net. 1 1 1 1 1'],
                          rcode=dns.rcode.NXDOMAIN, aa=False)
        if qname == 'www.example.com':
            return answer(qname, 'SOA', authority=[SOA % 1], aa=False)
        return answer(qname, 'SOA', [SOA % 1], aa=False)
    assert DnsLookup(['198.51.100.53'], ask=ask).zone_of(NAME) == 'example.com'


def test_resolvers_are_tried_in_order_until_one_answers():
    def ask(server, qname, rdtype, timeout=5.0, recursion=True):
        if server[0] == '198.51.100.1':
            raise LookupFailed('198.51.100.1 did not answer')
        if server[0] == '198.51.100.2':
            return answer(qname, rdtype, rcode=dns.rcode.SERVFAIL, aa=False)
        return answer(qname, 'SOA', [SOA % 1], aa=False)
    lookup = DnsLookup(['198.51.100.1', '198.51.100.2', '198.51.100.3'], ask=ask)
    assert lookup.zone_of('example.com') == 'example.com'
    with pytest.raises(LookupFailed, match=r'198.51.100.1 did not answer; 198.51.100.2 answered SERVFAIL to SOA'):
        DnsLookup(['198.51.100.1', '198.51.100.2'], ask=ask).zone_of('example.com')
