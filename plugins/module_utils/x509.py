# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates on the controller: CSRs, parsing, chains. (When one is due: ``acme/renewal.py``.)"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress

from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
except ImportError:  # reported by deps.ensure_deps()
    pass

UTC = datetime.timezone.utc


def make_csr(private_key, identifiers):
    """DER CSR for ``identifiers`` (list of ``Identifier``); the first DNS name becomes the CN when it fits."""
    names = []
    for ident in identifiers:
        if ident.type == 'ip':
            names.append(x509.IPAddress(ipaddress.ip_address(ident.value)))
        else:
            names.append(x509.DNSName(ident.value))
    builder = x509.CertificateSigningRequestBuilder()
    common = next((i.value for i in identifiers if i.type == 'dns' and len(i.value) <= 64), None)
    builder = builder.subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)] if common else []))
    builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(private_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def load_csr(pem_or_der):
    data = pem_or_der.encode('utf-8') if isinstance(pem_or_der, str) else pem_or_der
    if b'-----BEGIN' in data:
        return x509.load_pem_x509_csr(data)
    return x509.load_der_x509_csr(data)


def csr_identifiers(csr):
    """``{'dns:name', 'ip:addr'}`` of a CSR's SAN extension (plus its CN)."""
    found = set()
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found |= {'dns:' + n.lower() for n in san.get_values_for_type(x509.DNSName)}
        found |= {'ip:' + ipaddress.ip_address(a).compressed for a in san.get_values_for_type(x509.IPAddress)}
    except x509.ExtensionNotFound:
        pass
    for attr in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        found.add('dns:' + str(attr.value).lower())
    return found


def load_certificates(pem):
    """All certificates in a PEM bundle, in order (other blocks, such as a key, are left out)."""
    return [x509.load_pem_x509_certificate(block.encode('ascii')) for block in pem_blocks(pem)]


def to_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_identifiers(cert):
    """``{'dns:name', 'ip:addr'}`` of a certificate's SAN extension."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    found = {'dns:' + n.lower() for n in san.get_values_for_type(x509.DNSName)}
    found |= {'ip:' + ipaddress.ip_address(a).compressed for a in san.get_values_for_type(x509.IPAddress)}
    return found


def _common_name(name):
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def describe_subject(cert):
    """``CN=..., issued by CN=...`` for messages about a certificate that is not ours."""
    return 'subject %s, issuer %s' % (cert.subject.rfc4514_string() or '(empty)', cert.issuer.rfc4514_string() or '(empty)')


def not_before(cert):
    return cert.not_valid_before_utc if hasattr(cert, 'not_valid_before_utc') else cert.not_valid_before.replace(tzinfo=UTC)


def not_after(cert):
    return cert.not_valid_after_utc if hasattr(cert, 'not_valid_after_utc') else cert.not_valid_after.replace(tzinfo=UTC)


def fingerprint_sha256(cert):
    return cert.fingerprint(hashes.SHA256()).hex()


def public_key_sha256(holder):
    """SHA-256 (hex) of the DER SubjectPublicKeyInfo of a private key, certificate or CSR: the same for all three,
    so a key reported compromised is recognised wherever it turns up."""
    public = holder.public_key() if hasattr(holder, 'public_key') else holder
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return digest.finalize().hex()


def authority_key_id(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier.hex()
    except x509.ExtensionNotFound:
        return None


def describe(cert, chain=()):
    """What users and diffs see of a certificate. Never key material."""
    top = chain[-1] if chain else cert
    return {
        'serial': format(cert.serial_number, 'x'),
        'subject': _common_name(cert.subject),
        'issuer': _common_name(cert.issuer),
        'chain_root_issuer': _common_name(top.issuer),
        'identifiers': sorted(i.split(':', 1)[1] for i in cert_identifiers(cert)),
        'not_before': _iso(not_before(cert)),
        'not_after': _iso(not_after(cert)),
        'fingerprint_sha256': fingerprint_sha256(cert),
    }


def _iso(moment):
    return moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def key_matches(private_key, cert):
    """True when ``cert`` certifies the public half of ``private_key``."""
    return private_key.public_key().public_numbers() == cert.public_key().public_numbers()


def chain_links(leaf, chain):
    """True when each certificate is signed by the next one (leaf → chain[0] → …)."""
    current = leaf
    for issuer in chain:
        try:
            current.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, Exception):  # pylint: disable=broad-except
            return False
        current = issuer
    return True


def chain_names(chain):
    """Common names a preferred-chain setting can match: every issuer and subject in the chain."""
    names = []
    for cert in chain:
        for name in (_common_name(cert.subject), _common_name(cert.issuer)):
            if name not in names:
                names.append(name)
    return names


def pick_chain(chains, preferred):
    """Choose among ``[(leaf, [chain certs]), …]`` (the default first) the one whose topmost
    issuer is ``preferred``; else any chain naming it; else the default."""
    if not preferred or len(chains) < 2:
        return chains[0]
    for candidate in chains:
        chain = candidate[1]
        if chain and _common_name(chain[-1].issuer) == preferred:
            return candidate
    for candidate in chains:
        if preferred in chain_names(candidate[1]):
            return candidate
    return chains[0]
