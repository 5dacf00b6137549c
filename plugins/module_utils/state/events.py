# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ledger's events and the questions budgets ask of them, the same for every back end.

An event is what was ordered, issued, refused or learnt (kind, CA directory, account, names,
time, until, detail, JSON data). A back end (``sqlite.py``, ``postgresql.py``) says how it stores
and locks; this file says what is asked, in SQL both speak, with the back end's placeholder.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

KINDS = ('order', 'certificate', 'validation_failure', 'validation_success', 'rate_limited', 'ari_window',
         'directory_cache', 'account_cache', 'revocation', 'key_compromise')
COLUMNS = ('ts', 'kind', 'directory', 'account', 'ca', 'name', 'identifiers', 'registered_domains', 'replaces',
           'until', 'detail', 'data')


def join(values):
    return ','.join(sorted(set(values or ())))


def event_values(kind, directory, clock, account=None, ca=None, name=None, identifiers=(), registered_domains=(),
                 replaces=False, until=None, detail=None, data=None, ts=None):
    """The column values of a new event, in ``COLUMNS`` order."""
    if kind not in KINDS:
        raise ValueError('unknown ledger event %r' % kind)
    return (ts if ts is not None else clock(), kind, directory, account, ca, name, join(identifiers),
            join(registered_domains), 1 if replaces else 0, until, detail,
            json.dumps(data, sort_keys=True) if data is not None else None)


class EventLog:
    """Reading and changing events. SQL is written with ``?`` placeholders and ``{events}`` for the table;
    a back end gives ``_sql`` (its dialect), ``rows(sql, args)``, ``execute(sql, args)`` and ``MEMBER``
    (SQL: the comma-joined column ``%s`` holds the value bound to ``?``, as an exact element)."""

    MEMBER = "instr(',' || %s || ',', ?) > 0"
    SAME = '%s IS ?'  # null-safe equality
    TABLE = 'events'

    def sql(self, text):
        return text.replace('{events}', self.TABLE)

    def update(self, event_id, **fields):
        """Change ``until`` and/or ``detail`` of one event."""
        names = sorted(fields)
        if not names or set(names) - {'until', 'detail'}:
            raise ValueError('only until and detail of an event change, not %s' % ', '.join(names))
        assignments = ', '.join('%s = ?' % n for n in names)
        self.execute(self.sql('UPDATE {events} SET %s WHERE id = ?' % assignments),
                     [fields[n] for n in names] + [event_id])

    def forget(self, event_id):
        """Remove one event (an order reserved but never sent, or refused by the CA)."""
        self.execute(self.sql('DELETE FROM {events} WHERE id = ?'), (event_id,))

    def settle_orders(self, directory, order_url):
        """The order at ``order_url`` is no longer in flight (issued, failed or abandoned)."""
        statement = ("UPDATE {events} SET until = NULL WHERE kind = 'order' AND directory = ? "
                     "AND detail = ? AND until IS NOT NULL")
        self.execute(self.sql(statement), (directory, order_url))

    PRUNABLE = 'ts < ? AND (until IS NULL OR until < ?)'

    def prunable(self, before):
        """How many events ``prune(before)`` would forget."""
        return self.rows(self.sql('SELECT COUNT(*) FROM {events} WHERE ' + self.PRUNABLE), (before, before))[0][0]

    def prune(self, before):
        """Forget the events older than ``before`` whose ``until`` has passed too; → how many."""
        return self.execute(self.sql('DELETE FROM {events} WHERE ' + self.PRUNABLE), (before, before))

    # -- reading ----------------------------------------------------------
    def events(self, kind, directory, since=None, account=None, **filters):
        """The events of ``kind``, oldest first; ``filters`` as for ``tally``."""
        where, args = _where(self.MEMBER, kind, directory, since, account, **filters)
        rows = self.rows(self.sql('SELECT * FROM {events} WHERE %s ORDER BY ts' % where), args)
        return [self._row(row) for row in rows]

    def tally(self, kind, directory, since, limit=None, account=None, **filters):
        """→ (count, frees): how many events match, counted in SQL; when ``limit`` is reached, ``frees`` is
        the time of the event whose leaving the window takes the count below ``limit`` again (else None).

        ``filters``: ``replaces=False`` leaves out the events with ``replaces`` (ARI renewals); ``identifier``:
        events naming it; ``any_identifier``: naming any of a list; ``identifier_set``: naming exactly
        these; ``registered_domain``; ``until_after``: ``until`` later than that time; ``in_flight_at``:
        also count the orders still in flight then (certificates to be: ``until`` not yet passed).
        """
        where, args = _where(self.MEMBER, kind, directory, since, account, **filters)
        count = self.rows(self.sql('SELECT COUNT(*) FROM {events} WHERE %s' % where), args)[0][0]
        return count, self.frees(kind, directory, since, count, limit, account=account, **filters)

    def frees(self, kind, directory, since, count, limit, account=None, **filters):
        """For ``count`` events matching (as ``tally`` counts them) against ``limit``: when the limit is reached,
        the time of the event whose leaving the window takes the count below it again; else None."""
        if not limit or count < limit:
            return None
        where, args = _where(self.MEMBER, kind, directory, since, account, **filters)
        statement = 'SELECT ts FROM {events} WHERE %s ORDER BY ts LIMIT 1 OFFSET ?' % where
        return self.rows(self.sql(statement), args + [count - limit])[0][0]

    def tallies(self, directory, questions):
        """The counts of several ``tally`` questions in one statement → [count, ...] in their order (no ``frees``:
        ask ``tally`` for a count at its limit). ``questions``: ``[(kind, since, filters)]``, ``filters`` (with
        ``account``) as for ``tally``. One statement, not one each: a budget check runs in the serialised step of
        an order's reservation, where every round trip to the database holds up the run's other workers."""
        if not questions:
            return []
        parts = [_where(self.MEMBER, kind, directory, since, **filters) for kind, since, filters in questions]
        # a COUNT(*) subquery each: each finds its rows through the index as tally does (one scan of the rows all
        # of them match, with every condition evaluated on each, was slower than the separate statements)
        counts = ', '.join('(SELECT COUNT(*) FROM {events} WHERE %s)' % where for where, unused in parts)
        row = self.rows(self.sql('SELECT %s' % counts), [value for unused, values in parts for value in values])[0]
        return [int(count) for count in row]

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

    def tallies(self, questions):
        return self.ledger.tallies(self.directory, questions)

    def frees(self, kind, since, count, limit, account=None, **filters):
        return self.ledger.frees(kind, self.directory, since, count, limit, account=account, **filters)


def _where(member, kind, directory, since=None, account=None, replaces=None, identifier=None, any_identifier=None,
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
        clauses.append(member % 'identifiers')
        args.append(',%s,' % identifier)
    if any_identifier is not None:
        clauses.append('(%s)' % ' OR '.join([member % 'identifiers'] * len(any_identifier) or ['0']))
        args.extend(',%s,' % i for i in any_identifier)
    if identifier_set is not None:
        clauses.append('identifiers = ?')
        args.append(join(identifier_set))
    if registered_domain is not None:
        clauses.append(member % 'registered_domains')
        args.append(',%s,' % registered_domain)
    if until_after is not None:
        clauses.append('until > ?')
        args.append(until_after)
    return ' AND '.join(clauses), args
