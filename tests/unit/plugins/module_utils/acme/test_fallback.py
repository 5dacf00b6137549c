# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issuer fallback: which failure sends a certificate to the next CA instance, and in which order they are tried."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import BudgetExceeded
from ansible_collections.sslclm.acme.plugins.module_utils.acme.caa import CaaForbidden
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import (
    AcmeProblem,
    AcmeRateLimited,
    AcmeUnreachable,
    AcmeUntrusted,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.fallback import (
    chain_order,
    fallback_reason,
    rate_limit_deadline,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.order import AcmeValidationError
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError, StateError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DEADLINE = NOW + datetime.timedelta(days=20)
PREFIX = 'urn:ietf:params:acme:error:'


def problem(code, status, retry_after=None):
    cls = AcmeRateLimited if code == 'rateLimited' else AcmeProblem
    return cls(PREFIX + code, 'detail of %s' % code, status=status, retry_after=retry_after)


def violation(limit, frees_at='2026-12-04T12:00:00Z'):
    return {'limit': limit, 'scope': 'example.com', 'count': 5, 'allowed': 5, 'frees_at': frees_at,
            'message': '%s reached' % limit}


@pytest.mark.parametrize('error, words', [
    (AcmeUnreachable('https://ca/dir', 'connection refused', attempts=4), 'unreachable'),
    (AcmeUntrusted('https://ca/dir', 'self-signed'), 'unreachable'),
    (problem('serverInternal', 500), 'HTTP 500'),
    (AcmeProblem('about:blank', 'bad gateway', status=502), 'HTTP 502'),
    (problem('rateLimited', 429, NOW + datetime.timedelta(days=30)), 'beyond'),
    (problem('rateLimited', 429), 'without Retry-After'),
    (BudgetExceeded([violation('certificates_per_registered_domain')]), 'local budget'),
    (BudgetExceeded([violation('ca_retry_after', '2027-02-01T00:00:00Z')]), 'local budget'),
    (CaaForbidden('le', [{'identifier': 'www.example.com', 'reason': 'CAA names pki.goog'}]), 'forbidden by CAA'),
    (problem('caa', 403), 'CAA check'),
])
def test_a_ca_that_cannot_issue_soon_is_passed_over(error, words):
    assert words in fallback_reason(error, DEADLINE)


@pytest.mark.parametrize('error', [
    AcmeValidationError([{'identifier': 'www.example.com', 'challenge': 'http-01', 'detail': '404'}]),
    AcmeInputError('give identifiers'),
    StateError('the ledger is locked'),
    AcmeError('Authorization for www.example.com is invalid'),
    problem('rateLimited', 429, NOW + datetime.timedelta(days=2)),  # the CA can issue in time: wait for it
    problem('badCSR', 400),
    problem('rejectedIdentifier', 400),
    problem('unauthorized', 403),
    problem('malformed', 400),
    BudgetExceeded([violation('failure_backoff')]),  # our own failed validations: they would fail elsewhere too
    BudgetExceeded([violation('failed_validations_per_hour'), violation('new_orders_per_3_hours')]),
    BudgetExceeded([violation('ca_retry_after', '2026-12-05T00:00:00Z')]),  # remembered Retry-After, in time
    ValueError('not an AcmeError'),
])
def test_a_failure_of_our_own_making_or_a_short_wait_stays(error):
    assert fallback_reason(error, DEADLINE) is None


def test_the_deadline_is_a_day_before_the_certificate_in_use_expires():
    assert rate_limit_deadline(NOW + datetime.timedelta(days=10), NOW) == NOW + datetime.timedelta(days=9)
    # none in use, or one that expires within a day: only a Retry-After within the hour is "soon"
    assert rate_limit_deadline(None, NOW) == NOW + datetime.timedelta(hours=1)
    assert rate_limit_deadline(NOW + datetime.timedelta(hours=5), NOW) == NOW + datetime.timedelta(hours=1)


def test_a_retry_after_just_past_the_deadline_falls_back():
    deadline = rate_limit_deadline(NOW + datetime.timedelta(days=10), NOW)
    assert fallback_reason(problem('rateLimited', 429, deadline), deadline) is None
    assert fallback_reason(problem('rateLimited', 429, deadline + datetime.timedelta(seconds=1)), deadline)


def test_the_chain_starts_from_the_first_ca_instance_unless_sticky():
    assert chain_order(3) == [0, 1, 2]
    assert chain_order(3, sticky=False, last_issuer=2) == [0, 1, 2]
    assert chain_order(3, sticky=True, last_issuer=2) == [2, 0, 1]
    assert chain_order(3, sticky=True, last_issuer=1) == [1, 0, 2]
    # the certificate in use from the first one, or from no CA of the chain: the configured order
    assert chain_order(3, sticky=True, last_issuer=0) == [0, 1, 2]
    assert chain_order(3, sticky=True, last_issuer=None) == [0, 1, 2]
    assert chain_order(1, sticky=True, last_issuer=0) == [0]
