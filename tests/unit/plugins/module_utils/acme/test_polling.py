# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poller: the first look after the expected time, learnt; back-off, Retry-After and the deadline."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.polling import Poller


class Answer:
    def __init__(self, headers=None):
        self.headers = headers or {}


def work(clock, takes, headers=None):
    """fetch() of a job that is done ``takes`` seconds after the clock's start; looks are logged."""
    looks = []

    def fetch():
        looks.append(round(clock.now, 4))
        return ('done' if clock.now >= takes else 'pending'), Answer(headers)
    return fetch, looks


@pytest.fixture
def poller(fake_clock):
    return Poller(clock=fake_clock.clock, sleep=fake_clock.sleep), fake_clock


def test_a_plain_loop_looks_at_once_then_backs_off(poller):
    polls, clock = poller
    fetch, looks = work(clock, 1.0)
    assert polls.until(fetch, lambda v: v == 'done', 60) == ('done', True)
    assert looks == pytest.approx([0.0, 0.05, 0.08, 0.128, 0.2048, 0.3277, 0.5243, 0.8389, 1.3422], abs=1e-3)  # 0.05 s x 1.6^k


def test_the_first_look_after_the_answer_waits_the_expected_time(poller):
    polls, clock = poller
    fetch, looks = work(clock, 0.03)
    assert polls.until(fetch, lambda v: v == 'done', 60, settle='authz') == ('done', True)
    assert looks == [0.05]  # not at once: the CA was asked a moment ago


def test_it_learns_the_pace_of_a_fast_ca_and_of_a_slow_one(poller):
    polls, clock = poller
    for unused in range(40):  # a Pebble without sleeps: done within milliseconds
        clock.now = 0.0
        fetch, looks = work(clock, 0.005)
        polls.until(fetch, lambda v: v == 'done', 60, settle='authz')
        assert len(looks) == 1
    assert polls.expected('authz') == pytest.approx(0.005)  # the floor
    assert polls.expected('order') == 0.05  # each kind of work has its own pace
    looks_per_loop, first_waits = [], []
    for unused in range(60):  # now a CA that needs 2 s: the first look waits longer, at most twice as long each time
        clock.now = 0.0
        before = polls.expected('authz')
        fetch, looks = work(clock, 2.0)
        polls.until(fetch, lambda v: v == 'done', 60, settle='authz')
        assert polls.expected('authz') <= 2 * before
        looks_per_loop.append(len(looks))
        first_waits.append(looks[0])
    steady = looks_per_loop[10:]  # 0.02 s → 2 s takes 7 loops that look too early
    assert sum(steady) / len(steady) < 1.25  # a second look now and then: it probes whether the CA got faster
    assert 1.8 < sum(first_waits[10:]) / len(steady) < 2.6


def test_retry_after_of_the_answer_is_honoured_before_the_first_look(poller):
    polls, clock = poller
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    fetch, looks = work(clock, 0.0)
    answer = Answer({'Retry-After': later.strftime('%a, %d %b %Y %H:%M:%S GMT')})
    polls.until(fetch, lambda v: v == 'done', 60, settle='order', response=answer)
    assert 3.9 < looks[0] <= 5.0


def test_retry_after_between_looks_and_the_deadline(poller):
    polls, clock = poller
    fetch, looks = work(clock, 100.0, headers={'Retry-After': '2'})
    assert polls.until(fetch, lambda v: v == 'done', 7, settle='order') == ('pending', False)
    assert looks == pytest.approx([0.05, 2.05, 4.05, 6.05, 7.0], abs=0.01)  # Retry-After (2 s) wins over shorter gaps, the deadline over both
    assert clock.now == 7.0


def test_gaps_stop_growing_at_max_interval(poller):
    polls, clock = poller
    fetch, looks = work(clock, 1000.0)
    polls.until(fetch, lambda v: v == 'done', 30)
    gaps = [b - a for a, b in zip(looks, looks[1:])]
    assert max(gaps) == pytest.approx(3.0) and gaps[-2] == pytest.approx(3.0)
