# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stub resolver of the self-check: what it reads from an answer is what dnspython reads from it, and what it
does not expect it leaves to dnspython. A local UDP server sends answers dnspython built."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import threading

import pytest

dns_message = pytest.importorskip('dns.message')
import dns.flags  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rrset  # noqa: E402

from ansible_collections.sslclm.acme.plugins.module_utils.dns import stub  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed, resolve_addresses  # noqa: E402


def answer(query, records=(), rcode=dns.rcode.NOERROR, truncated=False):
    """dnspython's answer to ``query`` holding ``records``: ``(owner, type, value)``."""
    response = dns_message.make_response(query)
    response.set_rcode(rcode)
    for owner, rdtype, value in records:
        response.answer.append(dns.rrset.from_text(owner, 60, 'IN', rdtype, value))
    if truncated:
        response.flags |= dns.flags.TC
    return response.to_wire()


class FakeResolver:
    """A UDP server on loopback: ``script(query)`` -> the datagrams it sends back (none: it keeps silent)."""

    def __init__(self, script):
        self.script = script
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.questions = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def spec(self):
        return '127.0.0.1:%d' % self.sock.getsockname()[1]

    def serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns_message.from_wire(data)
            self.questions.append((query.question[0].name.to_text(), dns.rdatatype.to_text(query.question[0].rdtype)))
            for datagram in self.script(query):
                self.sock.sendto(datagram, peer)

    def close(self):
        self.sock.close()


@pytest.fixture
def resolver_with():
    made = []

    def make(script):
        made.append(FakeResolver(script))
        return made[-1]
    yield make
    for server in made:
        server.close()


def by_type(a=(), aaaa=()):
    def script(query):
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        return [answer(query, a if rdtype == 'A' else aaaa)]
    return script


def server_of(fake):
    host, unused, port = fake.spec.partition(':')
    return host, int(port)


def test_addresses_of_the_name_and_its_cname_chain_in_any_order(resolver_with):
    fake = resolver_with(by_type(
        a=[('b.example.', 'A', '192.0.2.2'), ('www.example.', 'CNAME', 'a.example.'), ('a.example.', 'CNAME', 'b.example.'),
           ('other.example.', 'A', '192.0.2.9'), ('b.example.', 'A', '192.0.2.3')],
        aaaa=[('www.example.', 'AAAA', '2001:db8::1')]))
    assert stub.addresses('www.example', 'A', server_of(fake), 5) == ['192.0.2.2', '192.0.2.3']
    assert stub.addresses('WWW.Example.', 'AAAA', server_of(fake), 5) == ['2001:db8::1']
    assert resolve_addresses('www.example', [fake.spec]) == ['192.0.2.2', '192.0.2.3', '2001:db8::1']
    assert fake.questions == [('www.example.', 'A'), ('WWW.Example.', 'AAAA'), ('www.example.', 'A'),
                              ('www.example.', 'AAAA')]  # each question once: the stub was sure


def test_no_data_and_nxdomain_are_no_addresses(resolver_with):
    fake = resolver_with(lambda query: [answer(query, rcode=dns.rcode.NXDOMAIN)])
    assert stub.addresses('gone.example', 'A', server_of(fake), 5) == []
    assert resolve_addresses('gone.example', [fake.spec]) == []
    assert len(fake.questions) == 3  # dnspython was never asked


def test_a_stray_datagram_is_ignored(resolver_with):
    def script(query):
        other = dns_message.make_query('www.example.', 'A')
        return [answer(other, [('www.example.', 'A', '203.0.113.66')]), answer(query, [('www.example.', 'A', '192.0.2.1')])]
    assert stub.addresses('www.example', 'A', server_of(resolver_with(script)), 5) == ['192.0.2.1']


@pytest.mark.parametrize('script, why', [
    (lambda query: [answer(query, [('www.example.', 'A', '192.0.2.1')], truncated=True)], 'truncated'),
    (lambda query: [answer(query, rcode=dns.rcode.SERVFAIL)], 'rcode 2'),
    (lambda query: [b'\x00' * 5], 'shorter than its header'),
    (lambda query: [], 'no answer within'),
])
def test_what_the_stub_does_not_expect_it_leaves_to_dnspython(resolver_with, monkeypatch, script, why):
    monkeypatch.setattr(stub, 'STUB_WAIT', 0.2)
    fake = resolver_with(script)
    with pytest.raises(stub.StubUnsure, match=why):
        stub.addresses('www.example', 'A', server_of(fake), 5)


def test_a_failing_resolver_is_still_a_failed_lookup(resolver_with, monkeypatch):
    monkeypatch.setattr(stub, 'STUB_WAIT', 0.2)
    fake = resolver_with(lambda query: [answer(query, rcode=dns.rcode.SERVFAIL)])
    with pytest.raises(LookupFailed):
        resolve_addresses('www.example', [fake.spec], timeout=1)
    assert len(fake.questions) >= 2  # the stub's question, then dnspython's


def test_a_truncated_answer_is_asked_again_by_dnspython_over_tcp(resolver_with):
    fake = resolver_with(lambda query: [answer(query, [('www.example.', 'A', '192.0.2.1')], truncated=True)])
    with pytest.raises(LookupFailed):  # nothing listens on TCP there: dnspython's verdict, not the stub's
        resolve_addresses('www.example', [fake.spec], timeout=1)


@pytest.mark.parametrize('name', ['a' * 64 + '.example', 'caf\xe9.example', '.'.join(['abcdefgh'] * 40)])
def test_names_the_stub_cannot_ask_are_left_to_dnspython(name):
    with pytest.raises(stub.StubUnsure):
        stub.query_message(1, name, 'A')


def test_compression_pointer_loops_are_refused():
    message = bytearray(stub.query_message(7, 'www.example', 'A'))
    message[2] |= 0x80  # an answer
    message[7] = 1  # one answer record, whose owner points at itself
    message += b'\xc0' + bytes([len(message)]) + b'\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x01'
    with pytest.raises(stub.StubUnsure, match='compression pointer'):
        stub.read_answer(bytes(message), 7, 'www.example', 'A')


CAA_TEXTS = ['0 issue "ca.example; accounturi=https://ca.example/acct/1"', '128 issuewild ";"',
             '0 iodef "mailto:sec@example.com"', '0 tbs "caf\\195\\169"']


def test_caa_records_are_what_dnspython_reads(resolver_with):
    fake = resolver_with(lambda query: [answer(query, [('www.example.', 'CAA', text) for text in CAA_TEXTS])])
    records = stub.caa_records('www.example', server_of(fake), 5)
    expected = dns.rrset.from_text('www.example.', 60, 'IN', 'CAA', *CAA_TEXTS)
    assert sorted(records) == sorted((r.flags, r.tag, r.value) for r in expected)
    assert len(records) == 4


def test_no_caa_and_nxdomain_are_no_records_and_an_alias_is_left_to_dnspython(resolver_with):
    none = resolver_with(lambda query: [answer(query)])
    gone = resolver_with(lambda query: [answer(query, rcode=dns.rcode.NXDOMAIN)])
    alias = resolver_with(lambda query: [answer(query, [('www.example.', 'CNAME', 'cdn.example.'),
                                                        ('cdn.example.', 'CAA', '0 issue "ca.example"')])])
    assert stub.caa_records('www.example', server_of(none), 5) == []
    assert stub.caa_records('www.example', server_of(gone), 5) == []
    with pytest.raises(stub.StubUnsure, match='alias'):
        stub.caa_records('www.example', server_of(alias), 5)


def test_the_relevant_caa_set_is_the_same_through_the_stub_and_through_dnspython(resolver_with):
    from ansible_collections.sslclm.acme.plugins.module_utils.dns.caa import relevant_caa
    from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import DnsLookup, query

    zone = {'example.': [('example.', 'CAA', '0 issue "ca.example"')],
            'www.example.': [('www.example.', 'CNAME', 'cdn.example.'), ('cdn.example.', 'CAA', '0 issue "cdn-ca.example"')]}

    def script(query_message):
        name = query_message.question[0].name.to_text().lower()
        if name in zone:
            return [answer(query_message, zone[name])]
        return [answer(query_message, rcode=dns.rcode.NXDOMAIN if name.count('.') > 2 else dns.rcode.NOERROR)]

    fake = resolver_with(script)
    through_stub = DnsLookup([fake.spec], timeout=2)

    def dnspython_only(*args, **kwargs):  # not ``query`` itself: a look-up asks through the stub only with that
        return query(*args, **kwargs)

    only_dnspython = DnsLookup([fake.spec], timeout=2, ask=dnspython_only)
    for name, questions in (('a.b.example', 3), ('other.test', 2), ('www.example', 2)):
        asked = len(fake.questions)
        quick = relevant_caa(through_stub, name)
        # one question per name climbed when the stub is sure; the alias once more, by dnspython
        assert len(fake.questions) - asked == questions
        assert quick.to_result() == relevant_caa(only_dnspython, name).to_result()
    assert relevant_caa(through_stub, 'a.b.example').where() == 'CAA at example'
    assert relevant_caa(through_stub, 'www.example').where() == 'CAA at www.example (CNAME to cdn.example)'
    assert relevant_caa(through_stub, 'other.test').where() == 'no CAA record at other.test or any parent'
