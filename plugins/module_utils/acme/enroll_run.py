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

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ari import cached_renewal_info
from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import RunBudget
from ansible_collections.sslclm.acme.plugins.module_utils.acme.order_store import OrderStore, state_dir
from ansible_collections.sslclm.acme.plugins.module_utils.acme.polling import Poller
from ansible_collections.sslclm.acme.plugins.module_utils.acme.self_check import SelfChecker
from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import open_session
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import load_account_key


class EnrollRun:
    """What the certificates of one module invocation share."""

    def __init__(self, params, check_mode):
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
        self.store = OrderStore(params.get('state_dir'))
        self.self_checker = SelfChecker(params.get('self_check') or {})
        self.session_params = dict(params, connector=self.connector)
        self.account_key = load_account_key(self.session_params)
        if self.account_key is None:
            raise AcmeInputError('the account key is needed: the connector has no account_key_src, so pass '
                                 'account_key_content (for example through module_defaults)')
        if self.account_key.thumbprint != self.connector.get('key_thumbprint'):
            raise AcmeInputError('the account key does not belong to the connector (thumbprint %s, connector %s)'
                                 % (self.account_key.thumbprint, self.connector.get('key_thumbprint')))
        self.state_dir = state_dir(params.get('state_dir'))
        override = bool(params.get('rate_limit_override')) or not self.policy.get('enforce_rate_limits', True)
        self.budget = RunBudget(params.get('ledger_path'), self.connector, ca.get('name'),
                                self.policy.get('rate_limits'), override)
        self.lock_timeout = params.get('lock_timeout') if params.get('lock_timeout') is not None else 300
        self._sessions = threading.local()
        self._directory = None
        self._lock = threading.Lock()
        self.poller = Poller()  # one per run: what it learns of this CA's pace serves every certificate

    @property
    def ari_offered(self):
        return bool((self.ca.get('directory') or {}).get('ari'))

    def renewal_info(self, leaf):
        """The CA's ARI window for ``leaf`` (cached in the ledger until its Retry-After)."""
        return cached_renewal_info(self.budget.ledger(), self.connector, self.ca.get('name'), self.session, leaf)

    def session(self):
        """One session per thread: nonces and connections are not shared across threads."""
        session = getattr(self._sessions, 'value', None)
        if session is None:
            session = open_session(self.session_params, self.account_key)
            with self._lock:
                if self._directory is None:
                    self._directory = session.directory
            session._directory = self._directory
            session.use_account(self.connector['account_uri'])
            self._sessions.value = session
        return session
