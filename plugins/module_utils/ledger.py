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

import contextlib
import json
import os
import sqlite3
import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError

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
         'directory_cache', 'account_cache', 'revocation', 'key_compromise')


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
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
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
        self.db.execute('BEGIN IMMEDIATE')
        try:
            yield self
        except BaseException:
            self.db.execute('ROLLBACK')
            raise
        self.db.execute('COMMIT')

    def close(self):
        self.db.close()

    # -- writing ----------------------------------------------------------
    def record(self, kind, directory, account=None, ca=None, name=None, identifiers=(), registered_domains=(),
               replaces=False, until=None, detail=None, data=None, ts=None):
        """Add one event; → its id."""
        if kind not in KINDS:
            raise ValueError('unknown ledger event %r' % kind)
        return self.db.execute(
            'INSERT INTO events (ts, kind, directory, account, ca, name, identifiers, registered_domains, replaces,'
            ' until, detail, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (ts if ts is not None else self.clock(), kind, directory, account, ca, name, _join(identifiers),
             _join(registered_domains), 1 if replaces else 0, until, detail,
             json.dumps(data, sort_keys=True) if data is not None else None)).lastrowid

    def update(self, event_id, **fields):
        """Change ``until`` and/or ``detail`` of one event."""
        names = sorted(fields)
        if not names or set(names) - {'until', 'detail'}:
            raise ValueError('only until and detail of an event change, not %s' % ', '.join(names))
        self.db.execute('UPDATE events SET %s WHERE id = ?' % ', '.join('%s = ?' % n for n in names),
                        [fields[n] for n in names] + [event_id])

    def forget(self, event_id):
        """Remove one event (an order reserved but never sent, or refused by the CA)."""
        self.db.execute('DELETE FROM events WHERE id = ?', (event_id,))

    def settle_orders(self, directory, order_url):
        """The order at ``order_url`` is no longer in flight (issued, failed or abandoned)."""
        self.db.execute("UPDATE events SET until = NULL WHERE kind = 'order' AND directory = ? AND detail = ?"
                        " AND until IS NOT NULL", (directory, order_url))

    # -- reading ----------------------------------------------------------
    def events(self, kind, directory, since=None, account=None, **filters):
        """The events of ``kind``, oldest first; ``filters`` as for ``tally``."""
        where, args = _where(kind, directory, since, account, **filters)
        return [self._row(row) for row in self.db.execute('SELECT * FROM events WHERE %s ORDER BY ts' % where, args)]

    def tally(self, kind, directory, since, limit=None, account=None, **filters):
        """→ (count, frees): how many events match, counted in SQL; when ``limit`` is reached, ``frees`` is
        the time of the event whose leaving the window takes the count below ``limit`` again (else None).

        ``filters``: ``replaces=False`` leaves out the events with ``replaces`` (ARI renewals); ``identifier``:
        events naming it; ``any_identifier``: naming any of a list; ``identifier_set``: naming exactly
        these; ``registered_domain``; ``until_after``: ``until`` later than that time; ``in_flight_at``:
        also count the orders still in flight then (certificates to be: ``until`` not yet passed).
        """
        where, args = _where(kind, directory, since, account, **filters)
        count = self.db.execute('SELECT COUNT(*) FROM events WHERE %s' % where, args).fetchone()[0]
        frees = None
        if limit and count >= limit:
            frees = self.db.execute('SELECT ts FROM events WHERE %s ORDER BY ts LIMIT 1 OFFSET ?' % where,
                                    args + [count - limit]).fetchone()[0]
        return count, frees

    def view(self, directory):
        return LedgerView(self, directory)

    @staticmethod
    def _row(row):
        event = dict(row)
        event['identifiers'] = [v for v in (event['identifiers'] or '').split(',') if v]
        event['registered_domains'] = [v for v in (event['registered_domains'] or '').split(',') if v]
        event['replaces'] = bool(event['replaces'])
        event['data'] = json.loads(event['data']) if event['data'] else None
        return event


class LedgerView:
    """The events of one CA directory (what budgets read)."""

    def __init__(self, ledger, directory):
        self.ledger = ledger
        self.directory = directory

    def events(self, kind, since, account=None, **filters):
        return self.ledger.events(kind, self.directory, since=since, account=account, **filters)

    def tally(self, kind, since, limit=None, account=None, **filters):
        return self.ledger.tally(kind, self.directory, since, limit=limit, account=account, **filters)


def _member(column):
    """SQL: the comma-joined ``column`` holds the value bound to it (exact element, no LIKE wildcards)."""
    return "instr(',' || %s || ',', ?) > 0" % column


def _where(kind, directory, since=None, account=None, replaces=None, identifier=None, any_identifier=None,
           identifier_set=None, registered_domain=None, until_after=None, in_flight_at=None):
    scope, args = 'kind = ?', [kind]
    if since is not None:
        scope += ' AND ts >= ?'
        args.append(since)
    if in_flight_at is not None:
        scope = "(%s OR kind = 'order' AND until > ?)" % scope
        args.append(in_flight_at)
    clauses = [scope, 'directory = ?']
    args.append(directory)
    if account is not None:
        clauses.append('account = ?')
        args.append(account)
    if replaces is not None:
        clauses.append('replaces = ?')
        args.append(1 if replaces else 0)
    if identifier is not None:
        clauses.append(_member('identifiers'))
        args.append(',%s,' % identifier)
    if any_identifier is not None:
        clauses.append('(%s)' % ' OR '.join([_member('identifiers')] * len(any_identifier) or ['0']))
        args.extend(',%s,' % i for i in any_identifier)
    if identifier_set is not None:
        clauses.append('identifiers = ?')
        args.append(_join(identifier_set))
    if registered_domain is not None:
        clauses.append(_member('registered_domains'))
        args.append(',%s,' % registered_domain)
    if until_after is not None:
        clauses.append('until > ?')
        args.append(until_after)
    return ' AND '.join(clauses), args
