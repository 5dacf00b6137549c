# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OrderClient.finalize: the CSR goes out on the order held; orderNotReady, resumed orders."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.order import OrderClient
from ansible_collections.sslclm.acme.plugins.module_utils.acme.polling import Poller

ORDER = 'https://ca.test/order/1'
FINALIZE = 'https://ca.test/order/1/finalize'
CERT = 'https://ca.test/cert/1'
NOT_READY = AcmeProblem('urn:ietf:params:acme:error:orderNotReady', 'Order\'s status ("pending") was not ready',
                        status=403)


class Answer:
    def __init__(self, document, headers=None):
        self.document = document
        self.headers = headers or {}

    def json(self):
        return self.document


class Session:
    """Scripted answers per (kind, url), in order; every request logged."""

    def __init__(self, **script):
        self.script = dict((key, list(value)) for key, value in script.items())
        self.log = []

    def _answer(self, key):
        self.log.append(key)
        answer = self.script[key].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Answer(answer)

    def post(self, url, payload):
        assert url == FINALIZE and set(payload) == {'csr'}
        return self._answer('finalize')

    def post_as_get(self, url):
        assert url == ORDER
        return self._answer('order')


def order(status, **extra):
    return dict({'status': status, 'url': ORDER, 'finalize': FINALIZE}, **extra)


@pytest.fixture
def client(fake_clock):
    return lambda session: (OrderClient(session, poller=Poller(clock=fake_clock.clock, sleep=fake_clock.sleep)),
                            fake_clock)


def test_finalizes_the_order_held_without_fetching_it_first(client):
    session = Session(finalize=[order('processing')], order=[order('valid', certificate=CERT)])
    orders, clock = client(session)
    done = orders.finalize(order('pending'), b'csr', 60)
    assert done['status'] == 'valid' and done['certificate'] == CERT
    assert session.log == ['finalize', 'order']
    assert clock.sleeps == [0.05]  # the first look waits the expected issuance time


def test_a_synchronous_ca_needs_no_poll(client):
    session = Session(finalize=[order('valid', certificate=CERT)])
    orders, unused_clock = client(session)
    assert orders.finalize(order('ready'), b'csr', 60)['certificate'] == CERT
    assert session.log == ['finalize']


def test_order_not_ready_waits_for_ready_and_finalizes_once_more(client):
    session = Session(finalize=[NOT_READY, order('processing')],
                      order=[order('pending'), order('ready'), order('valid', certificate=CERT)])
    orders, unused_clock = client(session)
    assert orders.finalize(order('pending'), b'csr', 60)['certificate'] == CERT
    assert session.log == ['finalize', 'order', 'order', 'finalize', 'order']


@pytest.mark.parametrize('meanwhile', ['processing', 'valid'])
def test_order_not_ready_on_an_order_finalized_meanwhile_sends_no_second_csr(meanwhile, client):
    session = Session(finalize=[NOT_READY], order=[order(meanwhile, certificate=CERT), order('valid', certificate=CERT)])
    orders, unused_clock = client(session)
    assert orders.finalize(order('ready'), b'csr', 60)['certificate'] == CERT
    assert session.log.count('finalize') == 1


def test_order_not_ready_twice_is_an_error(client):
    session = Session(finalize=[NOT_READY, NOT_READY], order=[order('ready')])
    orders, unused_clock = client(session)
    with pytest.raises(AcmeProblem, match='Finalizing the order .* failed.*orderNotReady'):
        orders.finalize(order('pending'), b'csr', 60)
    assert session.log == ['finalize', 'order', 'finalize']


def test_order_not_ready_on_an_invalid_order_says_so(client):
    session = Session(finalize=[NOT_READY], order=[order('invalid')])
    orders, unused_clock = client(session)
    with pytest.raises(AcmeError, match='is invalid, not ready to finalize .*orderNotReady'):
        orders.finalize(order('pending'), b'csr', 60)


def test_an_order_that_stays_pending_gives_up_at_the_deadline(client):
    session = Session(finalize=[NOT_READY], order=[order('pending')] * 100)
    orders, clock = client(session)
    with pytest.raises(AcmeError, match='is pending, not ready to finalize after 10s'):
        orders.finalize(order('pending'), b'csr', 10)
    assert clock.now == pytest.approx(10)


def test_other_problems_are_not_retried(client):
    bad_csr = AcmeProblem('urn:ietf:params:acme:error:badCSR', 'key too small', status=400)
    session = Session(finalize=[bad_csr])
    orders, unused_clock = client(session)
    with pytest.raises(AcmeProblem, match='Finalizing the order https://ca.test/order/1 failed.*badCSR'):
        orders.finalize(order('ready'), b'csr', 60)
    assert session.log == ['finalize']


def test_resumed_orders_keep_their_state(client):
    session = Session(order=[order('processing'), order('valid', certificate=CERT)])
    orders, clock = client(session)
    assert orders.finalize(order('processing'), b'csr', 60)['certificate'] == CERT
    assert session.log == ['order', 'order'] and clock.sleeps == [0.05]  # looked at at once, then after a while
    session = Session()
    orders, unused_clock = client(session)
    assert orders.finalize(order('valid', certificate=CERT), b'csr', 60)['certificate'] == CERT
    assert session.log == []


def test_an_invalid_answer_to_finalize_is_an_error_without_polling(client):
    session = Session(finalize=[order('invalid')])
    orders, unused_clock = client(session)
    with pytest.raises(AcmeError, match='is invalid after finalization'):
        orders.finalize(order('ready'), b'csr', 60)
    assert session.log == ['finalize']
