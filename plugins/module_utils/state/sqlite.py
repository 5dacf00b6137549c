# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The embedded state (the default): the ledger in one SQLite file (stdlib, WAL mode, schema
versioned by ``PRAGMA user_version``) - what was ordered, issued and refused, for rate-limit budgets,
back-off, the lookup cache and reports.

It holds no secret (no key, no EAB, no token). Losing it loses history and budgets, never a
certificate: deployed certificates stay the truth for renewal decisions.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import os
import sqlite3
import threading
import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError
from ansible_collections.sslclm.acme.plugins.module_utils.state.events import COLUMNS, EventLog, event_values

DEFAULT_LEDGER = os.path.join('~', '.ansible', 'sslclm_acme', 'ledger.sqlite')

# Each entry migrates the schema from version N to N+1; never edit a released one.
MIGRATIONS = (
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        directory TEXT NOT NULL,
        account TEXT,
        ca TEXT,
        name TEXT,
        identifiers TEXT,
        registered_domains TEXT,
        replaces INTEGER NOT NULL DEFAULT 0,
        until REAL,
        detail TEXT,
        data TEXT
    );
    CREATE INDEX events_by_kind ON events (kind, directory, ts);
    """,
    # 2: orders in flight (and the other events with an ``until``) by their own index: the budget check counts the
    # orders in flight and settling an order looks it up by URL - without it both read every order ever recorded
    """
    CREATE INDEX events_in_flight ON events (kind, directory, until) WHERE until IS NOT NULL;
    """,
)


def ledger_path(path=None):
    return os.path.expanduser(path or os.environ.get('SSLCLM_ACME_LEDGER') or DEFAULT_LEDGER)


_WRITERS_GUARD = threading.Lock()
_WRITERS = {}


def _writer_lock(path):
    """The lock the threads of this process take to use one ledger file (its connection is shared; see ``Ledger``).

    SQLite lets one writer in at a time and makes the others sleep in its busy handler (1, 2, 5, 10 ...
    ms between tries) though the write they wait for takes microseconds: the enrollment workers of one
    run, writing at once, slept milliseconds for each other. A lock of this process hands the write over
    at once; other processes and controllers still wait in SQLite's busy handler."""
    key = os.path.realpath(path)
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, threading.RLock())


class Ledger(EventLog):
    """One SQLite file; one connection per instance, which the threads of a run share, one statement or
    transaction at a time (the process's lock of the file, ``_writer_lock``).

    A connection per thread cost more CPU, in workers that share one interpreter lock: each was opened and
    checked (WAL, schema version) on its own, and each finds its page cache stale after any other wrote, and reads
    the pages again. The module phase of 50 certificates took 1.03-1.17 CPU-s with a connection per thread,
    0.94-0.98 with one. Other processes and controllers still have connections of their own."""

    def __init__(self, path=None, clock=time.time):
        self.path = ledger_path(path)
        self.clock = clock
        self._writer = _writer_lock(self.path)
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o700, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            os.chmod(self.path, 0o600)
            self._use_wal()
            self.db.execute('PRAGMA synchronous=NORMAL')
            self._migrate()
        except (sqlite3.DatabaseError, OSError) as error:
            raise StateError(
                'The ledger %s cannot be used (%s)' % (self.path, getattr(error, 'strerror', None) or error),
                hint='Nothing was sent to the CA. Move the file aside and run again: it holds rate-limit budgets and '
                     'history, no certificate and no key, so certificates are safe (budgets start anew)')

    def _use_wal(self, attempts=100):
        """Switch a new ledger to WAL (it stays so). Connections that do it at once - the workers of a
        first run - get "database is locked" without SQLite's busy wait: try again a moment later."""
        for attempt in range(1, attempts + 1):
            try:
                if self.db.execute('PRAGMA journal_mode').fetchone()[0] != 'wal':
                    self.db.execute('PRAGMA journal_mode=WAL')
                return
            except sqlite3.OperationalError as error:
                if 'locked' not in str(error) or attempt == attempts:
                    raise
                time.sleep(0.01 * min(attempt, 10))

    def _migrate(self):
        """Apply the missing migrations, one transaction each; concurrent first runs are serialised."""
        while True:
            version = self.db.execute('PRAGMA user_version').fetchone()[0]
            if version > len(MIGRATIONS):
                raise StateError('The ledger %s has schema version %d, newer than this collection knows (%d)'
                                 % (self.path, version, len(MIGRATIONS)),
                                 hint='Upgrade sslclm.acme on this controller, or point ledger_path elsewhere')
            if version == len(MIGRATIONS):
                return
            with self.transaction():
                if self.db.execute('PRAGMA user_version').fetchone()[0] == version:
                    for statement in MIGRATIONS[version].split(';'):
                        if statement.strip():
                            self.db.execute(statement)
                    self.db.execute('PRAGMA user_version = %d' % (version + 1))

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction (``BEGIN IMMEDIATE``): other connections, in this process or another,
        wait for it to end; rolled back when the block raises."""
        with self._writer:
            self.db.execute('BEGIN IMMEDIATE')
            try:
                yield self
            except BaseException:
                self.db.execute('ROLLBACK')
                raise
            self.db.execute('COMMIT')

    def close(self):
        self.db.close()

    # -- the back end's part of EventLog ---------------------------------------
    def rows(self, sql, args):
        with self._writer:
            return self.db.execute(sql, args).fetchall()

    def execute(self, sql, args):
        with self._writer:
            return self.db.execute(sql, args).rowcount

    def record(self, kind, directory, **fields):
        """Add one event (``events.event_values``); → its id."""
        values = event_values(kind, directory, self.clock, **fields)
        with self._writer:
            return self.db.execute('INSERT INTO events (%s) VALUES (%s)' % (', '.join(COLUMNS), ', '.join('?' * len(COLUMNS))),
                                   values).lastrowid
