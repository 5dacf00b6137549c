# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the ledger says about one CA instance: budgets used and left, failures, next allowed times."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import DAY, WINDOWS, failure_streak
from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import default_rate_limits
from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import open_state


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ') if ts else None


def _usage(stamps, limit, window):
    used = len(stamps)
    left = None if limit is None else max(0, limit - used)
    frees = sorted(stamps)[used - limit] + window if limit is not None and used >= limit else None
    return {'used': used, 'limit': limit, 'left': left, 'full_until': _iso(frees),
            'next_frees_at': _iso(min(stamps) + window) if stamps else None}


def ledger_report(params, now=None):
    ca = params.get('ca') or {}
    connector = ca.get('connector') or {}
    directory = connector.get('directory') or params.get('directory')
    account = connector.get('account_uri')
    limits = (ca.get('policy') or {}).get('rate_limits') or default_rate_limits(directory or '')
    now = now or time.time()
    ledger = open_state(params).ledger()
    try:
        certs = [e for e in ledger.events('certificate', directory, since=now - 7 * DAY) if not e['replaces']]
        orders = [e for e in ledger.events('order', directory, since=now - WINDOWS['new_orders_per_3_hours'], account=account)
                  if not e['replaces']]
        failures = ledger.events('validation_failure', directory, since=now - 30 * DAY, account=account)
        successes = ledger.events('validation_success', directory, since=now - 30 * DAY, account=account)
        limited = [e for e in ledger.events('rate_limited', directory, since=now - 30 * DAY, account=account)
                   if e['until'] and e['until'] > now]
        recent = ledger.events('certificate', directory, since=now - 90 * DAY)
    finally:
        ledger.close()

    domains = sorted(set(d for e in certs for d in e['registered_domains']))
    per_domain = dict((d, _usage([e['ts'] for e in certs if d in e['registered_domains']],
                                 limits.get('certificates_per_registered_domain'),
                                 WINDOWS['certificates_per_registered_domain'])) for d in domains)
    backoff = []
    for identifier in sorted(set(i for e in failures for i in e['identifiers'])):
        streak, allowed = failure_streak(failures, successes, identifier)
        if streak:
            backoff.append({'identifier': identifier, 'failures_in_a_row': len(streak), 'last_failure': _iso(streak[-1]),
                            'next_attempt_at': _iso(allowed), 'waiting': allowed > now})
    return {
        'changed': False,
        'ledger_path': ledger.path,
        'directory': directory,
        'account': account,
        'limits': limits,
        'certificates_per_registered_domain': per_domain,
        'new_orders_per_3_hours': _usage([e['ts'] for e in orders], limits.get('new_orders_per_3_hours'),
                                         WINDOWS['new_orders_per_3_hours']),
        'failed_validations_last_hour': sum(1 for e in failures if e['ts'] >= now - 3600),
        'backoff': backoff,
        'ca_rate_limited': [{'registered_domains': e['registered_domains'], 'until': _iso(e['until']),
                             'detail': e['detail']} for e in limited],
        'recent_certificates': [{'name': e['name'], 'identifiers': e['identifiers'], 'issued': _iso(e['ts']),
                                 'serial': (e['data'] or {}).get('serial'), 'not_after': (e['data'] or {}).get('not_after'),
                                 'replaces': e['replaces']} for e in recent][-50:],
    }
