# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IssuerChain: the CA instances of one acme_enroll task tried in order, with stand-in runs (no network)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import BudgetExceeded
from ansible_collections.sslclm.acme.plugins.module_utils.acme import issuer_chain
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeUnreachable
from ansible_collections.sslclm.acme.plugins.module_utils.acme.issuer_chain import IssuerChain
from ansible_collections.sslclm.acme.plugins.module_utils.acme.order import AcmeValidationError
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError


class Store:
    issuers = {}  # directory → authority key ids

    def known_issuers(self, directory):
        return set(self.issuers.get(directory, ()))


class Run:
    def __init__(self, params, check_mode):
        self.name = params['ca_definition']['name']
        self.params = params
        self.account_actions, self.warnings, self.store = [], ['warned by %s' % self.name], Store()


def definition(name):
    return {'connector_definition': {'directory': 'https://%s/dir' % name, 'account_key_src': '/k/%s' % name},
            'ca_definition': {'name': name}}


def params(*fallback, **extra):
    first = definition('le')
    return dict(first, fallback=[definition(n) for n in fallback], account_key_src='/task.key', **extra)


def chain_with(outcomes, **extra):
    """A chain le → zerossl → gts whose runs answer ``outcomes[name]`` (an exception or a result); → (chain, calls)."""
    calls = []

    def enroll_one(run, spec):
        calls.append(run.name)
        outcome = outcomes[run.name]
        if isinstance(outcome, Exception):
            raise outcome
        return dict(outcome)
    return IssuerChain(params('zerossl', 'gts', **extra), False, Run), enroll_one, calls


def unreachable(name):
    return AcmeUnreachable('https://%s/dir' % name, 'connection refused', attempts=3)


def test_the_first_ca_instance_that_issues_is_named_with_those_passed_over():
    chain, enroll_one, calls = chain_with({'le': unreachable('le'),
                                           'zerossl': BudgetExceeded([{'limit': 'new_orders_per_3_hours',
                                                                       'message': '300 orders'}]),
                                           'gts': {'changed': True}})
    result = chain.enroll({}, enroll_one)
    assert calls == ['le', 'zerossl', 'gts']
    assert result['issuer_ca'] == 'gts' and result['ca_tried'] == ['le', 'zerossl', 'gts']
    assert [a['ca'] for a in result['fallback']] == ['le', 'zerossl']
    assert 'unreachable' in result['fallback'][0]['reason'] and '300 orders' in result['fallback'][1]['reason']
    assert result['fallback_note'].startswith('fallback from le: unreachable')


def test_an_unreachable_ca_instance_is_not_asked_again_for_the_next_certificate():
    chain, enroll_one, calls = chain_with({'le': unreachable('le'), 'zerossl': {'changed': True}, 'gts': {}})
    chain.enroll({}, enroll_one)
    second = chain.enroll({}, enroll_one)
    assert calls == ['le', 'zerossl', 'zerossl']
    assert second['fallback'][0]['ca'] == 'le' and second['issuer_ca'] == 'zerossl'


def test_a_validation_failure_stays_at_the_ca_that_failed():
    failure = AcmeValidationError([{'identifier': 'www.example.com', 'challenge': 'http-01', 'detail': '404'}])
    chain, enroll_one, calls = chain_with({'le': failure, 'zerossl': {'changed': True}, 'gts': {}})
    with pytest.raises(AcmeValidationError):
        chain.enroll({}, enroll_one)
    assert calls == ['le']


def test_a_validation_failure_after_a_fallback_names_the_ca_passed_over():
    failure = AcmeValidationError([{'identifier': 'www.example.com', 'challenge': 'http-01', 'detail': '404'}])
    chain, enroll_one, calls = chain_with({'le': unreachable('le'), 'zerossl': failure, 'gts': {}})
    with pytest.raises(AcmeValidationError) as raised:
        chain.enroll({}, enroll_one)
    assert calls == ['le', 'zerossl']
    assert 'after passing over (le: unreachable' in raised.value.msg


def test_every_ca_instance_failing_is_one_clear_error():
    chain, enroll_one, calls = chain_with({'le': unreachable('le'), 'zerossl': unreachable('zerossl'),
                                           'gts': unreachable('gts')})
    with pytest.raises(AcmeUnreachable) as raised:
        chain.enroll({}, enroll_one)
    assert calls == ['le', 'zerossl', 'gts']
    assert raised.value.msg.startswith('no CA instance of the fallback chain could issue: le: unreachable')
    assert 'gts: unreachable' in raised.value.msg


def test_a_ca_instance_that_cannot_start_is_passed_over():
    made = []

    def make_run(run_params, check_mode):
        made.append(run_params['ca_definition']['name'])
        if run_params['ca_definition']['name'] == 'le':
            raise unreachable('le')
        return Run(run_params, check_mode)
    chain = IssuerChain(params('zerossl'), False, make_run)
    result = chain.enroll({}, lambda run, spec: {'changed': True})
    assert made == ['le', 'zerossl'] and result['issuer_ca'] == 'zerossl'
    assert chain.outcome() == ([], ['warned by zerossl'])


def test_a_fallback_run_takes_its_own_definitions_and_key():
    chain, enroll_one, unused = chain_with({'le': unreachable('le'), 'zerossl': {'changed': True}, 'gts': {}})
    chain.enroll({}, enroll_one)
    second = chain.run_at(1).params
    assert second['connector_definition']['directory'] == 'https://zerossl/dir'
    assert second['account_key_src'] is None and second['ca'] is None
    assert chain._runs[0].params['account_key_src'] == '/task.key'  # the task's own, for the first
    assert chain.run_at(1).chain_directories == ['https://le/dir', 'https://zerossl/dir', 'https://gts/dir']


def test_without_fallback_the_task_behaves_as_before():
    chain = IssuerChain(definition('le'), False, Run)
    result = chain.enroll({}, lambda run, spec: {'changed': True})
    assert 'issuer_ca' not in result and 'fallback' not in result


@pytest.mark.parametrize('extra, words', [
    ({'step': 'order'}, 'step: auto'),
    ({'ca': {'policy': {}}, 'ca_definition': None}, 'needs ca_definition'),
])
def test_fallback_refuses_what_it_cannot_do(extra, words):
    with pytest.raises(AcmeInputError) as raised:
        IssuerChain(dict(params('zerossl'), **extra), False, Run)
    assert words in raised.value.msg


def test_names_of_the_chain_are_distinct():
    with pytest.raises(AcmeInputError):
        IssuerChain(params('le'), False, Run)


def test_sticky_starts_from_the_ca_instance_that_issued_the_certificate_in_use(pki, monkeypatch):
    leaf, unused = pki.leaf()
    monkeypatch.setattr(issuer_chain, 'authority_key_id', lambda cert: 'aki-of-zerossl')
    monkeypatch.setattr(Store, 'issuers', {'https://zerossl/dir': {'aki-of-zerossl'}})
    spec = {'current_certificate': pki.pem(leaf)}
    outcomes = {'le': {'changed': True}, 'zerossl': {'changed': True}, 'gts': {}}
    chain, enroll_one, calls = chain_with(outcomes, fallback_sticky=True)
    assert chain.enroll(spec, enroll_one)['issuer_ca'] == 'zerossl'
    chain, enroll_one, calls = chain_with(outcomes)
    assert chain.enroll(spec, enroll_one)['issuer_ca'] == 'le'  # not sticky: from the first again
    # a certificate in use that none of them issued: from the first; the result does not name an issuer
    chain, enroll_one, calls = chain_with(dict(outcomes, le={'changed': False, 'certificate': {}}), fallback_sticky=True)
    monkeypatch.setattr(Store, 'issuers', {})
    result = chain.enroll(spec, enroll_one)
    assert calls == ['le'] and result['issuer_ca'] is None


def test_a_certificate_current_is_named_by_its_issuer(pki, monkeypatch):
    leaf, unused = pki.leaf()
    monkeypatch.setattr(issuer_chain, 'authority_key_id', lambda cert: 'aki-of-gts')
    monkeypatch.setattr(Store, 'issuers', {'https://gts/dir': {'aki-of-gts'}})
    chain, enroll_one, calls = chain_with({'le': {'changed': False, 'certificate': {'serial': '1'}}, 'zerossl': {},
                                           'gts': {}})
    result = chain.enroll({'current_certificate': pki.pem(leaf)}, enroll_one)
    assert calls == ['le'] and result['issuer_ca'] == 'gts' and 'fallback' not in result
