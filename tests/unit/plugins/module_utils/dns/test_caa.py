# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 8659 §3: the relevant CAA record set - the name, then its parents, CNAMEs followed."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import dns.message
import dns.rcode
import dns.rrset
import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.dns.caa import CaaRecord, caa_at, relevant_caa
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed


class Zone:
    """A recursive resolver over a dict: name → list of record texts ('CAA 0 issue "x"', 'CNAME target.').

    ``chase``: answer a CNAME together with its target's records, as a recursive resolver does.
    """

    def __init__(self, records, chase=True, broken=()):
        self.records = records
        self.chase = chase
        self.broken = broken
        self.asked = []

    def resolve(self, qname, rdtype):
        self.asked.append(qname)
        if qname in self.broken:
            raise LookupFailed('127.0.0.1 answered SERVFAIL to CAA %s' % qname)
        response = dns.message.make_response(dns.message.make_query(qname, rdtype))
        name = qname
        for unused in range(10):
            entries = self.records.get(name)
            if entries is None:
                if name == qname:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                break
            cnames = [e for e in entries if e.startswith('CNAME ')]
            if cnames:
                response.answer.append(dns.rrset.from_text(name + '.', 60, 'IN', 'CNAME', cnames[0][6:]))
                if not self.chase:
                    break
                name = cnames[0][6:].rstrip('.')
                continue
            texts = [e[4:] for e in entries if e.startswith('CAA ')]
            if texts:
                response.answer.append(dns.rrset.from_text(name + '.', 60, 'IN', 'CAA', *texts))
            break
        return response


def test_records_at_the_name_itself():
    zone = Zone({'www.example.com': ['CAA 0 issue "ca.example"'], 'example.com': ['CAA 0 issue "other.example"']})
    found = relevant_caa(zone, 'www.example.com')
    assert (found.name, found.found_at, found.owner) == ('www.example.com', 'www.example.com', 'www.example.com')
    assert [r.text() for r in found.records] == ['0 issue "ca.example"']
    assert zone.asked == ['www.example.com']


def test_climbs_to_the_parent_through_nxdomain_and_empty_answers():
    zone = Zone({'b.example.com': [], 'example.com': ['CAA 0 issue "ca.example"', 'CAA 0 iodef "mailto:x@example.com"']})
    found = relevant_caa(zone, 'a.b.example.com')
    assert found.found_at == 'example.com'
    assert sorted(r.tag for r in found.records) == ['iodef', 'issue']
    assert zone.asked == ['a.b.example.com', 'b.example.com', 'example.com']
    assert found.where() == 'CAA at example.com'


def test_no_record_up_to_the_top_level_domain_and_never_the_root():
    zone = Zone({'example.com': [], 'com': []})
    found = relevant_caa(zone, 'www.example.com')
    assert found.found_at is None and found.records == []
    assert zone.asked == ['www.example.com', 'example.com', 'com']
    assert found.where() == 'no CAA record at www.example.com or any parent'


def test_a_wildcard_is_looked_up_at_its_base_name():
    zone = Zone({'example.com': ['CAA 0 issuewild ";"']})
    found = relevant_caa(zone, '*.example.com')
    assert found.name == 'example.com' and found.found_at == 'example.com'


def test_a_cname_is_followed_and_its_target_named():
    zone = Zone({'www.example.com': ['CNAME cdn.provider.net.'], 'cdn.provider.net': ['CAA 0 issue "ca.example"'],
                 'example.com': ['CAA 0 issue "other.example"']})
    found = relevant_caa(zone, 'www.example.com')
    assert (found.found_at, found.owner) == ('www.example.com', 'cdn.provider.net')
    assert found.where() == 'CAA at www.example.com (CNAME to cdn.provider.net)'
    assert [r.value for r in found.records] == ['ca.example']


def test_a_cname_whose_target_has_none_climbs_from_the_name_not_the_target():
    zone = Zone({'www.example.com': ['CNAME cdn.provider.net.'], 'cdn.provider.net': [],
                 'provider.net': ['CAA 0 issue "provider-ca.example"'], 'example.com': ['CAA 0 issue "ca.example"']})
    found = relevant_caa(zone, 'www.example.com')
    assert found.found_at == 'example.com'
    assert [r.value for r in found.records] == ['ca.example']


def test_a_cname_answered_without_its_target_is_asked_again():
    zone = Zone({'www.example.com': ['CNAME cdn.provider.net.'], 'cdn.provider.net': ['CAA 0 issue "ca.example"']},
                chase=False)
    owner, records = caa_at(zone, 'www.example.com')
    assert owner == 'cdn.provider.net' and [r.value for r in records] == ['ca.example']
    assert zone.asked == ['www.example.com', 'cdn.provider.net']


def test_a_cname_loop_is_a_lookup_failure():
    zone = Zone({'a.example.com': ['CNAME b.example.com.'], 'b.example.com': ['CNAME a.example.com.']}, chase=False)
    with pytest.raises(LookupFailed, match='does not end'):
        relevant_caa(zone, 'a.example.com')


def test_a_failed_lookup_names_the_name_and_stops_the_climb():
    zone = Zone({'example.com': ['CAA 0 issue "ca.example"']}, broken=('www.example.com',))
    with pytest.raises(LookupFailed, match=r'CAA look-up of www\.example\.com failed \(.*SERVFAIL'):
        relevant_caa(zone, 'www.example.com')


def test_record_text_and_flags():
    record = CaaRecord(128, b'ISSUE', b'ca.example; accounturi=https://ca.example/acct/1')
    assert record.critical and record.tag == 'issue'
    assert record.text() == '128 issue "ca.example; accounturi=https://ca.example/acct/1"'
    assert not CaaRecord(0, 'iodef', 'mailto:a@b').critical
