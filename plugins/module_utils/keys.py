# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private keys: load, generate, serialise, and present as JWK for ACME.

Controller-side only (needs ``cryptography`` and ``josepy``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError

try:
    import josepy
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:  # reported by deps.ensure_deps()
    pass

KEY_TYPES = ('ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096')


def generate_private_key(key_type='ec256'):
    """A new private key of one of ``KEY_TYPES``."""
    if key_type == 'ec256':
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == 'ec384':
        return ec.generate_private_key(ec.SECP384R1())
    if key_type.startswith('rsa') and key_type in KEY_TYPES:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    raise AcmeInputError('Unknown key type %r; use one of %s' % (key_type, ', '.join(KEY_TYPES)))


def private_key_to_pem(key):
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def load_private_key(pem, source='the key'):
    """Parse a PEM private key; the error names the source, never the content."""
    if isinstance(pem, str):
        pem = pem.encode('utf-8')
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        reason = 'it is encrypted' if 'encrypted' in str(exc).lower() or 'password' in str(exc).lower() \
            else 'it is not an unencrypted PEM private key'
        raise AcmeInputError('Cannot use %s: %s' % (source, reason))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in ('secp256r1', 'secp384r1', 'secp521r1'):
            raise AcmeInputError('Cannot use %s: EC curve %s is not usable with ACME (use P-256 or P-384)'
                                 % (source, key.curve.name))
    elif isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise AcmeInputError('Cannot use %s: RSA keys must have at least 2048 bits' % source)
    else:
        raise AcmeInputError('Cannot use %s: only EC and RSA keys are supported' % source)
    return key


def key_type_of(key):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {'secp256r1': 'ec256', 'secp384r1': 'ec384'}.get(key.curve.name, 'ec521')
    return 'rsa%d' % key.key_size


class AccountKey:
    """An account key with its JWK, JWS algorithm and RFC 7638 thumbprint."""

    def __init__(self, private_key):
        self.private_key = private_key
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            self.jwk = josepy.JWKEC(key=private_key)
            self.alg = {'secp256r1': josepy.ES256, 'secp384r1': josepy.ES384}.get(private_key.curve.name, josepy.ES512)
        else:
            self.jwk = josepy.JWKRSA(key=private_key)
            self.alg = josepy.RS256

    @classmethod
    def from_pem(cls, pem, source='the account key'):
        return cls(load_private_key(pem, source))

    @property
    def thumbprint(self):
        """base64url SHA-256 JWK thumbprint: the part after the dot of a key authorization."""
        return josepy.b64encode(self.jwk.thumbprint()).decode('ascii')

    @property
    def public_jwk(self):
        return self.jwk.public_key().to_partial_json()


def read_key_file(path, what):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise AcmeInputError('Cannot read %s %s: %s' % (what, path, exc.strerror or exc))


def load_account_key(params, src_option='account_key_src', content_option='account_key_content'):
    """The ``AccountKey`` named by the task (or by the connector's key path), or None."""
    content = params.get(content_option)
    src = params.get(src_option) or (params.get('connector') or {}).get(src_option)
    if content:
        return AccountKey.from_pem(content, source=content_option)
    if src:
        return AccountKey.from_pem(read_key_file(src, 'the account key'), source='the account key %s' % src)
    return None
