# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARI answers, good and malformed: a CA's renewalInfo document never raises anything but AcmeError."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ari import fetch_renewal_info
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

NOW = datetime.datetime.now(datetime.timezone.utc)


def leaf():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'ari.example.test')])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(4711).not_valid_before(NOW).not_valid_after(NOW + datetime.timedelta(days=90))
            .add_extension(x509.AuthorityKeyIdentifier(b'\x01' * 20, None, None), critical=False)
            .sign(key, hashes.SHA256()))


class Answer:
    def __init__(self, document, retry_after=None):
        self.document = document
        self.headers = {'Retry-After': retry_after} if retry_after is not None else {}

    def json(self):
        if isinstance(self.document, Exception):
            raise self.document
        return self.document


class Session:
    def __init__(self, answer):
        self.answer = answer
        self.net = self

    def url(self, name):
        return 'https://ca.test/%s/' % name

    def get(self, url):
        self.asked = url
        return self.answer


def test_a_window_gives_a_moment_inside_it():
    start, end = NOW + datetime.timedelta(days=60), NOW + datetime.timedelta(days=62)
    document = {'suggestedWindow': {'start': start.strftime('%Y-%m-%dT%H:%M:%SZ'),
                                    'end': end.strftime('%Y-%m-%dT%H:%M:%SZ')}}
    info = fetch_renewal_info(Session(Answer(document, retry_after='21600')), leaf())
    assert start.replace(microsecond=0) <= info['moment'] <= end
    assert 21500 < (info['recheck_at'] - NOW).total_seconds() < 21700


@pytest.mark.parametrize('document', [
    {'suggestedWindow': {'start': 17, 'end': 18}},  # numbers, not strings (was AttributeError)
    {'suggestedWindow': {'start': None, 'end': '2026-01-01T00:00:00Z'}},
    {'suggestedWindow': 'soon'},
    {'suggestedWindow': {'start': '2026-13-45T99:00:00Z', 'end': '2026-01-01T00:00:00Z'}},
    {'suggestedWindow': {'start': '2027-01-02T00:00:00Z', 'end': '2027-01-01T00:00:00Z'}},  # ends before it starts
    [],
    ValueError('not JSON'),
])
def test_a_malformed_window_is_a_clear_error(document):
    with pytest.raises(AcmeError, match='suggestedWindow'):
        fetch_renewal_info(Session(Answer(document, retry_after='\u00b2')), leaf())
