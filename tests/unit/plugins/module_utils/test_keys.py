# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write
from ansible_collections.sslclm.acme.plugins.module_utils.keys import (
    AccountKey,
    generate_private_key,
    key_type_of,
    private_key_to_pem,
)

cryptography = pytest.importorskip('cryptography')


@pytest.mark.parametrize('key_type, alg', [('ec256', 'ES256'), ('ec384', 'ES384'), ('rsa2048', 'RS256')])
def test_generated_keys_round_trip_with_the_right_alg(key_type, alg):
    key = generate_private_key(key_type)
    account = AccountKey.from_pem(private_key_to_pem(key))
    assert key_type_of(account.private_key) == key_type
    assert account.alg.name == alg
    assert len(account.thumbprint) == 43 and '=' not in account.thumbprint


def test_rfc7638_thumbprint_example():
    # RFC 7638 section 3.1 worked example (RSA public key) -> known thumbprint.
    import josepy
    jwk = josepy.JWK.from_json({
        'kty': 'RSA', 'e': 'AQAB',
        'n': (
            '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjB'
            'ZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8'
            'KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_'
            'xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw'
        ),
    })
    assert josepy.b64encode(jwk.thumbprint()).decode() == 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'


def test_bad_key_errors_never_echo_content():
    secret = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n'
    with pytest.raises(AcmeInputError) as info:
        AccountKey.from_pem(secret, source='account_key_content')
    assert 'c2VjcmV0' not in str(info.value) and 'account_key_content' in str(info.value)


def test_small_rsa_refused():
    from cryptography.hazmat.primitives.asymmetric import rsa
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(AcmeInputError, match='at least 2048'):
        AccountKey.from_pem(private_key_to_pem(small))


def test_atomic_write_sets_mode_and_replaces(tmp_path):
    target = tmp_path / 'account.key'
    target.write_bytes(b'old')
    os.chmod(str(target), 0o644)
    atomic_write(str(target), b'new', mode=0o600)
    assert target.read_bytes() == b'new'
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ['account.key']
