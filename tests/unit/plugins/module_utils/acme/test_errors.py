# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import (
    AcmeProblem,
    AcmeRateLimited,
    AcmeUnreachable,
    problem_from_document,
)

DOC = {
    'type': 'urn:ietf:params:acme:error:rejectedIdentifier',
    'detail': 'Some identifiers were rejected',
    'subproblems': [
        {'type': 'urn:ietf:params:acme:error:rejectedIdentifier', 'detail': 'forbidden name',
         'identifier': {'type': 'dns', 'value': 'bad.example'}},
    ],
}


def test_problem_document_fields_are_kept():
    problem = problem_from_document(DOC, status=400, url='https://ca/new-order')
    assert isinstance(problem, AcmeProblem) and not isinstance(problem, AcmeRateLimited)
    assert problem.code == 'rejectedIdentifier'
    result = problem.to_result()
    assert result['problem']['status'] == 400
    assert result['problem']['subproblems'] == [
        {'type': DOC['subproblems'][0]['type'], 'code': 'rejectedIdentifier', 'detail': 'forbidden name',
         'identifier': 'bad.example'}]
    assert 'bad.example: rejectedIdentifier forbidden name' in result['msg']


def test_rate_limited_carries_retry_after():
    when = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
    problem = problem_from_document({'type': 'urn:ietf:params:acme:error:rateLimited', 'detail': 'too many'},
                                    status=429, retry_after=when)
    assert isinstance(problem, AcmeRateLimited)
    result = problem.to_result()
    assert result['retry_after'] == '2026-12-01T00:00:00Z'
    assert 'retry after 2026-12-01T00:00:00Z' in result['msg']
    assert 'staging' in result['msg']


def test_context_is_prefixed_and_fields_survive():
    problem = problem_from_document(DOC, status=400).with_context('Creating the order failed')
    assert problem.msg.startswith('Creating the order failed; the CA answered rejectedIdentifier')
    assert problem.code == 'rejectedIdentifier'


def test_non_acme_problem_type():
    problem = problem_from_document({'detail': 'gateway broke'}, status=502)
    assert problem.code is None and problem.type == 'about:blank'
    assert 'HTTP 502' in problem.msg


def test_unreachable_names_url_and_hint():
    result = AcmeUnreachable('https://127.0.0.1:1/dir', 'connection refused', attempts=4).to_result()
    assert result['url'] == 'https://127.0.0.1:1/dir'
    assert 'after 4 attempt(s)' in result['msg'] and 'ca_bundle' in result['msg']
