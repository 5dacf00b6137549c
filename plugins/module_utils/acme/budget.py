# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rate-limit budgets and failure back-off, decided before a newOrder reaches the CA.

Let's Encrypt's limits: certificates per registered domain (7 days), duplicate certificates
(same identifier set, 7 days), failed validations per identifier (1 hour), new orders per
account (3 hours). Renewals carrying ARI ``replaces`` are exempt, as they are at Let's Encrypt.
Failing identifiers back off 1 min → 10 min → 100 min → 1 day, then daily, as Let's Encrypt's
integration guide recommends, so a name that no longer points at us never reaches the CA's pause.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

_PSL_LOCK = threading.Lock()
_PSL = []  # [PublicSuffixList or None], loaded on first use: parsing the list takes ~35 ms


def _psl():
    with _PSL_LOCK:
        if not _PSL:
            try:
                from publicsuffixlist import PublicSuffixList  # pylint: disable=import-outside-toplevel
                _PSL.append(PublicSuffixList())
            except ImportError:  # requirements.txt names it; without it each name's last two labels are used
                _PSL.append(None)
        return _PSL[0]


DAY = 86400.0
WINDOWS = {
    'certificates_per_registered_domain': 7 * DAY,
    'duplicate_certificates': 7 * DAY,
    'failed_validations_per_hour': 3600.0,
    'new_orders_per_3_hours': 3 * 3600.0,
}
BACKOFF = (60.0, 600.0, 6000.0, DAY)


class BudgetExceeded(AcmeError):
    """A request that would break a rate limit (or ignore a CA's Retry-After); nothing was sent."""

    def __init__(self, violations):
        self.violations = violations
        text = '; '.join(v['message'] for v in violations)
        super(BudgetExceeded, self).__init__(
            'Refused before contacting the CA: %s' % text,
            hint='Wait until then, raise the CA instance\'s rate_limits if you know better, or set '
                 'rate_limit_override: true on the task. Test against a staging directory to avoid production limits')

    def to_result(self):
        result = super(BudgetExceeded, self).to_result()
        result['rate_limit_violations'] = self.violations
        return result


def registered_domain(identifier):
    """The registered domain of a DNS identifier per the Public Suffix List (None for IPs)."""
    name = identifier[2:] if identifier.startswith('*.') else identifier
    if not name or name.replace('.', '').replace(':', '').isdigit() or ':' in name:
        return None
    psl = _psl()
    if psl is not None:
        found = psl.privatesuffix(name)
        if found:
            return found
    labels = name.split('.')
    return '.'.join(labels[-2:])


def registered_domains(identifiers):
    return sorted(set(d for d in (registered_domain(i) for i in identifiers) if d))


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def check_request(ledger_view, request, limits, now):
    """→ violations (empty: go ahead). ``ledger_view``: a ``LedgerView`` of the CA's directory; it counts in SQL.

    Certificates count together with the orders still in flight (certificates to be), so that orders
    checked one after the other (see ``EnrollRun.reserve_order``) never overrun a budget.
    """
    violations = []
    identifiers = sorted(request['identifiers'])
    if not request.get('replaces'):
        limit = limits.get('certificates_per_registered_domain')
        for domain in request['registered_domains'] if limit is not None else ():
            count, frees = ledger_view.tally('certificate', now - WINDOWS['certificates_per_registered_domain'], limit,
                                             replaces=False, in_flight_at=now, registered_domain=domain)
            if count >= limit:
                violations.append(_violation('certificates_per_registered_domain', limit, count, frees, domain,
                                             '%d certificates for the registered domain %s in the last 7 days (limit %d)'))
        limit = limits.get('duplicate_certificates')
        if limit is not None:
            count, frees = ledger_view.tally('certificate', now - WINDOWS['duplicate_certificates'], limit,
                                             replaces=False, in_flight_at=now, identifier_set=identifiers)
            if count >= limit:
                violations.append(_violation('duplicate_certificates', limit, count, frees, ', '.join(identifiers),
                                             '%d certificates for exactly %s in the last 7 days (limit %d)'))
        limit = limits.get('new_orders_per_3_hours')
        if limit is not None:
            count, frees = ledger_view.tally('order', now - WINDOWS['new_orders_per_3_hours'], limit,
                                             account=request['account'], replaces=False)
            if count >= limit:
                violations.append(_violation('new_orders_per_3_hours', limit, count, frees, request['account'],
                                             '%d new orders by the account %s in the last 3 hours (limit %d)'))
    limit = limits.get('failed_validations_per_hour')
    for identifier in identifiers if limit is not None else ():
        count, frees = ledger_view.tally('validation_failure', now - WINDOWS['failed_validations_per_hour'], limit,
                                         account=request['account'], identifier=identifier)
        if count >= limit:
            violations.append(_violation('failed_validations_per_hour', limit, count, frees, identifier,
                                         '%d failed validations for %s in the last hour (limit %d)'))
    for event in ledger_view.events('rate_limited', now - 30 * DAY, account=request['account'], until_after=now):
        if set(event['registered_domains']) & set(request['registered_domains']):
            violations.append({
                'limit': 'ca_retry_after', 'scope': ', '.join(event['registered_domains']), 'count': None,
                'frees_at': _iso(event['until']),
                'message': 'the CA answered rateLimited for %s (%s); it allows a new order at %s'
                           % (', '.join(event['registered_domains']), event['detail'] or 'no detail', _iso(event['until'])),
            })
    return violations


def _violation(name, limit, count, oldest, scope, template):
    """``oldest``: the time of the event whose leaving the window frees capacity (None: a limit of 0)."""
    frees = _iso(oldest + WINDOWS[name]) if oldest is not None else None
    return {
        'limit': name, 'scope': scope, 'count': count, 'allowed': limit, 'frees_at': frees,
        'message': (template % (count, scope, limit)) + (
            '; capacity returns at %s' % frees if frees else '; the limit allows none'),
    }


def failure_streak(failures, successes, identifier):
    """→ (timestamps of the failed validations of ``identifier`` since its last success, next allowed time)."""
    last_success = max([e['ts'] for e in successes if identifier in e['identifiers']] or [0])
    streak = sorted(e['ts'] for e in failures if identifier in e['identifiers'] and e['ts'] > last_success)
    if not streak:
        return streak, None
    return streak, streak[-1] + BACKOFF[min(len(streak), len(BACKOFF)) - 1]


def backoff_violations(ledger_view, request, now):
    """Identifiers that failed validation recently, in a row, and are still backing off."""
    violations = []
    since, account, names = now - 30 * DAY, request['account'], request['identifiers']
    failures = ledger_view.events('validation_failure', since, account=account, any_identifier=names)
    successes = ledger_view.events('validation_success', since, account=account, any_identifier=names)
    for identifier in sorted(request['identifiers']):
        streak, allowed = failure_streak(failures, successes, identifier)
        if streak and now < allowed:
            violations.append({
                'limit': 'failure_backoff', 'scope': identifier, 'count': len(streak), 'frees_at': _iso(allowed),
                'message': '%s failed validation %d time(s) in a row; it backs off until %s '
                           '(1 min, 10 min, 100 min, then daily)' % (identifier, len(streak), _iso(allowed)),
            })
    return violations
