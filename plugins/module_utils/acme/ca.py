# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CA instance = connector + issuance policy, checked against what the CA's directory offers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import open_lookup_cache
from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import open_session
from ansible_collections.sslclm.acme.plugins.module_utils.acme.policy import (
    DEFAULT_MAX_NAMES,
    DEFAULT_METHODS,
    RATE_LIMIT_NAMES,
    VALIDATION_METHODS,
    build_policy,
    caa_issue_values,
)
from ansible_collections.sslclm.acme.plugins.module_utils.keys import KEY_TYPES
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import authority_for


def describe_ca(params, account_pending=False):
    """Build the ``ca`` object; nothing is created at the CA, so ``changed`` is always false.
    ``account_pending``: check mode, where the account a run would create does not exist yet."""
    connector = params.get('connector') or {}
    if not connector.get('directory'):
        raise AcmeInputError('connector must be the connector object returned by sslclm.acme.acme_connector')
    if connector.get('status') != 'valid' or not (connector.get('account_uri') or account_pending):
        raise AcmeInputError('The connector has no valid account (status %s): run sslclm.acme.acme_connector with '
                             'state: present first' % connector.get('status', 'unknown'))
    session = open_session(params)
    open_lookup_cache(params).load_directory(session, expect_profile=params.get('profile'))
    directory = session.describe_directory()
    policy, warnings = build_policy(params, directory)
    agreed = connector.get('terms_of_service')
    if directory['terms_of_service'] and agreed and agreed != directory['terms_of_service']:
        warnings.append('The CA\'s terms of service changed since the account agreed (%s, now %s): review them'
                        % (agreed, directory['terms_of_service']))
    ca = {
        'name': params['name'],
        'connector': connector,
        'directory': directory,
        'policy': policy,
        'caa_issue_values': caa_issue_values(directory, connector.get('account_uri'), policy['caa_identities']),
    }
    if 'dns-persist-01' in policy['validation_methods']:
        # what every dns-persist-01 record of this CA instance names (fails here when it cannot be known)
        ca['dns_persist'] = authority_for(ca).describe()
        known = directory['issuer_domain_names'] or directory['caa_identities']
        unknown = [n for n in ca['dns_persist']['issuer_domain_names'] if known and n not in known]
        if unknown:
            warnings.append('dns_persist_issuer_domain_names %s: the CA advertises only %s; its challenges may not '
                            'accept records naming the others' % (', '.join(unknown), ', '.join(known)))
    return {'changed': False, 'ca': ca, '_warnings': warnings}


def ca_options():
    """Options of ``acme_ca`` that make its policy (besides name, connector, connection and cache ones)."""
    return dict(
        validation_methods=dict(type='list', elements='str', choices=list(VALIDATION_METHODS),
                                default=list(DEFAULT_METHODS)),
        default_validation=dict(type='str', choices=list(VALIDATION_METHODS)),
        dns_persist_issuer_domain_names=dict(type='list', elements='str'),
        key_type=dict(type='str', default='ec256', choices=list(KEY_TYPES)),
        preferred_chain=dict(type='str'),
        profile=dict(type='str'),
        profile_required=dict(type='bool', default=False),
        renewal=dict(type='dict', options=dict(
            days_before_expiry=dict(type='int', default=30),
            lifetime_fraction=dict(type='float'),
            use_ari=dict(type='bool', default=True),
        )),
        rate_limits=dict(type='dict', options=dict((name, dict(type='int')) for name in RATE_LIMIT_NAMES)),
        enforce_rate_limits=dict(type='bool', default=True),
        max_names=dict(type='int', default=DEFAULT_MAX_NAMES),
        caa_identities=dict(type='list', elements='str'),
    )
