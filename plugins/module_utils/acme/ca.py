# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CA instance = connector + issuance policy, checked against what the CA's directory offers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import open_lookup_cache
from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import open_session
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import authority_for
from ansible_collections.sslclm.acme.plugins.module_utils.acme.policy import build_policy, caa_issue_values


def describe_ca(params):
    """Build the ``ca`` object; nothing is created at the CA, so ``changed`` is always false."""
    connector = params.get('connector') or {}
    if not connector.get('directory'):
        raise AcmeInputError('connector must be the connector object returned by sslclm.acme.acme_connector')
    if connector.get('status') != 'valid' or not connector.get('account_uri'):
        raise AcmeInputError('The connector has no valid account (status %s): run sslclm.acme.acme_connector with '
                             'state: present first' % connector.get('status', 'unknown'))
    session = open_session(params)
    open_lookup_cache(params).load_directory(session)
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
        'caa_issue_values': caa_issue_values(directory, connector.get('account_uri')),
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
