# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the unit tests: a root, an intermediate and leaves (deploy tests); a fake clock."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, public_key, signing_key, ca, sans=(), days=30, start=None):
    start = start or NOW - datetime.timedelta(days=1)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode('ascii')


def fingerprint(cert):
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class Pki:
    """Root → intermediate → leaves, made once per test module."""

    def __init__(self):
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _cert('Test Root', 'Test Root', self.root_key.public_key(), self.root_key, True)
        self.int_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = _cert('Test Intermediate', 'Test Root', self.int_key.public_key(), self.root_key, True)

    pem = staticmethod(pem)
    fingerprint = staticmethod(fingerprint)

    def leaf(self, names=('www.example.test',), days=30, start=None):
        """(certificate, key PEM) for ``names``, issued by the intermediate."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(names[0], 'Test Intermediate', key.public_key(), self.int_key, False, sans=names, days=days,
                     start=start)
        return cert, key_pem(key)


@pytest.fixture(scope='module')
def pki():
    return Pki()


class FakeClock:
    """A monotonic clock that only ``sleep`` moves; every sleep is logged (rounded to the microsecond)."""

    def __init__(self, start=0.0):
        self.now = start
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def fake_clock():
    return FakeClock()
