# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state interface: one object for the ledger, the per-certificate locks and the records (orders in
flight, issuers, pending certificates), backed by the embedded SQLite state (the default: files on this
controller) or by PostgreSQL (``state_url``, or ``SSLCLM_ACME_STATE_URL``) where several jobs or
controllers must share it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError
from ansible_collections.sslclm.acme.plugins.module_utils.state.files import OrderStore
from ansible_collections.sslclm.acme.plugins.module_utils.state.keys import certificate_text
from ansible_collections.sslclm.acme.plugins.module_utils.state.locks import CertificateLock
from ansible_collections.sslclm.acme.plugins.module_utils.state.sqlite import Ledger, ledger_path

STATE_URL_ENV = 'SSLCLM_ACME_STATE_URL'
STATE_KEY_ENV = 'SSLCLM_ACME_STATE_KEY'
AWX_MARKERS = ('AWX_HOST', 'AWX_PRIVATE_DATA_DIR', 'TOWER_HOST')


def state_options():
    """Options of every module that keeps state (doc fragment ``sslclm.acme.state``)."""
    return dict(
        state_url=dict(type='str', no_log=True),
        state_encryption_key=dict(type='str', no_log=True),
        state_degraded=dict(type='bool', default=False),
    )


def in_awx():
    return bool(os.environ.get('JOB_ID')) and any(os.environ.get(name) for name in AWX_MARKERS)


class LocalState:
    """The embedded state: a SQLite ledger (``ledger_path``), flock locks and record files (``state_dir``)."""

    kind = 'sqlite'

    def __init__(self, params, warnings=None):
        self.ledger_path = params.get('ledger_path')
        self.records = OrderStore(params.get('state_dir'))
        self.state_dir = self.records.state
        self.warnings = list(warnings or [])
        self._local = threading.local()
        self._shared_ledger = None
        self._ledger_guard = threading.Lock()
        if in_awx():
            self.warnings.append(
                'This job runs in AWX with the embedded SQLite state, which is thrown away with the job\'s container: '
                'rate-limit budgets, Retry-After, locks and certificates issued but not deployed do not reach the '
                'next job. Set state_url (a PostgreSQL database; the credential type in extensions/awx/)')

    def describe(self):
        return {'backend': 'sqlite', 'ledger': ledger_path(self.ledger_path), 'state_dir': self.state_dir}

    def ledger(self):
        """The ledger of every thread of this run: one connection (see ``sqlite.Ledger``)."""
        with self._ledger_guard:
            if self._shared_ledger is None:
                self._shared_ledger = Ledger(self.ledger_path)
            return self._shared_ledger

    def lock(self, account_uri, identifiers, name, timeout):
        return CertificateLock(self.state_dir, account_uri, identifiers, name, timeout=timeout)

    def save_pending(self, *args, **kwargs):
        """The certificate is at the task's destination on this controller: that is where it waits."""
        return False

    def load_pending(self, *args, **kwargs):
        return None

    def forget_certificate(self, name, identifiers=None, check_mode=False):
        """Forget what the state keeps of a retired certificate → {'orders': n, 'pending': n}. Here its pending copy is
        the controller store's files (the renewal role removes them), so only orders in flight."""
        return {'orders': self.records.forget_name(name, identifiers, check_mode), 'pending': 0}


class PostgresState(LocalState):
    """Shared state in PostgreSQL; challenge keys of one job's order and finalize stay in ``state_dir``."""

    kind = 'postgresql'

    def __init__(self, params, url, credential):
        # imported here: psycopg and the sealing only load where PostgreSQL is used
        from ansible_collections.sslclm.acme.plugins.module_utils.state import postgresql  # pylint: disable=import-outside-toplevel
        self.pg = postgresql
        self.url = url
        super(PostgresState, self).__init__(params)
        self.warnings = []  # the AWX warning is about the embedded state
        conn = postgresql.connect(url)
        postgresql.migrate(conn)
        sealer = postgresql.sealer_for(conn, credential)
        if sealer is None:
            self.warnings.append('No state_encryption_key: private keys of orders in flight and of certificates not '
                                 'deployed yet are not stored in the shared state, so another job cannot finish or '
                                 'deploy them (it orders again)')
        self.records = postgresql.PgRecords(conn, sealer, self.records)
        self.lock_connections = postgresql.Connections(url)
        self.host = '%s:%s/%s' % (conn.info.host, conn.info.port, conn.info.dbname)

    def describe(self):
        return {'backend': 'postgresql', 'database': self.host, 'state_dir': self.state_dir}

    def ledger(self):
        ledger = getattr(self._local, 'ledger', None)
        if ledger is None:
            ledger = self._local.ledger = self.pg.PgLedger(self.url)
        return ledger

    def lock(self, account_uri, identifiers, name, timeout):
        return self.pg.PgLock(self.lock_connections, certificate_text(account_uri, identifiers), name, timeout)

    def save_pending(self, *args, **kwargs):
        return self.records.save_pending(*args, **kwargs)

    def load_pending(self, *args, **kwargs):
        return self.records.load_pending(*args, **kwargs)

    def forget_certificate(self, name, identifiers=None, check_mode=False):
        orders, pending = self.records.forget_name(name, identifiers, check_mode)
        return {'orders': orders, 'pending': pending}


def open_state(params):
    """The state the task names (``state_url``, else ``$SSLCLM_ACME_STATE_URL``, else the embedded one).

    Fails closed: a shared state that cannot be reached is an error before anything is ordered, unless
    ``state_degraded`` says to run on the local state instead (with a warning).
    """
    url = params.get('state_url') or os.environ.get(STATE_URL_ENV)
    if not url:
        return LocalState(params)
    if not url.startswith(('postgresql://', 'postgres://')):
        raise StateError('state_url must be a postgresql:// URL (the embedded SQLite state needs none)')
    credential = params.get('state_encryption_key') or os.environ.get(STATE_KEY_ENV)
    try:
        return PostgresState(params, url, credential)
    except StateError as error:
        if not params.get('state_degraded'):
            raise
        return LocalState(params, ['The shared state cannot be used (%s); state_degraded: this run uses the local '
                                   'SQLite state, so budgets and locks are this controller\'s only' % error.msg])
