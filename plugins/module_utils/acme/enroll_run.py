# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the certificates of one ``acme_enroll`` task share: the CA, the account, its sessions,
the run's budget bookkeeping, the order store and the self-check settings.

Every piece is safe to use from the worker threads of a task (``enroll.py``): sessions
and ledger connections are per thread, the rest is read-only or locked.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.sslclm.acme.plugins.module_utils.acme.account import AccountClient
from ansible_collections.sslclm.acme.plugins.module_utils.acme.ari import cached_renewal_info
from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import RunBudget
from ansible_collections.sslclm.acme.plugins.module_utils.acme.ca import describe_ca
from ansible_collections.sslclm.acme.plugins.module_utils.acme.caa import CaaPreflight
from ansible_collections.sslclm.acme.plugins.module_utils.acme.connector import ensure_connector
from ansible_collections.sslclm.acme.plugins.module_utils.acme.polling import Poller
from ansible_collections.sslclm.acme.plugins.module_utils.acme.revocations import LazyBook
from ansible_collections.sslclm.acme.plugins.module_utils.acme.self_check import SelfChecker
from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import LookupCache
from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import open_session, reach_key
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import load_account_key
from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import open_state


DEFINITION_SHARED = ('ledger_path', 'cache_max_age')
# how the CA is reached: the task's own (or its module_defaults') where the definition says nothing
DEFINITION_INHERITED = ('ca_bundle', 'validate_certs', 'request_timeout', 'proxy')


def ca_from_definitions(params, check_mode):
    """→ (ca object, account key options, what the connector did, warnings): ``acme_connector`` and ``acme_ca``
    in this task, from ``connector_definition`` and ``ca_definition`` (a converge run asks the CA nothing)."""
    shared = dict((k, params.get(k)) for k in DEFINITION_SHARED)
    definition = dict(params['connector_definition'], state='present', **shared)
    for key in DEFINITION_INHERITED:
        if definition.get(key) is None and params.get(key) is not None:
            definition[key] = params[key]
    connected = ensure_connector(definition, check_mode)
    ca_params = dict(params['ca_definition'], connector=connected['connector'], proxy=definition.get('proxy'), **shared)
    ca_params['name'] = ca_params.get('name') or ca_params.get('connector_name') or 'ca'
    described = describe_ca(ca_params, account_pending=check_mode)
    key_options = dict((k, definition.get(k)) for k in ('account_key_src', 'account_key_content', 'proxy'))
    return described['ca'], key_options, connected, described.get('_warnings') or []


def with_definitions(params, check_mode):
    """→ (``params`` with ``ca`` - and the account key options unless given - from ``connector_definition`` and
    ``ca_definition``, what the connector did, warnings); ``params`` unchanged without ``ca_definition``."""
    if params.get('ca') or not params.get('ca_definition'):
        return params, [], []
    ca, key_options, connected, warnings = ca_from_definitions(params, check_mode)
    params = dict(params, ca=ca, **dict((k, v) for k, v in key_options.items() if v and not params.get(k)))
    # the route is the definition's (its own proxy, or the task's when it sets none): the account was found that
    # way, and a fallback CA instance may be reached another way than the task's first one
    params['proxy'] = key_options['proxy'] or None
    return params, connected['actions'], warnings


class EnrollRun:
    """What the certificates of one module invocation share."""

    def __init__(self, params, check_mode):
        params, self.account_actions, self.warnings = with_definitions(params, check_mode)
        ca = params.get('ca') or {}
        if not ca.get('policy') or not ca.get('connector'):
            raise AcmeInputError('ca must be the ca object returned by sslclm.acme.acme_ca')
        self.ca = ca
        self.policy = ca['policy']
        self.connector = ca['connector']
        self.params = params
        self.check_mode = check_mode
        self.step = params.get('step') or 'auto'
        self.timeout = params.get('timeout') or 180
        self.state = open_state(params)
        self.warnings.extend(self.state.warnings)
        self.store = self.state.records
        self.self_checker = SelfChecker(params.get('self_check') or {})
        self.session_params = dict(params, connector=self.connector)
        self.account_key = load_account_key(self.session_params)
        if self.account_key is None:
            raise AcmeInputError('the account key is needed: the connector has no account_key_src, so pass '
                                 'account_key_content (for example through module_defaults)')
        if self.account_key.thumbprint != self.connector.get('key_thumbprint'):
            raise AcmeInputError('the account key does not belong to the connector (thumbprint %s, connector %s)'
                                 % (self.account_key.thumbprint, self.connector.get('key_thumbprint')))
        override = bool(params.get('rate_limit_override')) or not self.policy.get('enforce_rate_limits', True)
        self.budget = RunBudget(self.state, self.connector, ca.get('name'),
                                self.policy.get('rate_limits'), override)
        self.lock_timeout = params.get('lock_timeout') if params.get('lock_timeout') is not None else 300
        self._sessions = threading.local()
        self._directory = None
        self._lock = threading.Lock()
        self.poller = Poller()  # one per run: what it learns of this CA's pace serves every certificate
        # CAA is looked up through the resolvers the self-check uses, unless caa_check names its own
        self.caa = CaaPreflight(params.get('caa_check'), (params.get('self_check') or {}).get('nameservers'))
        self.revocations = LazyBook(self.budget.ledger, self.connector['directory'])
        self.chain_directories = []  # the directories of every CA instance of a fallback chain (issuer_chain.py)

    def known_issuers(self):
        """The issuers of this CA instance, and of every other CA instance of its fallback chain: a certificate one
        of them issued is this run's own, never "issued by another CA"."""
        issuers = set(self.store.known_issuers(self.connector['directory']))
        for directory in self.chain_directories:
            if directory != self.connector['directory']:
                issuers |= set(self.store.known_issuers(directory))
        return issuers

    @property
    def ari_offered(self):
        return bool((self.ca.get('directory') or {}).get('ari'))

    def renewal_info(self, leaf, remember=True):
        """The CA's ARI window for ``leaf`` (cached in the ledger until its Retry-After)."""
        return cached_renewal_info(self.budget.ledger(), self.connector, self.ca.get('name'), self.session, leaf,
                                   remember)

    def session(self):
        """One session per thread: nonces and connections are not shared across threads."""
        session = getattr(self._sessions, 'value', None)
        if session is None:
            session = open_session(self.session_params, self.account_key)
            with self._lock:
                if self._directory is None:
                    self._directory = session.directory
            session._directory = self._directory
            self._sessions.value = session
        if session.account_uri != self.connector['account_uri']:
            session.use_account(self.connector['account_uri'])
        return session

    def retries(self):
        """Requests this thread's session sent again so far, by cause."""
        session = getattr(self._sessions, 'value', None)
        net = getattr(session, '_net', None) if session is not None else None
        return dict(net.retries) if net is not None else {}

    def recover_account(self, stale_uri):
        """The CA answered ``accountDoesNotExist`` for ``stale_uri`` (a CA reset, a lost account): find the key's
        account again, or register it when the terms were agreed, once per run. → the new account URI."""
        with self._lock:
            if self.connector['account_uri'] != stale_uri:
                return self.connector['account_uri']  # another worker did it
            cache = LookupCache(self.budget.ledger(), reach=reach_key(self.session_params))
            cache.remember_account(self.connector['directory'], self.account_key.thumbprint, None, 'absent', [], False)
            client = AccountClient(open_session(self.session_params, self.account_key))
            account = client.find()
            if account is None or not account.uri:
                account = self._register_again(client)
            self.connector = dict(self.connector, account_uri=account.uri, status=account.status)
            self.ca = dict(self.ca, connector=self.connector)
            self.session_params = dict(self.session_params, connector=self.connector)
            self.budget.account = account.uri
            cache.remember_account(self.connector['directory'], self.account_key.thumbprint, account.uri,
                                   account.status, account.contacts, self.connector.get('eab_bound'))
            return account.uri

    def _register_again(self, client):
        definition = self.params.get('connector_definition') or {}
        if not definition.get('terms_agreed'):
            raise AcmeInputError(
                'The CA no longer knows the account %s of this key (a reset CA, or the account was removed), and this '
                'task cannot register a new one: it has no connector definition with terms_agreed: true. Run '
                'sslclm.acme.acme_connector with terms_agreed: true (and the EAB credentials the CA needs) before this '
                'task, or give acme_enroll connector_definition instead of ca' % self.connector['account_uri'])
        eab = None
        if definition.get('eab_kid') and definition.get('eab_hmac_key'):
            eab = (definition['eab_kid'], definition['eab_hmac_key'], definition.get('eab_alg') or 'HS256')
        elif self.connector.get('eab_bound'):
            raise AcmeInputError(
                'The CA no longer knows the account %s of this key, and registering a new one needs External Account '
                'Binding: give eab_kid and eab_hmac_key in the connector definition, or run sslclm.acme.acme_connector '
                'with them' % self.connector['account_uri'])
        return client.create(self.connector.get('contact') or [], True, eab)
