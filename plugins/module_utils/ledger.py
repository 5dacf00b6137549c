# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side ledger: what was ordered, issued and refused, for rate-limit budgets,
back-off and reports. SQLite (stdlib), WAL mode, schema versioned by ``PRAGMA user_version``.

It holds no secret (no key, no EAB, no token). Losing it loses history and budgets, never a
certificate: deployed certificates stay the truth for renewal decisions.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sqlite3
import time

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
)

KINDS = ('order', 'certificate', 'validation_failure', 'validation_success', 'rate_limited', 'ari_window',
         'directory_cache', 'account_cache')


def ledger_path(path=None):
    return os.path.expanduser(path or os.environ.get('SSLCLM_ACME_LEDGER') or DEFAULT_LEDGER)


def _join(values):
    return ','.join(sorted(set(values or ())))


class Ledger:
    """One SQLite file; a connection per instance (one per thread)."""

    def __init__(self, path=None, clock=time.time):
        self.path = ledger_path(path)
        self.clock = clock
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o700, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        os.chmod(self.path, 0o600)
        self.db.execute('PRAGMA journal_mode=WAL')
        self.db.execute('PRAGMA synchronous=NORMAL')
        self._migrate()

    def _migrate(self):
        """Apply the missing migrations, one transaction each; concurrent first runs are serialised."""
        while True:
            version = self.db.execute('PRAGMA user_version').fetchone()[0]
            if version > len(MIGRATIONS):
                raise RuntimeError('ledger %s has schema version %d, newer than this collection knows (%d)'
                                   % (self.path, version, len(MIGRATIONS)))
            if version == len(MIGRATIONS):
                return
            self.db.execute('BEGIN IMMEDIATE')
            try:
                if self.db.execute('PRAGMA user_version').fetchone()[0] == version:
                    for statement in MIGRATIONS[version].split(';'):
                        if statement.strip():
                            self.db.execute(statement)
                    self.db.execute('PRAGMA user_version = %d' % (version + 1))
                self.db.execute('COMMIT')
            except Exception:
                self.db.execute('ROLLBACK')
                raise

    def close(self):
        self.db.close()

    # -- writing ----------------------------------------------------------
    def record(self, kind, directory, account=None, ca=None, name=None, identifiers=(), registered_domains=(),
               replaces=False, until=None, detail=None, data=None, ts=None):
        if kind not in KINDS:
            raise ValueError('unknown ledger event %r' % kind)
        self.db.execute(
            'INSERT INTO events (ts, kind, directory, account, ca, name, identifiers, registered_domains, replaces,'
            ' until, detail, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (ts if ts is not None else self.clock(), kind, directory, account, ca, name, _join(identifiers),
             _join(registered_domains), 1 if replaces else 0, until, detail,
             json.dumps(data, sort_keys=True) if data is not None else None))

    # -- reading ----------------------------------------------------------
    def events(self, kind, directory, since=None, account=None):
        query = 'SELECT * FROM events WHERE kind = ? AND directory = ?'
        args = [kind, directory]
        if since is not None:
            query += ' AND ts >= ?'
            args.append(since)
        if account is not None:
            query += ' AND account = ?'
            args.append(account)
        return [self._row(row) for row in self.db.execute(query + ' ORDER BY ts', args)]

    @staticmethod
    def _row(row):
        event = dict(row)
        event['identifiers'] = [v for v in (event['identifiers'] or '').split(',') if v]
        event['registered_domains'] = [v for v in (event['registered_domains'] or '').split(',') if v]
        event['replaces'] = bool(event['replaces'])
        event['data'] = json.loads(event['data']) if event['data'] else None
        return event
