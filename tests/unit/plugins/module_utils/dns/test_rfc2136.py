# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 2136 provider: the update messages it builds and how it explains a refusal (no server needed)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64

import pytest

pytest.importorskip('dns.update')

import dns.message  # noqa: E402  pylint: disable=wrong-import-position
import dns.rcode  # noqa: E402
import dns.tsig  # noqa: E402

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns import rfc2136  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProviderError  # noqa: E402

SECRET = base64.b64encode(b'0123456789abcdef0123456789abcdef').decode()
NAME = '_acme-challenge.www.example.com'


@pytest.fixture
def sent(monkeypatch):
    """Capture the updates as (message, server, port, transport); answer with ``sent.rcode`` or raise
    ``sent.errors[0]``. The TXT values already at the name are ``sent.current``."""
    record = type('Sent', (), {'updates': [], 'rcode': dns.rcode.NOERROR, 'errors': [], 'current': []})()

    def transport(protocol):
        def send(update, where, timeout=None, port=None):
            record.updates.append((update, where, port, protocol))
            if record.errors:
                raise record.errors[0]
            response = dns.message.make_response(update)
            response.set_rcode(record.rcode)
            return response
        return send
    monkeypatch.setattr(rfc2136.dns.query, 'tcp', transport('tcp'))
    monkeypatch.setattr(rfc2136.dns.query, 'udp', transport('udp'))
    monkeypatch.setattr(rfc2136, 'query', lambda *args, **kwargs: None)
    monkeypatch.setattr(rfc2136, 'txt_values', lambda response, name: list(record.current))
    return record


def provider(**options):
    base = {'server': '192.0.2.53', 'zone': 'example.com', 'key_name': 'acme-key', 'key_secret': SECRET, 'ttl': 60}
    base.update(options)
    return rfc2136.Rfc2136Provider(base)


def rrsets(update):
    return sorted(rrset.to_text() for rrset in update.update)


def test_add_sends_one_signed_update_with_each_new_value(sent):
    sent.current = ['foreign', 'v1']
    assert provider().add_txt(NAME, ['v1', 'v2']) == ['v2']
    update, where, port, protocol = sent.updates[0]
    assert (where, port, protocol) == ('192.0.2.53', 53, 'tcp')
    assert update.zone[0].name.to_text() == 'example.com.'
    assert rrsets(update) == ['_acme-challenge.www 60 IN TXT "v2"']
    assert update.keyname.to_text() == 'acme-key.'


def test_nothing_is_sent_when_every_value_is_there(sent):
    sent.current = ['v1']
    assert provider().add_txt(NAME, ['v1']) == []
    assert sent.updates == []


def test_remove_deletes_exactly_the_given_values(sent):
    provider().remove_txt(NAME, ['v1', 'v2'])
    assert rrsets(sent.updates[0][0]) == ['_acme-challenge.www 0 NONE TXT "v1"', '_acme-challenge.www 0 NONE TXT "v2"']


def test_server_port_from_the_address_or_the_option(sent):
    provider(server='192.0.2.53:5353').add_txt(NAME, ['v'])
    provider(server='192.0.2.53:5353', port=10053).add_txt(NAME, ['v'])
    assert [u[2] for u in sent.updates] == [5353, 10053]


def test_udp_transport(sent):
    provider(protocol='udp').add_txt(NAME, ['v'])
    assert sent.updates[0][-1] == 'udp'


@pytest.mark.parametrize('rcode, signed, words', [
    (dns.rcode.REFUSED, True, 'answered REFUSED to the update (signed with key acme-key): the server does not allow'),
    (dns.rcode.REFUSED, False, 'answered REFUSED to the update (unsigned (no dns01.key_name))'),
    (dns.rcode.NOTAUTH, True, 'answered NOTAUTH to the update (signed with key acme-key): the server is not authoritative'),
    (dns.rcode.NOTZONE, True, 'answered NOTZONE'),
    (dns.rcode.YXRRSET, True, 'answered YXRRSET to the update (signed with key acme-key): see the server log'),
])
def test_refusals_are_explained(sent, rcode, signed, words):
    sent.rcode = rcode
    options = {} if signed else {'key_name': None, 'key_secret': None}
    with pytest.raises(DnsProviderError) as failed:
        provider(**options).add_txt(NAME, ['v'])
    assert 'RFC2136 adding TXT %s in zone example.com at 192.0.2.53 failed: ' % NAME in failed.value.msg
    assert words in failed.value.msg


def test_tsig_errors_of_the_peer_are_explained(sent):
    sent.errors.append(dns.tsig.PeerBadSignature())
    with pytest.raises(DnsProviderError, match='the server rejected the TSIG key acme-key') as failed:
        provider().remove_txt(NAME, ['v'])
    assert 'dns01.key_secret' in failed.value.hint


def test_key_options_are_checked_before_any_request(sent):
    with pytest.raises(AcmeInputError, match='go together'):
        provider(key_secret=None)
    with pytest.raises(AcmeInputError, match='base64 secret'):
        provider(key_secret='not base64 !')
    with pytest.raises(AcmeInputError, match='needs dns01.server'):
        rfc2136.Rfc2136Provider({})
    with pytest.raises(AcmeInputError, match='is not in dns01.zone example.com'):
        provider().find_zone('_acme-challenge.example.org')
    assert sent.updates == []
