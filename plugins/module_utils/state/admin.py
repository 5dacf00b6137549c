# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Looking after the state (``acme_state``): what it holds, pruning old events, and copying an
embedded SQLite ledger into a shared PostgreSQL state (moving from one controller to AWX)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import open_state
from ansible_collections.sslclm.acme.plugins.module_utils.state.events import COLUMNS, KINDS
from ansible_collections.sslclm.acme.plugins.module_utils.state.sqlite import Ledger

DAY = 86400.0
# what makes an event the same one when it is copied twice
IDENTITY = ('ts', 'kind', 'directory', 'account', 'name', 'detail')


def _counts(ledger, now):
    counts = {}
    for kind in KINDS:
        rows = ledger.rows(ledger.sql('SELECT COUNT(*) FROM {events} WHERE kind = ?'), (kind,))
        counts[kind] = rows[0][0]
    in_flight = ledger.rows(ledger.sql("SELECT COUNT(*) FROM {events} WHERE kind = 'order' AND until > ?"), (now,))
    return counts, in_flight[0][0]


def _copy(ledger, source_path, check_mode):
    """Events of the SQLite ledger at ``source_path`` that ``ledger`` does not hold yet → how many were (would be)
    copied. One transaction: a second copy adds nothing."""
    if not os.path.isfile(source_path):
        raise AcmeInputError('copy_from: %s is not a file' % source_path)
    source = Ledger(source_path)
    try:
        rows = [dict(row) for row in source.db.execute('SELECT %s FROM events ORDER BY ts' % ', '.join(COLUMNS))]
    finally:
        source.close()
    copied = 0
    with ledger.transaction():
        for row in rows:
            where = ' AND '.join(ledger.SAME % c for c in IDENTITY)
            if ledger.rows(ledger.sql('SELECT 1 FROM {events} WHERE %s' % where), [row[c] for c in IDENTITY]):
                continue
            copied += 1
            if not check_mode:
                ledger.execute(ledger.sql('INSERT INTO {events} (%s) VALUES (%s)' % (
                    ', '.join(COLUMNS), ', '.join('?' * len(COLUMNS)))), [row[c] for c in COLUMNS])
    return copied


def manage_state(params, check_mode, now=None):
    """The result of ``acme_state``."""
    now = now or time.time()
    state = open_state(params)
    ledger = state.ledger()
    result = {'changed': False, 'state': state.describe(), '_warnings': state.warnings}
    if params.get('copy_from'):
        result['copied'] = _copy(ledger, params['copy_from'], check_mode)
        result['changed'] = result['copied'] > 0
    if params.get('prune_days') is not None:
        before = now - float(params['prune_days']) * DAY
        if check_mode:
            result['pruned'] = ledger.prunable(before)
        else:
            result['pruned'] = ledger.prune(before)
        result['changed'] = result['changed'] or result['pruned'] > 0
    if params.get('forget_certificates'):
        result['forgotten'] = dict((name, state.forget_certificate(name, identifiers, check_mode=check_mode))
                                   for name, identifiers in _forget_targets(params['forget_certificates']))
        result['changed'] = result['changed'] or any(sum(v.values()) for v in result['forgotten'].values())
    result['events'], result['orders_in_flight'] = _counts(ledger, now)
    return result


def _forget_targets(items):
    """(name, identifiers or None) of each ``forget_certificates`` item: a name, or a dict with ``name`` and
    ``identifiers`` (the renewal plan's retired entries can be passed as they are)."""
    targets = []
    for item in items:
        if isinstance(item, dict) and item.get('name'):
            targets.append((str(item['name']), [str(i) for i in item.get('identifiers') or []] or None))
        elif isinstance(item, str) and item:
            targets.append((item, None))
        else:
            raise AcmeInputError('forget_certificates: each item is a certificate name or a dict with name (and '
                                 'identifiers), not %r' % (item,))
    return targets
