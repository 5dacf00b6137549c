# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rate-limit budgets and failure back-off, decided before a newOrder reaches the CA.

Let's Encrypt's limits: certificates per registered domain (7 days), duplicate certificates
(same identifier set, 7 days), failed validations per identifier (1 hour), new orders per
account (3 hours). Renewals carrying ARI ``replaces`` are exempt, as they are at Let's Encrypt.
Failing identifiers back off 1 min → 10 min → 100 min → 1 day, then daily, as Let's Encrypt's
integration guide recommends, so a name that no longer points at us never reaches the CA's pause.

``RunBudget`` is the bookkeeping of one enrollment run in the ledger: the check and the record of
an order as one step, orders in flight, certificates, validation outcomes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import datetime
import functools
import threading
import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ari import parse_time
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem, AcmeRateLimited
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

_PSL_LOCK = threading.Lock()
_PSL = []  # [PublicSuffixList or None], loaded on first use


def _psl():
    with _PSL_LOCK:
        if not _PSL:
            try:
                from publicsuffixlist import PublicSuffixList  # pylint: disable=import-outside-toplevel
                # the rules as written (U-labels): adding each rule's A-label form as well took 45 ms of CPU, in the
                # first reservation, where the run's other workers wait; names are looked up as U-labels instead
                _PSL.append(PublicSuffixList(accept_encoded_idn=False))
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
# How long an order recorded before it is sent counts as in flight if this run dies before the CA answers.
ORDER_RESERVATION = 3600.0


class BudgetExceeded(AcmeError):
    """A request that would break a rate limit (or ignore a CA's Retry-After); nothing was sent."""

    def __init__(self, violations):
        self.violations = violations
        text = '; '.join(v['message'] for v in violations)
        super(BudgetExceeded, self).__init__(
            'Refused before contacting the CA: %s' % text,
            hint='Wait until then, raise the CA instance\'s rate_limits if you know better, or set rate_limit_override: '
                 'true on the acme_enroll task (with the renewal role: renewal_enroll_options.rate_limit_override). '
                 'Test against a staging directory to avoid production limits')

    def to_result(self):
        result = super(BudgetExceeded, self).to_result()
        result['rate_limit_violations'] = self.violations
        return result


@functools.lru_cache(maxsize=4096)  # asked for every event a certificate records, and by every budget check
def registered_domain(identifier):
    """The registered domain of a DNS identifier per the Public Suffix List (None for IPs)."""
    name = identifier[2:] if identifier.startswith('*.') else identifier
    if not name or name.replace('.', '').replace(':', '').isdigit() or ':' in name:
        return None
    psl = _psl()
    labels = name.split('.')
    if psl is not None:
        found = psl.privatesuffix('.'.join(_unicode_label(label) for label in labels))
        if found:
            return '.'.join(labels[-(found.count('.') + 1):])  # as the name spells it (A-labels)
    return '.'.join(labels[-2:])


def _unicode_label(label):
    """The U-label of an A-label (``xn--...``), as the Public Suffix List writes its rules; others unchanged."""
    if label[:4].lower() == 'xn--':
        try:
            return label[4:].encode('ascii').decode('punycode')
        except (UnicodeError, ValueError):
            return label
    return label


def registered_domains(identifiers):
    return sorted(set(d for d in (registered_domain(i) for i in identifiers) if d))


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


# One limit a request is checked against: what is counted (kind, since, filters: as ``EventLog.tally`` takes them)
# and how a violation is reported.
_Question = collections.namedtuple('_Question', 'name limit scope template kind since filters')


def check_request(ledger_view, request, limits, now):
    """→ violations (empty: go ahead). ``ledger_view``: a ``LedgerView`` of the CA's directory; it counts in SQL,
    every limit in one statement (a limit reached costs one more, for when its capacity returns).

    Certificates count together with the orders still in flight (certificates to be), so that orders
    checked one after the other (see ``EnrollRun.reserve_order``) never overrun a budget.
    """
    identifiers = sorted(request['identifiers'])
    questions = []
    if not request.get('replaces'):
        limit = limits.get('certificates_per_registered_domain')
        for domain in request['registered_domains'] if limit is not None else ():
            questions.append(_Question('certificates_per_registered_domain', limit, domain,
                                       '%d certificates for the registered domain %s in the last 7 days (limit %d)',
                                       'certificate', now - WINDOWS['certificates_per_registered_domain'],
                                       dict(replaces=False, in_flight_at=now, registered_domain=domain)))
        limit = limits.get('duplicate_certificates')
        if limit is not None:
            questions.append(_Question('duplicate_certificates', limit, ', '.join(identifiers),
                                       '%d certificates for exactly %s in the last 7 days (limit %d)',
                                       'certificate', now - WINDOWS['duplicate_certificates'],
                                       dict(replaces=False, in_flight_at=now, identifier_set=identifiers)))
        limit = limits.get('new_orders_per_3_hours')
        if limit is not None:
            questions.append(_Question('new_orders_per_3_hours', limit, request['account'],
                                       '%d new orders by the account %s in the last 3 hours (limit %d)',
                                       'order', now - WINDOWS['new_orders_per_3_hours'],
                                       dict(account=request['account'], replaces=False)))
    limit = limits.get('failed_validations_per_hour')
    for identifier in identifiers if limit is not None else ():
        questions.append(_Question('failed_validations_per_hour', limit, identifier,
                                   '%d failed validations for %s in the last hour (limit %d)',
                                   'validation_failure', now - WINDOWS['failed_validations_per_hour'],
                                   dict(account=request['account'], identifier=identifier)))
    violations = []
    for question, count in _counts_near_limits(ledger_view, questions):
        if count >= question.limit:
            frees = ledger_view.frees(question.kind, question.since, count, question.limit, **question.filters)
            violations.append(_violation(question.name, question.limit, count, frees, question.scope,
                                         question.template))
    for event in ledger_view.events('rate_limited', now - 30 * DAY, account=request['account'], until_after=now):
        if set(event['registered_domains']) & set(request['registered_domains']):
            violations.append({
                'limit': 'ca_retry_after', 'scope': ', '.join(event['registered_domains']), 'count': None,
                'frees_at': _iso(event['until']),
                'message': 'the CA answered rateLimited for %s (%s); it allows a new order at %s'
                           % (', '.join(event['registered_domains']), event['detail'] or 'no detail', _iso(event['until'])),
            })
    return violations


def _counts_near_limits(ledger_view, questions):
    """→ [(question, count)] for the questions whose limit might be reached; the others are settled by a bound.

    The events of a kind in a window plus the orders in flight, whatever their names and account, are counted from
    the indexes alone; only a limit that bound reaches needs the count by name, which reads every event of the
    window (thousands for a fleet that issues much, e.g. from a CA with generous limits)."""
    windows = sorted(set((q.kind, q.since) for q in questions), key=repr)
    flights = sorted(set(q.filters['in_flight_at'] for q in questions if q.filters.get('in_flight_at') is not None))
    counts = ledger_view.tallies([(kind, since, {}) for kind, since in windows] +
                                 [('order', None, {'until_after': at}) for at in flights])
    in_window, in_flight = dict(zip(windows, counts)), dict(zip(flights, counts[len(windows):]))
    near = [q for q in questions
            if in_window[(q.kind, q.since)] + in_flight.get(q.filters.get('in_flight_at'), 0) >= q.limit]
    return list(zip(near, ledger_view.tallies([(q.kind, q.since, q.filters) for q in near])))


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
    if not failures:
        return violations  # the usual case: no successes to read either
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


class RunBudget:
    """The ledger of one run for one account: budgets checked and orders recorded.

    ``enrollment`` arguments are anything with ``name`` and ``identifiers`` (``Identifier``s).
    One ledger connection per thread; the check-and-record step holds a lock for this run's
    threads and a write transaction no other process or controller overlaps.
    """

    def __init__(self, state, connector, ca_name, limits, override=False):
        self.state = state
        self.directory = connector['directory']
        self.account = connector['account_uri']
        self.ca_name = ca_name
        self.limits = limits or {}
        self.override = override
        self._lock = threading.Lock()

    def ledger(self):
        """This thread's ledger (``state.backend``: SQLite or PostgreSQL)."""
        return self.state.ledger()

    def record(self, kind, enrollment, **fields):
        identifiers = fields.pop('identifiers', [i.value for i in enrollment.identifiers])
        return self.ledger().record(kind, self.directory, account=self.account, ca=self.ca_name, name=enrollment.name,
                                    identifiers=identifiers,
                                    registered_domains=registered_domains(i.value for i in enrollment.identifiers),
                                    **fields)

    def violations(self, enrollment, replaces=False):
        """What a new order for ``enrollment`` would break (rate limits, CA Retry-After, back-off)."""
        request = {
            'identifiers': [i.value for i in enrollment.identifiers],
            'registered_domains': registered_domains(i.value for i in enrollment.identifiers),
            'account': self.account,
            'replaces': replaces,
        }
        view = self.ledger().view(self.directory)
        now = time.time()
        return check_request(view, request, self.limits, now) + backoff_violations(view, request, now)

    def reserve_order(self, enrollment, replaces=False):
        """Check the budget and record the order about to be sent, as one step; → the order event's id.

        Raises ``BudgetExceeded`` (nothing recorded). Concurrent workers never both take the last
        unit of a budget. The event counts as an order at once, and as a certificate to be while
        in flight (see ``check_request``) until ``order_sent`` / ``settle_order``.
        """
        with self._lock:
            ledger = self.ledger()
            with ledger.transaction():
                violations = [] if self.override else self.violations(enrollment, replaces)
                if violations:
                    raise BudgetExceeded(violations)
                return self.record('order', enrollment, replaces=replaces, until=time.time() + ORDER_RESERVATION)

    def order_sent(self, reservation, order):
        """The CA created ``order``: it stays in flight until it expires, unless settled before."""
        try:
            expires = parse_time(order['expires']).timestamp()
        except (KeyError, TypeError, ValueError):
            expires = time.time() + 7 * DAY
        self.ledger().update(reservation, detail=order.get('url'), until=expires)

    def order_refused(self, reservation, error, enrollment):
        """newOrder failed: a CA that answered made no order; a lost answer may have made one.
        A ``rateLimited`` answer is kept with its Retry-After, for every later run to honour."""
        if reservation is not None:
            if isinstance(error, AcmeProblem):
                self.ledger().forget(reservation)
            else:
                self.ledger().update(reservation, until=None)  # an order maybe, but not one in flight
        if isinstance(error, AcmeRateLimited):
            until = error.retry_after.timestamp() if error.retry_after else time.time() + 3600
            self.record('rate_limited', enrollment, until=until, detail=error.detail)

    def forget(self, reservation):
        self.ledger().forget(reservation)

    def settle_order(self, order_url):
        """The order is issued, failed or abandoned: no longer a certificate to be."""
        self.ledger().settle_orders(self.directory, order_url)
