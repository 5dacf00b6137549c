# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns-persist-01 inside an enrollment: the method per authorization (with the fallback where the CA does not
offer it), the challenge material, the records shown, and the module-level records and publishing plan."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_enroll import PersistValidation
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_publish import ours
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_records import persist_identifiers, plan
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import assign_methods, parse_identifiers
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

ACCOUNT = 'http://127.0.0.1:14600/acme/acct/abc'


def ca(methods=('dns-persist-01', 'http-01', 'dns-01')):
    return {'name': 'a2c', 'connector': {'account_uri': ACCOUNT, 'key_thumbprint': 't' * 43},
            'directory': {'caa_identities': ['ca.persist.test'], 'issuer_domain_names': []},
            'policy': {'validation_methods': list(methods), 'default_validation': methods[0],
                       'dns_persist_issuer_domain_names': None}}


class Run:
    def __init__(self, ca_object):
        self.ca = ca_object
        self.policy = ca_object['policy']


def validation(names, spec=None, methods=('dns-persist-01', 'http-01', 'dns-01'), default='dns-persist-01'):
    identifiers = parse_identifiers(names)
    run = Run(ca(methods))
    assigned = assign_methods(identifiers, default, (spec or {}).get('validation_overrides'), list(methods))
    return PersistValidation(run, dict(spec or {}, name='c1'), identifiers, assigned), identifiers


def authz(*types, **extra):
    challenges = [dict({'type': t, 'url': 'http://ca/chall/%s' % t, 'status': 'pending'}, **(extra if t == 'dns-persist-01' else {}))
                  for t in types]
    return {'status': 'pending', 'challenges': challenges}


def test_offered_dns_persist_is_used_and_its_material_needs_nothing_published():
    persist, (ident,) = validation(['www.example.test'])
    offered = authz('http-01', 'dns-01', 'dns-persist-01', accounturi=ACCOUNT, **{'issuer-domain-names': ['ca.persist.test']})
    assert persist.choose(ident, offered) == 'dns-persist-01'
    item = persist.material(ident, 'http://ca/authz/1', offered)
    assert (item['method'], item['challenge_url'], item['token'], item['record_name'], item['txt_value']) == (
        'dns-persist-01', 'http://ca/chall/dns-persist-01', None, '_validation-persist.www.example.test',
        'ca.persist.test; accounturi=%s' % ACCOUNT)
    assert item['expectation'].best([item['txt_value']])[0] is True
    assert persist.outcome() == {}


def test_not_offered_falls_back_to_the_next_allowed_method_and_says_so():
    persist, idents = validation(['www.example.test', '*.example.test'])
    assert persist.choose(idents[0], authz('http-01', 'dns-01')) == 'http-01'
    assert persist.choose(idents[1], authz('dns-01')) == 'dns-01'  # a wildcard skips http-01
    outcome = persist.outcome()
    assert outcome['validation_fallbacks'] == {'www.example.test': 'http-01', '*.example.test': 'dns-01'}
    assert outcome['validation'] == {'www.example.test': 'http-01', '*.example.test': 'dns-01'}
    assert outcome['_warnings'][0] == ('www.example.test: the CA offers no dns-persist-01 challenge for this authorization '
                                       '(it offers http-01, dns-01); validating with http-01 instead')


def test_no_allowed_method_left_is_an_error():
    persist, (ident,) = validation(['*.example.test'], methods=('dns-persist-01', 'http-01'))
    with pytest.raises(AcmeError, match=r'offers no dns-persist-01 challenge \(it offers http-01, dns-01\) and no other '
                                        r'method the CA instance allows \(dns-persist-01, http-01\)'):
        persist.choose(ident, authz('http-01', 'dns-01'))


def test_other_methods_pass_through():
    persist, idents = validation(['www.example.test', 'api.example.test'],
                                 spec={'validation_overrides': {'api.example.test': 'http-01'}})
    assert persist.choose(idents[1], authz('http-01')) == 'http-01'
    assert [r['identifiers'] for r in persist.planned()['dns_persist_records']] == [['www.example.test']]


def test_planned_records_and_no_preflight_when_switched_off():
    persist, dummy = validation(['example.test', '*.example.test'], spec={'dns_persist01': {
        'persist_until': '2027-06-30', 'preflight': False}})
    assert persist.planned() == {'dns_persist_records': [{
        'record_name': '_validation-persist.example.test', 'identifiers': ['example.test', '*.example.test'],
        'value': 'ca.persist.test; accounturi=%s; policy=wildcard; persistUntil=1814313600' % ACCOUNT,
        'zone_line': '_validation-persist.example.test. IN TXT "ca.persist.test; accounturi=%s; policy=wildcard; '
                     'persistUntil=1814313600"' % ACCOUNT}]}
    assert persist.preflight() == {}
    none, dummy = validation(['www.example.test'], default='http-01')
    assert none.planned() == {} and none.preflight() == {}


def test_persist_identifiers_from_certificates_follow_the_policy():
    found = persist_identifiers(ca(('http-01', 'dns-persist-01')), identifiers=['a.example.test'], certificates=[
        {'name': 'www', 'identifiers': ['www.example.test', 'a.example.test'], 'validation': 'dns-persist-01',
         'deploy': {'key': '/x'}},
        {'identifiers': ['web.example.test']},  # http-01, the CA instance's default
        {'domain': 'shop.example.test', 'sans': ['*.shop.example.test'],
         'validation_overrides': {'*.shop.example.test': 'dns-persist-01'}},
    ])
    assert [i.value for i in found] == ['a.example.test', 'www.example.test', '*.shop.example.test']


@pytest.mark.parametrize('ca_object, names, message', [
    (ca(('http-01', 'dns-01')), ['a.example.test'], 'does not allow dns-persist-01'),
    ({'policy': {}}, ['a.example.test'], 'ca must be the ca object'),
    (ca(('http-01', 'dns-persist-01')), [], 'no identifier given'),
])
def test_persist_identifiers_refuses(ca_object, names, message):
    with pytest.raises(AcmeInputError, match=message):
        persist_identifiers(ca_object, identifiers=names, certificates=[] if names == [] else [{'identifiers': ['w.test']}])


def test_certificates_none_of_which_uses_dns_persist_give_no_record():
    assert persist_identifiers(ca(('http-01', 'dns-persist-01')), certificates=[{'identifiers': ['web.example.test']}]) == []


def test_only_records_of_this_account_at_this_ca_are_ours_to_replace():
    authority, records = plan({'ca': ca(), 'identifiers': ['www.example.test']})
    assert ours('ca.persist.test; accounturi=%s; persistUntil=5' % ACCOUNT, authority, 'www.example.test')
    assert ours('CA.persist.test;accounturi=%s' % ACCOUNT, authority, 'www.example.test')
    assert not ours('other.ca; accounturi=%s' % ACCOUNT, authority, 'www.example.test')
    assert not ours('ca.persist.test; accounturi=%s2' % ACCOUNT, authority, 'www.example.test')
    assert not ours('v=spf1 -all', authority, 'www.example.test')


def test_a_draft02_ca_gets_hashed_records_and_its_challenge_accepts_them():
    ca02 = ca()
    ca02['directory'] = {'caa_identities': ['ca.persist.test'], 'issuer_domain_names': ['authority.example'],
                         'account_hash_prefix': 'https://ca.example/account-hash/'}
    identifiers = parse_identifiers(['example.com'])
    persist = PersistValidation(Run(ca02), {}, identifiers, {identifiers[0]: 'dns-persist-01'})
    value = persist.planned()['dns_persist_records'][0]['value']
    assert value.startswith('authority.example; accounturi=https://ca.example/account-hash/sha-256/')
    item = persist.material(identifiers[0], 'http://ca/authz/1',
                            authz('dns-persist-01', issuerDomainNames=['authority.example', 'ca.example.net']))
    assert item['txt_value'] == value and item['expectation'].best([value])[0] is True
    assert item['expectation'].best(['authority.example; accounturi=%s' % ACCOUNT])[0] is False
