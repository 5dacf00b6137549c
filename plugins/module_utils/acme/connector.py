# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connector = an ACME account at one directory, converged to the desired state."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.sslclm.acme.plugins.module_utils.acme.account import Account, AccountClient, normalize_contacts
from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import eab_source_hint
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import open_lookup_cache
from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import open_session, resolve_connection
from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write
from ansible_collections.sslclm.acme.plugins.module_utils.proxy import proxy_from
from ansible_collections.sslclm.acme.plugins.module_utils.keys import (
    KEY_TYPES,
    AccountKey,
    generate_private_key,
    load_account_key,
    private_key_to_pem,
)


EAB_HMAC_KEY = re.compile(r'^[A-Za-z0-9_+/-]{16,}={0,2}$')


def _account_key(params, check_mode):
    """Load the account key; generate it first when asked and missing. → (AccountKey|None, generated)"""
    src = params.get('account_key_src')
    if not params.get('account_key_content') and src and not os.path.exists(src):
        if not params.get('account_key_generate'):
            raise AcmeInputError('account key %s does not exist; set account_key_generate: true to create it' % src)
        if check_mode:
            return None, True
        key = generate_private_key(params.get('account_key_type') or 'ec256')
        atomic_write(src, private_key_to_pem(key), mode=0o600)
        return AccountKey(key), True
    key = load_account_key(params)
    if key is None:
        raise AcmeInputError('one of account_key_src or account_key_content is required')
    return key, False


def _state_view(account, key):
    if account is None or account.uri is None:
        return {'status': account.status if account else 'absent', 'account_uri': None, 'contact': [],
                'key_thumbprint': key.thumbprint if key else None}
    return {'status': account.status, 'account_uri': account.uri, 'contact': sorted(account.contacts),
            'key_thumbprint': key.thumbprint if key else None}


def _eab(params):
    if params.get('eab_kid') and params.get('eab_hmac_key'):
        hmac_key = params['eab_hmac_key'].strip()
        # the acme library's decoder skips characters outside the alphabet: '<key>%%' would bind with a shorter key
        if not EAB_HMAC_KEY.match(hmac_key):
            raise AcmeInputError('eab_hmac_key must be the base64url text the CA gave (letters, digits, "-" and "_"); '
                                 'it has other characters')
        return (params['eab_kid'].strip(), hmac_key, params.get('eab_alg') or 'HS256')
    if params.get('eab_kid') or params.get('eab_hmac_key'):
        raise AcmeInputError('eab_kid and eab_hmac_key go together; only one of them was given')
    return None


def _from_cache(params, cache, session, key, contacts):
    """The result from the lookup cache when the account exists and nothing is to change, else None."""
    cached = cache.account(session.directory_url, key.thumbprint)
    document = cache.directory(session.directory_url)
    if not cached or document is None or cached['status'] != 'valid' or not cached['uri']:
        return None
    if contacts is not None and sorted(contacts) != cached['contact']:
        return None
    session.use_directory(document)
    account = Account(cached['uri'], {'status': 'valid', 'contact': cached['contact']})
    connector = build_connector(params, session, session.describe_directory(), account, key,
                                params.get('account_key_src'), eab_bound=cached['eab_bound'])
    result = {'changed': False, 'connector': connector, 'actions': [], 'cached': True}
    if params.get('_diff'):
        result['diff'] = {'before': _state_view(account, key), 'after': _state_view(account, key)}
    return result


def ensure_connector(params, check_mode):
    """Converge the account; returns the module result (without secrets)."""
    key, generated = _account_key(params, check_mode)
    new_key = load_account_key(params, 'new_account_key_src', 'new_account_key_content')
    contacts = normalize_contacts(params['contact']) if params.get('contact') is not None else None
    eab = _eab(params)
    session = open_session(params, key)
    cache = open_lookup_cache(params)
    if key is not None and not generated and new_key is None and params.get('state') != 'absent':
        result = _from_cache(params, cache, session, key, contacts)
        if result:
            return result
    cache.load_directory(session)
    directory = session.describe_directory()
    client = AccountClient(session) if key is not None else None
    account = client.find() if client else None
    key_src = params.get('account_key_src')

    if (account is None or account.uri is None) and new_key is not None:
        # Already rolled over in an earlier run? Then the new key is the account key.
        new_session = open_session(params, new_key)
        found = AccountClient(new_session).find()
        if found is not None and found.uri is not None:
            key, session, client, account = new_key, new_session, AccountClient(new_session), found
            key_src, new_key = params.get('new_account_key_src'), None

    before = _state_view(account, key)
    first_key = key
    changed = generated
    eab_used = False
    actions = []

    if params.get('state') == 'absent':
        if account is not None and account.status == 'valid':
            changed = True
            actions.append('deactivated')
            account = client.deactivate(account) if not check_mode else _pretend(account, status='deactivated')
    else:
        if account is not None and account.status != 'valid':
            raise AcmeInputError('The account of this key at %s is %s; ACME cannot reactivate it. Use a new account key'
                                 % (session.directory_url, account.status))
        if account is None:
            if directory['external_account_required'] and eab is None:
                raise AcmeInputError('The CA at %s requires External Account Binding (EAB) to create an account. %s'
                                     % (session.directory_url, eab_source_hint(session.directory_url)))
            if directory['terms_of_service'] and not params.get('terms_agreed'):
                raise AcmeInputError('The CA at %s requires agreeing to its terms of service (%s): read them and set '
                                     'terms_agreed: true' % (session.directory_url, directory['terms_of_service']))
            changed = True
            eab_used = eab is not None
            actions.append('created')
            if check_mode:
                account = _pretend(None, status='valid', contact=contacts or [])
            else:
                account = client.create(contacts or [], params.get('terms_agreed'), eab)
        elif contacts is not None and sorted(contacts) != sorted(account.contacts):
            changed = True
            actions.append('contacts updated')
            account = client.update_contacts(account, contacts) if not check_mode else _pretend(account, contact=contacts)
        if new_key is not None and key is not None and new_key.thumbprint != key.thumbprint:
            changed = True
            actions.append('key rolled over')
            if not check_mode and account.uri:
                client.rollover(account, new_key)
            key, key_src = new_key, params.get('new_account_key_src')

    after = _state_view(account, key)
    eab_bound = eab_used or directory['external_account_required']
    connector = build_connector(params, session, directory, account, key, key_src, eab_bound=eab_bound)
    if not check_mode and key is not None:
        if first_key is not None and first_key.thumbprint != key.thumbprint:
            cache.remember_account(session.directory_url, first_key.thumbprint, None, 'rolled over', [], False)
        cache.remember_account(session.directory_url, key.thumbprint, connector['account_uri'], connector['status'],
                               connector['contact'], eab_bound)
    result = {'changed': changed, 'connector': connector, 'actions': actions}
    if params.get('_diff'):
        result['diff'] = {'before': before, 'after': after}
    return result


def _pretend(account, **changes):
    """What the account would look like after a change (check mode)."""
    document = dict(account.document) if account else {}
    if 'contact' in changes:
        document['contact'] = list(changes.pop('contact'))
    document.update(changes)
    return Account(account.uri if account else None, document)


def build_connector(params, session, directory, account, key, key_src, eab_bound):
    """The ``connector`` object other modules take. Never carries key material, nor the proxy's URL
    (which may hold credentials): ``proxy_address`` only names the proxy, and tasks give ``proxy`` again."""
    settings = resolve_connection(params)
    proxy = proxy_from(settings['proxy'])
    return {
        'directory': session.directory_url,
        'account_uri': account.uri if account else None,
        'status': account.status if account else 'absent',
        'contact': sorted(account.contacts) if account else [],
        'key_thumbprint': key.thumbprint if key else None,
        'account_key_src': key_src,
        'eab_bound': bool(eab_bound),
        'terms_of_service': directory['terms_of_service'],
        'validate_certs': settings['validate_certs'],
        'ca_bundle': settings['ca_bundle'],
        'request_timeout': settings['request_timeout'],
        'proxy_address': proxy.address if proxy is not None else None,
    }


def connector_options():
    """Options of ``acme_connector`` besides the connection, account key and lookup cache ones."""
    return dict(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        contact=dict(type='list', elements='str'),
        terms_agreed=dict(type='bool', default=False),
        account_key_generate=dict(type='bool', default=False),
        account_key_type=dict(type='str', default='ec256', choices=list(KEY_TYPES)),
        new_account_key_src=dict(type='path'),
        new_account_key_content=dict(type='str', no_log=True),
        eab_kid=dict(type='str'),
        eab_hmac_key=dict(type='str', no_log=True),
        eab_alg=dict(type='str', default='HS256', choices=['HS256', 'HS384', 'HS512']),
    )
