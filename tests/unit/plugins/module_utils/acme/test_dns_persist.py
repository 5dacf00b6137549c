# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns-persist-01 records: the draft-02 hashed account URI against the draft's test vectors, both dialects'
record values, and the verdict on what a server serves."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import (
    DRAFT_01,
    DRAFT_02,
    Authority,
    Expectation,
    authority_for,
    challenge_issuers,
    expiry_warning,
    hashed_account_uri,
    parse_persist_until,
    parse_record,
    plan_records,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import parse_identifiers
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

# draft-ietf-acme-dns-persist-02, section 10.2 (the thumbprint is RFC 7638's example)
THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
ACCOUNT = 'https://ca.example/acct/123'
PREFIX = 'https://ca.example/account-hash/'
NOW = 1800000000
A01 = Authority(DRAFT_01, ['CA.Example.'], 'https://ca.example/acme/acct/7')


def test_hashed_account_uri_matches_the_drafts_test_vectors():
    assert hashed_account_uri(PREFIX, 'example.com', THUMBPRINT, ACCOUNT) == \
        PREFIX + 'sha-256/5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw'
    assert hashed_account_uri(PREFIX, '*', THUMBPRINT, ACCOUNT) == \
        PREFIX + 'sha-256/NpDnSwUthQK8zCgFdefYxAdAVPnygMLbs9US6oO-5ug'
    # the domain is normalised first (the draft's section 9.2)
    assert hashed_account_uri(PREFIX, 'EXAMPLE.com.', THUMBPRINT, ACCOUNT).endswith('5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw')


def test_draft02_record_is_the_drafts_figure_for_a_wildcard():
    authority = Authority(DRAFT_02, ['authority.example', 'ca.example.net'], ACCOUNT, THUMBPRINT, PREFIX)
    records = plan_records(parse_identifiers(['example.com', '*.example.com']), authority)
    assert records == [{
        'record_name': '_validation-persist.example.com', 'domain': 'example.com',
        'identifiers': ['example.com', '*.example.com'], 'wildcard': True,
        'value': 'authority.example; accounturi=https://ca.example/account-hash/sha-256/'
                 '5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw; policy=wildcard',
        'zone_line': '_validation-persist.example.com. IN TXT "authority.example; accounturi=https://ca.example/'
                     'account-hash/sha-256/5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw; policy=wildcard"'}]


def test_draft01_records_name_the_account_url_and_the_issuer_in_lower_case():
    records = plan_records(parse_identifiers(['www.example.com', '*.wild.example.com', 'api.example.com']), A01,
                           persist_until=1900000000)
    assert [(r['record_name'], r['value']) for r in records] == [
        ('_validation-persist.www.example.com', 'ca.example; accounturi=https://ca.example/acme/acct/7; persistUntil=1900000000'),
        ('_validation-persist.wild.example.com',
         'ca.example; accounturi=https://ca.example/acme/acct/7; policy=wildcard; persistUntil=1900000000'),
        ('_validation-persist.api.example.com', 'ca.example; accounturi=https://ca.example/acme/acct/7; persistUntil=1900000000'),
    ]


def test_a_long_value_is_split_into_character_strings_of_255_octets_in_the_zone_line():
    authority = Authority(DRAFT_01, ['ca.example'], 'https://ca.example/acct/' + 'x' * 300)
    line = plan_records(parse_identifiers(['example.com']), authority)[0]['zone_line']
    strings = line.split(' IN TXT ', 1)[1].split('" "')
    assert len(strings) == 2 and len(strings[0].lstrip('"')) == 255


def test_ip_addresses_have_no_record():
    with pytest.raises(AcmeInputError, match='IP address cannot be validated with dns-persist-01'):
        plan_records(parse_identifiers(['192.0.2.1']), A01)


@pytest.mark.parametrize('text, parsed', [
    ('ca.example; accounturi=https://x/1', ('ca.example', {'accounturi': 'https://x/1'})),
    ('CA.example.;AccountURI=https://x/1;PersistUntil=5; policy=WILDCARD; future=thing',
     ('ca.example', {'accounturi': 'https://x/1', 'persistuntil': '5', 'policy': 'WILDCARD', 'future': 'thing'})),
    ('"ca.example; accounturi=a=b"', ('ca.example', {'accounturi': 'a=b'})),
    ('ca.example; accounturi', None),
    ('ca.example; accounturi=a; accounturi=b', None),
    ('accounturi=a', None),
    ('', None),
])
def test_parse_record(text, parsed):
    assert parse_record(text) == parsed


@pytest.mark.parametrize('record, wildcard, ok, reason', [
    ('ca.example; accounturi=https://ca.example/acme/acct/7', False, True, None),
    ('CA.EXAMPLE; accounturi=https://ca.example/acme/acct/7; policy=Wildcard', True, True, None),
    ('other.ca; accounturi=https://ca.example/acme/acct/7', False, False, 'names the issuer other.ca, not this CA (ca.example)'),
    ('ca.example; accounturi=https://ca.example/acme/acct/8', False, False, 'authorizes another account'),
    ('ca.example; accounturi=https://ca.example/acme/acct/7/', False, False, 'authorizes another account'),
    ('ca.example; policy=wildcard', False, False, 'has no accounturi'),
    ('ca.example; accounturi=https://ca.example/acme/acct/7; persistUntil=%d' % (NOW - 1), False, False,
     'expired: persistUntil=%d was 2027-01-15T07:59:59Z' % (NOW - 1)),
    ('ca.example; accounturi=https://ca.example/acme/acct/7; persistUntil=2030-01-01', False, False, 'not UNIX seconds'),
    ('ca.example; accounturi=https://ca.example/acme/acct/7', True, False, 'no policy=wildcard'),
    ('garbage; accounturi', False, False, 'is not an issue-value'),
])
def test_judge(record, wildcard, ok, reason):
    verdict = Expectation(A01, 'example.com', wildcard, now=NOW).judge(record)
    assert verdict[0] is ok
    if reason:
        assert reason in verdict[1]


def test_draft02_accepts_the_domain_hash_the_any_domain_hash_and_notes_prior_keys():
    authority = Authority(DRAFT_02, ['authority.example'], ACCOUNT, 'current-thumbprint-' + 'x' * 24, PREFIX)
    expectation = Expectation(authority, 'example.com', False, prior_thumbprints=[THUMBPRINT], now=NOW)
    current = authority.account_value('example.com')
    assert expectation.judge('authority.example; accounturi=%s' % current) == (True, None, None)
    any_domain = hashed_account_uri(PREFIX, '*', authority.thumbprint, ACCOUNT)
    assert expectation.judge('authority.example; accounturi=%s' % any_domain)[0] is True
    old = expectation.judge('authority.example; accounturi=%s' % hashed_account_uri(PREFIX, 'example.com', THUMBPRINT, ACCOUNT))
    assert old[0] is True and 'prior account key' in old[1]
    assert 'another account' in expectation.judge('authority.example; accounturi=%s' % ACCOUNT)[1]


def test_best_takes_the_record_that_authorizes_longest_and_explains_the_others():
    expectation = Expectation(A01, 'example.com', False, now=NOW)
    good = 'ca.example; accounturi=https://ca.example/acme/acct/7; persistUntil=%d' % (NOW + 100)
    forever = 'ca.example; accounturi=https://ca.example/acme/acct/7'
    assert expectation.best([good, forever, 'other.ca; accounturi=x']) == (True, None, None)
    assert expectation.best([good]) == (True, None, NOW + 100)
    ok, detail, until = expectation.best(['other.ca; accounturi=x', 'ca.example; accounturi=https://ca.example/acme/acct/9'])
    assert not ok and detail.startswith('"ca.example; accounturi=https://ca.example/acme/acct/9" authorizes another account')
    assert 'other.ca' not in detail  # another CA's record is not ours to explain when one of ours is there
    assert expectation.best([]) == (False, 'no TXT record', None)


@pytest.mark.parametrize('value, seconds', [
    (None, None), ('', None), ('1900000000', 1900000000), (1900000000, 1900000000),
    ('2027-01-31', 1801353600), ('2027-01-31T12:30:00Z', 1801398600), ('2027-01-31 12:30', 1801398600),
])
def test_parse_persist_until(value, seconds):
    assert parse_persist_until(value) == seconds


@pytest.mark.parametrize('value', ['next year', '2027-13-01', '2027-02-30', '2027-01-31T12:00:00+02:00'])
def test_parse_persist_until_refuses(value):
    with pytest.raises(AcmeInputError, match='persist_until'):
        parse_persist_until(value)


def test_expiry_warning_within_30_days_only():
    assert expiry_warning('n', None, NOW) is None
    assert expiry_warning('n', NOW + 31 * 86400, NOW) is None
    assert 'expires in 9 day(s)' in expiry_warning('n', NOW + 9 * 86400 + 5, NOW)


def ca_object(directory, override=None):
    return {'name': 'x', 'directory': directory, 'policy': {'dns_persist_issuer_domain_names': override},
            'connector': {'account_uri': ACCOUNT, 'key_thumbprint': THUMBPRINT}}


def test_authority_for_a_ca_picks_the_dialect_and_the_issuer_names():
    a01 = authority_for(ca_object({'caa_identities': ['ca.example'], 'issuer_domain_names': []}))
    assert (a01.dialect, a01.issuer_domain_names, a01.account_value('x.test')) == (DRAFT_01, ['ca.example'], ACCOUNT)
    a02 = authority_for(ca_object({'caa_identities': ['caa.example'], 'issuer_domain_names': ['authority.example'],
                                   'account_hash_prefix': PREFIX}))
    assert (a02.dialect, a02.issuer_domain_name) == (DRAFT_02, 'authority.example')
    assert a02.account_value('example.com') == PREFIX + 'sha-256/5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw'
    assert authority_for(ca_object({'caa_identities': ['a.example']}, ['B.example'])).issuer_domain_names == ['b.example']


@pytest.mark.parametrize('directory, message', [
    ({'caa_identities': []}, 'advertises no issuer domain names'),
    ({'issuer_domain_names': ['authority.example']}, 'no accountHashPrefix'),
])
def test_authority_for_refuses_what_cannot_make_a_record(directory, message):
    with pytest.raises(AcmeInputError, match=message):
        authority_for(ca_object(directory))


def test_challenge_issuers_of_both_dialects_and_a_foreign_account():
    a02 = Authority(DRAFT_02, ['authority.example'], ACCOUNT, THUMBPRINT, PREFIX)
    assert challenge_issuers({'issuer-domain-names': ['CA.example'], 'accounturi': A01.account_uri}, A01) == ['ca.example']
    assert challenge_issuers({'issuerDomainNames': ['authority.example']}, a02) == ['authority.example']
    with pytest.raises(AcmeError, match='challenge of draft-02, but its directory is draft-01'):
        challenge_issuers({'issuerDomainNames': ['authority.example']}, A01)
    with pytest.raises(AcmeError, match='challenge of draft-01, but its directory is draft-02'):
        challenge_issuers({'issuer-domain-names': ['authority.example'], 'accounturi': ACCOUNT}, a02)
    with pytest.raises(AcmeError, match='binds this dns-persist-01 challenge to the account http://127.0.0.1/acct/7'):
        challenge_issuers({'issuer-domain-names': ['ca.example'], 'accounturi': 'http://127.0.0.1/acct/7'}, A01)
    with pytest.raises(AcmeError, match='malformed dns-persist-01 challenge'):
        challenge_issuers({'issuerDomainNames': ['a%d.example' % i for i in range(11)]}, a02)
