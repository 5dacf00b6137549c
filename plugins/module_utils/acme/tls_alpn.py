# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS-ALPN-01 challenge certificates (RFC 8737, IP identifiers per RFC 8738).

The ``acme`` library dropped its TLS-ALPN-01 classes in 5.x, so the certificate is
built here with ``cryptography``. Controller side only; the responder that serves it
(``module_utils/tls_alpn_responder.py``) is stdlib-only and just takes the PEMs.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib
import ipaddress

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    ACME_IDENTIFIER_OID = x509.ObjectIdentifier('1.3.6.1.5.5.7.1.31')
except ImportError:  # reported by deps.ensure_deps()
    ACME_IDENTIFIER_OID = None

ALPN_PROTOCOL = 'acme-tls/1'

# The CA fetches the certificate right after we answer; a day (plus an hour of
# back-dating for clock skew) is plenty and keeps a leaked certificate useless.
VALIDITY = datetime.timedelta(days=1)
BACKDATE = datetime.timedelta(hours=1)


def _parse_identifier(identifier):
    """Return ``('ip', ip_address)`` or ``('dns', lowercase name)`` for an identifier value."""
    if not isinstance(identifier, str) or not identifier.strip():
        raise AcmeInputError('A TLS-ALPN-01 identifier must be a non-empty string, got %r' % (identifier,))
    value = identifier.strip()
    try:
        return 'ip', ipaddress.ip_address(value.strip('[]'))
    except ValueError:
        pass
    name = value.lower().rstrip('.')
    if name.startswith('*.'):
        raise AcmeInputError('TLS-ALPN-01 cannot validate the wildcard identifier %s (RFC 8737 section 3): '
                             'use DNS-01' % name)
    try:
        name.encode('ascii')
    except UnicodeEncodeError:
        raise AcmeInputError('Identifier %r is not in A-label (punycode) form' % identifier)
    return 'dns', name


def key_authorization_digest(key_authorization):
    """SHA-256 of the key authorization (ASCII), the value RFC 8737 puts in the certificate."""
    if isinstance(key_authorization, str):
        key_authorization = key_authorization.encode('ascii')
    return hashlib.sha256(key_authorization).digest()


def acme_identifier_extension_value(key_authorization):
    """DER of ``OCTET STRING (SIZE (32))`` holding the digest: ``04 20`` + 32 bytes."""
    return b'\x04\x20' + key_authorization_digest(key_authorization)


def sni_for_identifier(identifier):
    """Server name the CA sends: the DNS name, or the reverse-DNS name of an IP (RFC 8738 §6)."""
    kind, value = _parse_identifier(identifier)
    if kind == 'ip':
        return value.reverse_pointer  # 4.3.2.1.in-addr.arpa / nibbles.ip6.arpa
    return value


def build_challenge_certificate(identifier, key_authorization):
    """Self-signed TLS-ALPN-01 certificate for ``identifier``: returns ``(cert_pem, key_pem)``.

    Fresh EC P-256 key, exactly one subjectAltName (dNSName, or iPAddress for an IP),
    and the critical acmeIdentifier extension with SHA-256(key authorization).
    """
    kind, value = _parse_identifier(identifier)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    if kind == 'ip':
        san = x509.IPAddress(value)
        common_name = str(value)
    else:
        san = x509.DNSName(value)
        common_name = value
    # RFC 5280 4.2.1.6: with an empty subject the SAN must be critical. A CN longer
    # than the 64 characters X.520 allows is left out rather than truncated.
    has_cn = len(common_name) <= 64
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)] if has_cn else [])
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - BACKDATE)
               .not_valid_after(now + VALIDITY)
               .add_extension(x509.SubjectAlternativeName([san]), critical=not has_cn)
               .add_extension(x509.UnrecognizedExtension(ACME_IDENTIFIER_OID,
                                                         acme_identifier_extension_value(key_authorization)),
                              critical=True))
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(encoding=serialization.Encoding.PEM,
                                format=serialization.PrivateFormat.PKCS8,
                                encryption_algorithm=serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def check_challenge_certificate(cert, identifier, key_authorization):
    """Does ``cert`` (a ``cryptography`` certificate, DER or PEM bytes) answer the challenge?

    Returns ``(ok, reason)``; the reason says what is wrong, in the terms a CA uses.
    """
    if isinstance(cert, bytes):
        try:
            if cert.lstrip().startswith(b'-----'):
                cert = x509.load_pem_x509_certificate(cert)
            else:
                cert = x509.load_der_x509_certificate(cert)
        except ValueError as exc:
            return False, 'the certificate cannot be parsed (%s)' % exc
    kind, value = _parse_identifier(identifier)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False, 'the certificate has no subjectAltName'
    except ValueError as exc:  # duplicate or malformed extensions
        return False, 'the certificate extensions cannot be parsed (%s)' % exc
    names = list(san)
    if len(names) != 1:
        return False, 'the certificate has %d subjectAltNames, RFC 8737 requires exactly one' % len(names)
    name = names[0]
    if kind == 'ip':
        if not isinstance(name, x509.IPAddress) or name.value != value:
            return False, 'the subjectAltName is %s, expected the IP address %s' % (_describe_name(name), value)
    elif not isinstance(name, x509.DNSName) or name.value.lower().rstrip('.') != value:
        return False, 'the subjectAltName is %s, expected the DNS name %s' % (_describe_name(name), value)
    try:
        extension = cert.extensions.get_extension_for_oid(ACME_IDENTIFIER_OID)
    except x509.ExtensionNotFound:
        return False, 'the certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)'
    if not extension.critical:
        return False, 'the acmeIdentifier extension is not critical'
    if extension.value.value != acme_identifier_extension_value(key_authorization):
        return False, 'the acmeIdentifier extension does not hold SHA-256 of the expected key authorization'
    return True, 'the certificate answers the challenge for %s' % value


def _describe_name(name):
    if isinstance(name, (x509.DNSName, x509.IPAddress)):
        return '%s:%s' % ('DNS' if isinstance(name, x509.DNSName) else 'IP', name.value)
    return type(name).__name__
