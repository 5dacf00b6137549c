# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.checks import CheckResult, wait_for


def test_wait_for_returns_as_soon_as_ok(fake_clock):
    fake = fake_clock
    fake.now = 1000.0
    results = iter([CheckResult(False, 'not yet', 'u')] * 3 + [CheckResult(True, 'there', 'u')])
    result = wait_for(lambda: next(results), 60, sleep=fake.sleep, clock=fake.clock)
    assert result == CheckResult(True, 'there', 'u')
    assert fake.sleeps == [0.1, 0.2, 0.4]


def test_wait_for_grows_caps_and_stops_at_the_deadline(fake_clock):
    fake = fake_clock
    fake.now = 1000.0
    calls = []

    def check():
        calls.append(fake.now)
        return CheckResult(False, 'attempt %d' % len(calls), 'u')

    result = wait_for(check, 10, first_interval=0.5, max_interval=2.0, sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == [0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 0.5]  # the last one ends at the deadline
    assert fake.now == 1010.0
    assert result.detail == 'attempt %d' % len(calls) and len(calls) == 8


def test_wait_for_checks_once_even_without_time(fake_clock):
    fake = fake_clock
    result = wait_for(lambda: CheckResult(False, 'no', 'u'), 0, sleep=fake.sleep, clock=fake.clock)
    assert result.detail == 'no' and fake.sleeps == []
