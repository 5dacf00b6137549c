# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import PRESETS
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.policy import build_policy, caa_issue_values, choose_profile

LE = {'url': PRESETS['letsencrypt']['url'], 'profiles': {'classic': 'x', 'shortlived': 'y'}, 'ari': True,
      'caa_identities': ['letsencrypt.org']}
STAGING = dict(LE, url=PRESETS['letsencrypt_staging']['url'])
PRIVATE = {'url': 'https://ca.internal/dir', 'profiles': {}, 'ari': False, 'caa_identities': []}


def test_defaults_are_letsencrypt_limits_and_30_days():
    policy, warnings = build_policy({}, LE)
    assert warnings == []
    assert policy['default_validation'] == 'http-01'
    assert policy['renewal'] == {'days_before_expiry': 30, 'lifetime_fraction': None, 'use_ari': True}
    assert policy['rate_limits'] == {'certificates_per_registered_domain': 50, 'duplicate_certificates': 5,
                                     'failed_validations_per_hour': 5, 'new_orders_per_3_hours': 300}


def test_staging_has_larger_limits_and_overrides_apply():
    policy = build_policy({'rate_limits': {'duplicate_certificates': 2, 'new_orders_per_3_hours': None}}, STAGING)[0]
    assert policy['rate_limits']['duplicate_certificates'] == 2
    assert policy['rate_limits']['new_orders_per_3_hours'] == 1500


def test_default_validation_must_be_allowed():
    with pytest.raises(AcmeInputError, match='default_validation tls-alpn-01 is not one of'):
        build_policy({'validation_methods': ['http-01'], 'default_validation': 'tls-alpn-01'}, LE)


def test_profile_offered_is_kept():
    policy, warnings = build_policy({'profile': 'shortlived'}, LE)
    assert policy['profile'] == 'shortlived' and warnings == []


def test_profile_missing_required_fails_preferred_falls_back():
    with pytest.raises(AcmeInputError, match='advertises no profiles'):
        build_policy({'profile': 'shortlived', 'profile_required': True}, PRIVATE)
    policy, warnings = build_policy({'profile': 'tlsserver'}, LE)
    assert policy['profile'] is None and policy['profile_requested'] == 'tlsserver'
    assert 'classic, shortlived' in warnings[0]


def test_a_certificates_profile_falls_back_to_the_ca_instances():
    assert choose_profile('classic', False, LE, 'the CA instance', 'shortlived') == ('classic', None)
    assert choose_profile(None, True, PRIVATE, 'the CA instance', None) == (None, None)
    profile, warning = choose_profile('tlsserver', False, LE, 'the CA instance', 'shortlived')
    assert profile == 'shortlived'
    assert warning.endswith("advertises the profiles classic, shortlived; orders will use the CA instance's profile 'shortlived'")
    profile, warning = choose_profile('tlsserver', False, PRIVATE, 'the CA instance', None)
    assert profile is None and warning.endswith('advertises no profiles; orders will use the CA default')
    with pytest.raises(AcmeInputError, match="profile 'tlsserver' is required by the CA instance, but the CA at"):
        choose_profile('tlsserver', True, LE, 'the CA instance', 'shortlived')


def test_no_warning_for_a_plain_private_ca():
    policy, warnings = build_policy({}, PRIVATE)
    assert warnings == [] and policy['renewal']['use_ari'] is True


@pytest.mark.parametrize('renewal, message', [
    ({'days_before_expiry': 0}, 'at least 1'),
    ({'lifetime_fraction': 1.5}, 'between 0 and 1'),
])
def test_bad_renewal_values(renewal, message):
    with pytest.raises(AcmeInputError, match=message):
        build_policy({'renewal': renewal}, LE)


def test_negative_limit_rejected():
    with pytest.raises(AcmeInputError, match='must not be negative'):
        build_policy({'rate_limits': {'duplicate_certificates': -1}}, LE)


def test_caa_values_pin_the_account():
    assert caa_issue_values(LE, 'https://ca/acct/1') == ['letsencrypt.org; accounturi=https://ca/acct/1']


def test_caa_identities_of_a_private_ca_are_stated_on_the_instance():
    policy, warnings = build_policy({'caa_identities': ['PKI.Internal.', ' ']}, PRIVATE)
    assert policy['caa_identities'] == ['pki.internal'] and warnings == []
    assert caa_issue_values(PRIVATE, 'https://ca/acct/2', policy['caa_identities']) == \
        ['pki.internal; accounturi=https://ca/acct/2']
    assert build_policy({}, LE)[0]['caa_identities'] is None


def test_caa_identities_differing_from_the_directory_warn_and_bad_ones_fail():
    policy, warnings = build_policy({'caa_identities': ['other.example']}, LE)
    assert policy['caa_identities'] == ['other.example']
    assert warnings == ['caa_identities other.example differ from what the CA at %s advertises (letsencrypt.org): the '
                        'CAA check uses yours' % LE['url']]
    with pytest.raises(AcmeInputError, match="caa_identities: 'not a domain' is not a domain name"):
        build_policy({'caa_identities': ['not a domain']}, LE)


def test_dns_persist_is_allowed_only_when_listed_and_keeps_the_issuer_override():
    assert build_policy({}, LE)[0]['validation_methods'] == ['http-01', 'dns-01', 'tls-alpn-01']
    policy = build_policy({'validation_methods': ['dns-persist-01', 'dns-01'],
                           'dns_persist_issuer_domain_names': ['ca.example']}, LE)[0]
    assert policy['default_validation'] == 'dns-persist-01'
    assert policy['dns_persist_issuer_domain_names'] == ['ca.example']
    assert build_policy({}, LE)[0]['dns_persist_issuer_domain_names'] is None
