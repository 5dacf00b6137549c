# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The directly built JWS against josepy's reading and verification of it (an independent implementation, the
one the acme library signs with), for every account key type."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme import jws
from ansible_collections.sslclm.acme.plugins.module_utils.keys import AccountKey, generate_private_key

acme_jws = pytest.importorskip('acme.jws')
josepy = pytest.importorskip('josepy')

KEY_TYPES = ('ec256', 'ec384', 'rsa2048')
URL = 'https://ca.example/acme/new-order'
KID = 'https://ca.example/acme/acct/17'


def _key(key_type):
    return AccountKey(generate_private_key(key_type))


def _read(text):
    document = json.loads(text)
    assert sorted(document) == ['payload', 'protected', 'signature']  # flattened JSON serialization only
    return acme_jws.JWS.from_json(document), json.loads(josepy.b64decode(document['protected']))


@pytest.mark.parametrize('key_type', KEY_TYPES)
def test_request_signed_with_kid_verifies(key_type):
    key = _key(key_type)
    payload = json.dumps({'identifiers': [{'type': 'dns', 'value': 'www.example.com'}]}).encode('utf-8')
    signed, protected = _read(jws.sign(payload, key.jwk, key.alg, URL, nonce=b'\x01\x02nonce\xff', kid=KID))
    assert signed.verify(key.jwk.public_key())
    assert not signed.verify(_key(key_type).jwk.public_key())  # another key's signature does not pass
    assert signed.payload == payload
    assert protected == {'alg': key.alg.name, 'url': URL, 'kid': KID, 'nonce': josepy.b64encode(b'\x01\x02nonce\xff').decode()}
    header = signed.signature.combined
    assert (header.kid, header.url, header.nonce, header.jwk) == (KID, URL, b'\x01\x02nonce\xff', None)


@pytest.mark.parametrize('key_type', KEY_TYPES)
def test_without_kid_the_public_key_goes_in_jwk_and_verifies_by_itself(key_type):
    key = _key(key_type)
    signed, protected = _read(jws.sign(b'{}', key.jwk, key.alg, URL, nonce=b'n'))
    assert 'kid' not in protected
    assert signed.signature.combined.jwk == key.jwk.public_key()
    assert signed.verify()  # with the key the JWS carries
    assert 'd' not in protected['jwk'] and 'p' not in protected['jwk']  # never the private parts


def test_post_as_get_has_an_empty_payload_and_the_key_change_inner_jws_no_nonce():
    key = _key('ec256')
    as_get = json.loads(jws.sign(b'', key.jwk, key.alg, URL, nonce=b'n', kid=KID))
    assert as_get['payload'] == ''
    signed, protected = _read(jws.sign(b'{"account": "x"}', key.jwk, key.alg, URL))
    assert 'nonce' not in protected and signed.verify()


def test_b64url_has_no_padding_and_the_url_safe_alphabet():
    assert jws.b64url(b'\xfb\xff') == '-_8'
    assert jws.b64url(b'') == ''
