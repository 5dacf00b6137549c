# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Revocations in the ledger: a revoked certificate is replaced; a compromised key is never used again, at any CA."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import parse_identifiers
from ansible_collections.sslclm.acme.plugins.module_utils.acme.renewal import decide
from ansible_collections.sslclm.acme.plugins.module_utils.acme.revocations import (
    ALL_CAS,
    KEY_COMPROMISE,
    REASONS,
    REVOCATION,
    RevocationBook,
    record_revocation,
)
from ansible_collections.sslclm.acme.plugins.module_utils.keys import load_private_key
from ansible_collections.sslclm.acme.plugins.module_utils.state.sqlite import Ledger
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import public_key_sha256

CA_A, CA_B = 'https://a.test/dir', 'https://b.test/dir'


@pytest.fixture
def ledger(tmp_path):
    db = Ledger(str(tmp_path / 'ledger.sqlite'))
    yield db
    db.close()


def test_reason_codes_are_rfc_5280():
    assert REASONS['keyCompromise'] == 1 and REASONS['superseded'] == 4 and REASONS['cessationOfOperation'] == 5
    assert 7 not in REASONS.values() and REASONS['aACompromise'] == 10


def test_a_revoked_certificate_is_known_at_its_ca_only(ledger, pki):
    leaf, unused = pki.leaf(('www.example.test',))
    other, unused = pki.leaf(('www.example.test',))
    record_revocation(ledger, CA_A, leaf, 'superseded', 'account', account='https://a.test/acct/1', ca_name='a')
    book = RevocationBook(ledger, CA_A)
    assert book.certificate_problem(leaf).startswith('the certificate was revoked (superseded) on ')
    assert book.certificate_problem(other) is None
    assert RevocationBook(ledger, CA_B).certificate_problem(leaf) is None
    event = ledger.events(REVOCATION, CA_A)[0]
    assert event['detail'] == format(leaf.serial_number, 'x') and event['identifiers'] == ['www.example.test']
    assert event['data']['reason_code'] == 4 and event['data']['by'] == 'account' and event['ca'] == 'a'
    assert ledger.events(KEY_COMPROMISE, ALL_CAS) == []


def test_key_compromise_marks_the_key_for_every_ca(ledger, pki):
    leaf, key_text = pki.leaf(('www.example.test',))
    record_revocation(ledger, CA_A, leaf, 'keyCompromise', 'certificate_key')
    key = load_private_key(key_text)
    for directory in (CA_A, CA_B):
        book = RevocationBook(ledger, directory)
        assert 'was reported compromised on ' in book.key_problem(key)
        assert '(certificate %x revoked for keyCompromise)' % leaf.serial_number in book.key_problem(key)
    # another certificate with the same key (reuse_key) is unsound too, at any CA
    twin = sign_like(pki, leaf, key)
    assert RevocationBook(ledger, CA_B).certificate_problem(twin).startswith('the key of the certificate was reported')
    # and a CSR with it
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'x')])).sign(key, hashes.SHA256())
    assert RevocationBook(ledger, CA_B).key_problem(csr) is not None
    assert public_key_sha256(csr) == public_key_sha256(key) == public_key_sha256(leaf)
    fresh, fresh_key = pki.leaf(('www.example.test',))
    assert RevocationBook(ledger, CA_A).key_problem(load_private_key(fresh_key)) is None


def test_only_the_missing_parts_are_recorded(ledger, pki):
    leaf, unused = pki.leaf()
    record_revocation(ledger, CA_A, leaf, 'superseded', 'account')
    record_revocation(ledger, CA_A, leaf, 'keyCompromise', 'certificate_key', certificate=False)
    assert len(ledger.events(REVOCATION, CA_A)) == 1 and len(ledger.events(KEY_COMPROMISE, ALL_CAS)) == 1


def sign_like(pki, leaf, key):
    """A second certificate for the same names and key."""
    builder = (x509.CertificateBuilder().subject_name(leaf.subject).issuer_name(leaf.issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(leaf.not_valid_before_utc)
               .not_valid_after(leaf.not_valid_after_utc)
               .add_extension(leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value, critical=False))
    return builder.sign(pki.int_key, hashes.SHA256())


def not_due(unused_leaf):
    return None


def test_the_renewal_decision_replaces_a_revoked_certificate(ledger, pki, tmp_path):
    leaf, key_text = pki.leaf(('www.example.test',), days=90)
    cert_path, key_path = str(tmp_path / 'www.pem'), str(tmp_path / 'www.key')
    with open(cert_path, 'w') as handle:
        handle.write(pki.pem(leaf) + pki.pem(pki.intermediate))
    with open(key_path, 'w') as handle:
        handle.write(key_text)
    os.chmod(key_path, 0o600)
    spec = {'fullchain_path': cert_path, 'private_key_path': key_path}
    identifiers = parse_identifiers(['www.example.test'])

    before = decide(spec, identifiers, set(), not_due, revoked=RevocationBook(ledger, CA_A).certificate_problem)
    assert before.action == 'current'
    record_revocation(ledger, CA_A, leaf, 'keyCompromise', 'account')
    after = decide(spec, identifiers, set(), not_due, revoked=RevocationBook(ledger, CA_A).certificate_problem)
    assert after.action == 'issue' and after.reason.startswith('the certificate was revoked (keyCompromise) on ')
    # what hosts serve is judged the same way
    served = decide(dict(spec, current_certificate=pki.pem(leaf)), identifiers, set(), not_due,
                    revoked=RevocationBook(ledger, CA_A).certificate_problem)
    assert served.action == 'issue' and 'revoked' in served.reason
