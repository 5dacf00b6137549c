# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared state on PostgreSQL (``state_url: postgresql://...``, psycopg 3): what several AWX jobs or
controllers must see the same - budgets, Retry-After, back-off, the lookup cache, locks, orders in
flight and certificates issued but not deployed yet.

* Budgets: every ledger transaction takes one transaction-scoped advisory lock first, so the check
  and the record of an order are one step no two controllers pass together.
* Locks: session advisory locks held on a connection of their own; when a job dies its connection
  closes and the lock is gone at once (TCP keepalives cover a controller that vanishes from the
  network). A wait gives up after ``lock_timeout`` and names the holder (its ``application_name``).
* Keys (of orders in flight and of pending certificates) are sealed (``sealing.py``) with
  ``state_encryption_key``; without one they are not stored at all.
* The schema is created and migrated here, under an advisory lock, versioned in ``sslclm_meta``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import hashlib
import json
import os
import socket
import threading
import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError
from ansible_collections.sslclm.acme.plugins.module_utils.state.events import COLUMNS, EventLog, event_values
from ansible_collections.sslclm.acme.plugins.module_utils.state.keys import certificate_id, same_names
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import describe, load_certificates
from ansible_collections.sslclm.acme.plugins.module_utils.state.sealing import Sealer, new_salt

try:
    import psycopg
    from psycopg.rows import dict_row
    HAS_PSYCOPG = True
except ImportError:
    HAS_PSYCOPG = False

CONNECT_TIMEOUT = 10
# Each entry migrates the schema from version N to N+1; never edit a released one.
MIGRATIONS = (
    """
    CREATE TABLE sslclm_events (
        id BIGSERIAL PRIMARY KEY, ts DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, directory TEXT NOT NULL,
        account TEXT, ca TEXT, name TEXT, identifiers TEXT, registered_domains TEXT,
        replaces SMALLINT NOT NULL DEFAULT 0, until DOUBLE PRECISION, detail TEXT, data TEXT);
    CREATE INDEX sslclm_events_by_kind ON sslclm_events (kind, directory, ts);
    CREATE TABLE sslclm_orders (id TEXT PRIMARY KEY, record TEXT NOT NULL, sealed_key BYTEA,
        updated DOUBLE PRECISION NOT NULL);
    CREATE TABLE sslclm_issuers (directory TEXT NOT NULL, key_id TEXT NOT NULL, PRIMARY KEY (directory, key_id));
    CREATE TABLE sslclm_pending (id TEXT PRIMARY KEY, name TEXT, certificate TEXT NOT NULL, sealed_key BYTEA NOT NULL,
        not_before DOUBLE PRECISION NOT NULL, updated DOUBLE PRECISION NOT NULL);
    """,
    # 2: as in sqlite.py - orders in flight by their own index
    """
    CREATE INDEX sslclm_events_in_flight ON sslclm_events (kind, directory, until) WHERE until IS NOT NULL;
    """,
)


def key64(text):
    """A signed 64-bit advisory lock key for ``text``."""
    return int.from_bytes(hashlib.sha256(text.encode('utf-8')).digest()[:8], 'big', signed=True)


def application_name():
    job = os.environ.get('JOB_ID')
    return ('sslclm.acme %s%s/%d' % ('job %s on ' % job if job else '', socket.gethostname(), os.getpid()))[:63]


def connect(url):
    """A connection (autocommit; explicit transactions); StateError, without the password, if there is none."""
    if not HAS_PSYCOPG:
        raise StateError('state_url names PostgreSQL, but the Python package psycopg is missing on the controller',
                         hint="pip install 'psycopg[binary]' (requirements.txt, group state), or build the execution "
                              "environment from meta/execution-environment.yml")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                               application_name=application_name(),
                               keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
    except psycopg.Error as error:
        # psycopg's message names host, port and user, never the password
        raise StateError('The shared state (PostgreSQL) cannot be reached: %s' % str(error).strip().splitlines()[0],
                         hint='Nothing was sent to the CA. Check state_url and the database server; '
                              'state_degraded: true runs on the local SQLite state instead (budgets, locks and '
                              'pending certificates then stay on this controller)')


def migrate(conn, clock=time.time):
    """Create or update the schema; one transaction under an advisory lock, so concurrent first runs wait."""
    with conn.transaction():
        conn.execute('SELECT pg_advisory_xact_lock(%s)', (key64('sslclm.acme:schema'),))
        conn.execute('CREATE TABLE IF NOT EXISTS sslclm_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)')
        row = conn.execute("SELECT v FROM sslclm_meta WHERE k = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StateError('The shared state has schema version %d, newer than this collection knows (%d)'
                             % (version, len(MIGRATIONS)), hint='Upgrade sslclm.acme on this controller')
        for statement in ''.join(MIGRATIONS[version:]).split(';'):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO sslclm_meta (k, v) VALUES ('schema_version', %s) ON CONFLICT (k) DO UPDATE SET "
                     "v = EXCLUDED.v", (str(len(MIGRATIONS)),))
        if not conn.execute("SELECT 1 FROM sslclm_meta WHERE k = 'salt'").fetchone():
            conn.execute("INSERT INTO sslclm_meta (k, v) VALUES ('salt', %s)", (new_salt().hex(),))


class PgLedger(EventLog):
    """The ledger in ``sslclm_events``; one connection per instance (one per thread)."""

    MEMBER = "strpos(',' || %s || ',', ?) > 0"
    SAME = '%s IS NOT DISTINCT FROM ?'
    TABLE = 'sslclm_events'

    def __init__(self, url, clock=time.time):
        self.clock = clock
        self.db = connect(url)
        self.path = 'PostgreSQL %s/%s' % (self.db.info.host, self.db.info.dbname)

    def sql(self, text):
        return text.replace('?', '%s').replace('{events}', self.TABLE)

    def rows(self, sql, args):
        cursor = self.db.cursor(row_factory=dict_row) if 'SELECT *' in sql else self.db.cursor()
        return cursor.execute(sql, list(args)).fetchall()

    def execute(self, sql, args):
        return self.db.execute(sql, list(args)).rowcount

    def record(self, kind, directory, **fields):
        values = event_values(kind, directory, self.clock, **fields)
        return self.db.execute('INSERT INTO sslclm_events (%s) VALUES (%s) RETURNING id'
                               % (', '.join(COLUMNS), ', '.join(['%s'] * len(COLUMNS))), values).fetchone()[0]

    @contextlib.contextmanager
    def transaction(self):
        """One transaction that no other controller's ledger transaction overlaps (advisory lock)."""
        with self.db.transaction():
            self.db.execute('SELECT pg_advisory_xact_lock(%s)', (key64('sslclm.acme:ledger'),))
            yield self

    def close(self):
        self.db.close()


class Connections:
    """Idle connections of one task for its certificate locks: a lock is taken on one and released, and the next
    certificate's lock reuses it (a connection costs a TCP and SCRAM handshake, ~20 ms; a lock 0.2 ms)."""

    def __init__(self, url):
        self.url = url
        self._idle = []
        self._guard = threading.Lock()

    def take(self):
        with self._guard:
            conn = self._idle.pop() if self._idle else None
        return conn if conn is not None and not conn.closed else connect(self.url)

    def give(self, conn):
        """Back to the pool when it is idle and well (no lock held: the caller released it); else closed."""
        if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.close()
            return
        with self._guard:
            self._idle.append(conn)

    def close(self):
        with self._guard:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class PgLock:
    """One run at a time per certificate, across controllers: a session advisory lock. Held on its connection,
    so a killed job's lock goes with it; released before the connection goes back to ``connections``."""

    HOLDER = ("SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
              "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
              "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
              "AND l.classid = ((%(k)s >> 32) & 4294967295)::oid AND l.objid = (%(k)s & 4294967295)::oid")

    def __init__(self, connections, key_text, name, timeout):
        self.connections, self.key = connections, key64('sslclm.acme:cert:' + key_text)
        self.name, self.timeout = name, float(timeout)
        self.conn = None
        self.contended = False

    def __enter__(self):
        conn = self.connections.take()
        if conn.execute('SELECT pg_try_advisory_lock(%s)', (self.key,)).fetchone()[0]:
            self.conn = conn
            return self
        self.contended = True
        try:
            with conn.transaction():
                conn.execute('SET LOCAL lock_timeout = %d' % max(1, int(self.timeout * 1000)))
                conn.execute('SELECT pg_advisory_lock(%s)', (self.key,))  # a session lock: it outlives the block
        except psycopg.errors.LockNotAvailable:
            holder = conn.execute(self.HOLDER, {'k': self.key}).fetchone()
            conn.close()
            who = '%s from %s since %s' % holder if holder else 'unknown holder'
            raise StateError('%s: another run (%s) is enrolling this certificate; gave up after waiting %ds '
                             '(lock_timeout). Nothing was ordered' % (self.name, who, self.timeout))
        self.conn = conn
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self.conn is not None:
            conn, self.conn = self.conn, None
            try:
                conn.execute('SELECT pg_advisory_unlock(%s)', (self.key,))
            except psycopg.Error:
                conn.close()  # the session ends, and its lock with it
                raise
            self.connections.give(conn)


class PgRecords:
    """Orders in flight, known issuers and pending certificates in PostgreSQL; keys sealed, or not kept."""

    def __init__(self, conn, sealer, local):
        self.db = conn
        self.sealer = sealer  # None: no state_encryption_key, so no key leaves this controller
        self.local = local    # challenge keys stay in local files (one job's order and finalize)

    _id = staticmethod(certificate_id)

    def load(self, account_uri, identifiers):
        ident = self._id(account_uri, identifiers)
        row = self.db.execute('SELECT record, sealed_key FROM sslclm_orders WHERE id = %s', (ident,)).fetchone()
        if not row:
            return None
        record = json.loads(row[0])
        if row[1] is not None and self.sealer is not None:
            record['key_pem'] = self.sealer.open('order key', ident, row[1]).decode('ascii')
        return record

    def save(self, account_uri, identifiers, record):
        ident = self._id(account_uri, identifiers)
        record = dict(record)
        key_pem = record.pop('key_pem', None)
        sealed = self.sealer.seal('order key', ident, key_pem.encode('ascii')) if key_pem and self.sealer else None
        self.db.execute('INSERT INTO sslclm_orders (id, record, sealed_key, updated) VALUES (%s, %s, %s, %s) '
                        'ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, sealed_key = EXCLUDED.sealed_key, '
                        'updated = EXCLUDED.updated', (ident, json.dumps(record, sort_keys=True), sealed, time.time()))

    def forget(self, account_uri, identifiers):
        self.db.execute('DELETE FROM sslclm_orders WHERE id = %s', (self._id(account_uri, identifiers),))

    def forget_name(self, name, identifiers=None, check_mode=False):
        """Forget the orders in flight and the pending certificate of certificate ``name`` → (orders, pending). With
        ``identifiers``, only those for exactly these names: the database may be shared by inventories that use the
        same certificate name for other names."""
        orders = [ident for ident, record in self.db.execute(
            "SELECT id, record FROM sslclm_orders WHERE (record::jsonb ->> 'name') = %s", (name,)).fetchall()
            if same_names(json.loads(record).get('identifiers'), identifiers)]
        pending = [ident for ident, pem in self.db.execute(
            'SELECT id, certificate FROM sslclm_pending WHERE name = %s', (name,)).fetchall()
            if same_names(_names_of(pem), identifiers)]
        if not check_mode and (orders or pending):
            with self.db.transaction():
                self.db.execute('DELETE FROM sslclm_orders WHERE id = ANY(%s)', (orders,))
                self.db.execute('DELETE FROM sslclm_pending WHERE id = ANY(%s)', (pending,))
        return len(orders), len(pending)

    def known_issuers(self, directory_url):
        rows = self.db.execute('SELECT key_id FROM sslclm_issuers WHERE directory = %s', (directory_url,)).fetchall()
        return set(row[0] for row in rows)

    def remember_issuer(self, directory_url, key_id):
        if key_id:
            self.db.execute('INSERT INTO sslclm_issuers (directory, key_id) VALUES (%s, %s) ON CONFLICT DO NOTHING',
                            (directory_url, key_id))

    def keep_challenge_key(self, order_url, identifier, key_pem):
        return self.local.keep_challenge_key(order_url, identifier, key_pem)

    def forget_challenge_keys(self, order_url):
        return self.local.forget_challenge_keys(order_url)

    # -- certificates issued and not deployed yet ------------------------------------------
    def save_pending(self, account_uri, identifiers, name, certificate_pem, key_pem, not_before):
        if self.sealer is None:
            return False
        ident = self._id(account_uri, identifiers)
        sealed = self.sealer.seal('certificate key', ident, key_pem.encode('ascii'))
        self.db.execute('INSERT INTO sslclm_pending (id, name, certificate, sealed_key, not_before, updated) '
                        'VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET certificate = EXCLUDED.certificate, '
                        'sealed_key = EXCLUDED.sealed_key, not_before = EXCLUDED.not_before, updated = EXCLUDED.updated '
                        'WHERE sslclm_pending.not_before <= EXCLUDED.not_before',
                        (ident, name, certificate_pem, sealed, not_before, time.time()))
        return True

    def load_pending(self, account_uri, identifiers):
        """(certificate PEM with chain, key PEM) of the newest certificate issued for these names, or None."""
        if self.sealer is None:
            return None
        ident = self._id(account_uri, identifiers)
        row = self.db.execute('SELECT certificate, sealed_key FROM sslclm_pending WHERE id = %s', (ident,)).fetchone()
        if not row:
            return None
        return row[0], self.sealer.open('certificate key', ident, row[1]).decode('ascii')


def sealer_for(conn, credential):
    """The ``Sealer`` of this database for ``credential`` (checked against the stored check value), or None."""
    if not credential:
        return None
    salt = bytes.fromhex(conn.execute("SELECT v FROM sslclm_meta WHERE k = 'salt'").fetchone()[0])
    sealer = Sealer(credential, salt)
    with conn.transaction():
        conn.execute('SELECT pg_advisory_xact_lock(%s)', (key64('sslclm.acme:keycheck'),))
        row = conn.execute("SELECT v FROM sslclm_meta WHERE k = 'keycheck'").fetchone()
        if row:
            sealer.verify(bytes.fromhex(row[0]))
        else:
            conn.execute("INSERT INTO sslclm_meta (k, v) VALUES ('keycheck', %s)", (sealer.check_value().hex(),))
    return sealer


def _names_of(pem):
    """The identifiers a pending certificate names (None when it cannot be read: matched by name alone)."""
    certs = load_certificates(pem) if pem else []
    return describe(certs[0]).get('identifiers') if certs else None
