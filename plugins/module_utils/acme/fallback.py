# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issuer fallback: which failure at one CA instance sends a certificate to the next one.

Pure decisions, no network: ``fallback_reason`` classifies an error; ``chain_order`` says in which order
the CA instances of a task are tried; ``rate_limit_deadline`` how long a certificate can wait for a CA.

A CA instance that "cannot issue soon" is passed over: unreachable after retries, an HTTP 5xx answer, a
``rateLimited`` answer (or a CA Retry-After the ledger remembers) beyond the time the certificate in use
can wait, the local budget of the CA instance spent, CAA forbidding the CA. A failure of our own making -
a failed validation, the back-off after failed validations, bad input, any other problem document - would
fail at the next CA as well: it is never a reason to fall back.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import BudgetExceeded
from ansible_collections.sslclm.acme.plugins.module_utils.acme.caa import CaaForbidden
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem, AcmeRateLimited, AcmeUnreachable

# budget refusals caused by our own failed validations: the next CA would see the same failure
OWN_FAILURE_LIMITS = ('failure_backoff', 'failed_validations_per_hour')
# a certificate in use is replaced at the latest this long before it expires; none in use: "soon" is this long
EXPIRY_MARGIN = datetime.timedelta(days=1)
SOON = datetime.timedelta(hours=1)


def rate_limit_deadline(in_use_not_after, now):
    """The latest time a CA's Retry-After may name and still count as "can issue soon": one day before the
    certificate in use expires; an hour from ``now`` when there is none (a new, expired or unsound one)."""
    if in_use_not_after is None or in_use_not_after - EXPIRY_MARGIN <= now:
        return now + SOON
    return in_use_not_after - EXPIRY_MARGIN


def _stamp(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def _parse(text):
    try:
        return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def _budget_reason(error, deadline):
    limits = [v.get('limit') for v in error.violations]
    if any(limit in OWN_FAILURE_LIMITS for limit in limits):
        return None
    waits = [_parse(v.get('frees_at')) for v in error.violations if v.get('limit') == 'ca_retry_after']
    if waits and len(waits) == len(limits) and all(w is not None and w <= deadline for w in waits):
        return None  # only the CA's own Retry-After, and it ends in time: wait for this CA
    return 'refused by the local budget: %s' % '; '.join(v.get('message', '') for v in error.violations)


def fallback_reason(error, deadline):
    """→ why the next CA instance is tried after ``error`` at this one, or None when it must not be (the error
    stands). ``deadline``: the latest acceptable Retry-After (``rate_limit_deadline``), an aware datetime."""
    if isinstance(error, CaaForbidden):
        return 'forbidden by CAA: %s' % '; '.join('%s: %s' % (r['identifier'], r['reason']) for r in error.refused)
    if isinstance(error, BudgetExceeded):
        return _budget_reason(error, deadline)
    if isinstance(error, AcmeUnreachable):
        return 'unreachable: %s' % error.msg
    if isinstance(error, AcmeRateLimited):
        if error.retry_after is not None and error.retry_after <= deadline:
            return None
        return 'rateLimited%s: %s' % (' until %s, beyond %s' % (_stamp(error.retry_after), _stamp(deadline))
                                      if error.retry_after is not None else ' without Retry-After', error.detail)
    if isinstance(error, AcmeProblem):
        if (error.status or 0) >= 500:
            return 'HTTP %s from the CA: %s' % (error.status, error.detail or error.code or error.type)
        if error.code == 'caa':
            return 'the CA\'s own CAA check refused: %s' % error.detail
    return None


def chain_order(count, sticky=False, last_issuer=None):
    """The indexes of the ``count`` CA instances (0: the task's own, then its fallback list) in the order they are
    tried: always from the first, unless ``sticky`` and the certificate in use came from ``last_issuer``; then
    that one first and the others in their order."""
    order = list(range(count))
    if sticky and last_issuer is not None and 0 < last_issuer < count:
        order.remove(last_issuer)
        order.insert(0, last_issuer)
    return order
