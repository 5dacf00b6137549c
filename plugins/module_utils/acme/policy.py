# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CA instance policy: normalise what the user asked for and check it against the directory.

Pure logic: the directory facts come in as the dict ``AcmeSession.describe_directory()`` returns.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import default_rate_limits
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError

VALIDATION_METHODS = ('http-01', 'dns-01', 'tls-alpn-01', 'dns-persist-01')
DEFAULT_METHODS = ('http-01', 'dns-01', 'tls-alpn-01')  # dns-persist-01 is allowed only where asked for
RENEWAL_DEFAULTS = {'days_before_expiry': 30, 'lifetime_fraction': None, 'use_ari': True}
DEFAULT_MAX_NAMES = 100  # identifiers per certificate: Let's Encrypt, ZeroSSL and Google Trust Services
RATE_LIMIT_NAMES = ('certificates_per_registered_domain', 'duplicate_certificates',
                    'failed_validations_per_hour', 'new_orders_per_3_hours')
_DOMAIN = re.compile(r'^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$')


def build_policy(params, directory):
    """→ (policy dict, warnings). Raises ``AcmeInputError`` when the policy cannot work at this CA."""
    warnings = []
    methods = list(dict.fromkeys(params.get('validation_methods') or DEFAULT_METHODS))
    unknown = [m for m in methods if m not in VALIDATION_METHODS]
    if unknown:
        raise AcmeInputError('validation_methods: unknown method(s) %s; use %s'
                             % (', '.join(unknown), ', '.join(VALIDATION_METHODS)))
    default = params.get('default_validation') or methods[0]
    if default not in methods:
        raise AcmeInputError('default_validation %s is not one of the allowed validation_methods (%s)'
                             % (default, ', '.join(methods)))

    profile = params.get('profile')
    profile_required = bool(params.get('profile_required'))
    effective_profile, warning = choose_profile(profile, profile_required, directory, 'this CA instance', None)
    if warning:
        warnings.append(warning)

    renewal = dict(RENEWAL_DEFAULTS)
    renewal.update({k: v for k, v in (params.get('renewal') or {}).items() if v is not None})
    if int(renewal['days_before_expiry']) < 1:
        raise AcmeInputError('renewal.days_before_expiry must be at least 1')
    fraction = renewal.get('lifetime_fraction')
    if fraction is not None and not 0 < float(fraction) < 1:
        raise AcmeInputError('renewal.lifetime_fraction must be between 0 and 1 (for example 0.33)')

    rate_limits = default_rate_limits(directory['url'])
    for name, value in (params.get('rate_limits') or {}).items():
        if value is None:
            continue
        if name not in RATE_LIMIT_NAMES:
            raise AcmeInputError('rate_limits: unknown limit %r; use %s' % (name, ', '.join(RATE_LIMIT_NAMES)))
        if int(value) < 0:
            raise AcmeInputError('rate_limits.%s must not be negative' % name)
        rate_limits[name] = int(value)

    max_names = params.get('max_names') or DEFAULT_MAX_NAMES
    if int(max_names) < 1:
        raise AcmeInputError('max_names must be at least 1')
    policy = {
        'validation_methods': methods,
        'max_names': int(max_names),
        'default_validation': default,
        'key_type': params.get('key_type') or 'ec256',
        'preferred_chain': params.get('preferred_chain'),
        'profile': effective_profile,
        'profile_requested': profile,
        'profile_required': profile_required,
        'renewal': renewal,
        'rate_limits': rate_limits,
        'enforce_rate_limits': params.get('enforce_rate_limits', True) is not False,
        'caa_identities': _caa_identities(params, directory, warnings),
        'dns_persist_issuer_domain_names': list(params.get('dns_persist_issuer_domain_names') or []) or None,
    }
    return policy, warnings


def choose_profile(profile, required, directory, whose, fallback):
    """The profile an order names: ``profile`` where the CA advertises it; else ``fallback`` (None: the CA's
    default) with a warning, or an error when ``required``. → (profile, warning or None)."""
    offered = directory.get('profiles') or {}
    if not profile or profile in offered:
        return profile, None
    where = 'advertises the profiles %s' % ', '.join(sorted(offered)) if offered else 'advertises no profiles'
    if required:
        raise AcmeInputError('profile %r is required by %s, but the CA at %s %s' % (profile, whose, directory['url'], where))
    instead = 'the CA instance\'s profile %r' % fallback if fallback else 'the CA default'
    return fallback, 'profile %r is not offered: the CA at %s %s; orders will use %s' % (
        profile, directory['url'], where, instead)


def _caa_identities(params, directory, warnings):
    """The CA's CAA identities as the instance states them (private CAs, CAs whose directory advertises none);
    None: the directory's own ``caaIdentities`` hold."""
    given = [str(i).strip().rstrip('.').lower() for i in params.get('caa_identities') or [] if str(i).strip()]
    if not given:
        return None
    for identity in given:
        if not _DOMAIN.match(identity):
            raise AcmeInputError('caa_identities: %r is not a domain name' % identity)
    advertised = sorted(i.lower() for i in directory.get('caa_identities') or [])
    if advertised and advertised != sorted(given):
        warnings.append('caa_identities %s differ from what the CA at %s advertises (%s): the CAA check uses yours'
                        % (', '.join(given), directory['url'], ', '.join(advertised)))
    return given


def caa_issue_values(directory, account_uri, identities=None):
    """CAA ``issue`` property values that allow exactly this account at this CA (RFC 8657)."""
    values = []
    for identity in identities or directory.get('caa_identities') or []:
        value = identity
        if account_uri:
            value += '; accounturi=%s' % account_uri
        values.append(value)
    return values
