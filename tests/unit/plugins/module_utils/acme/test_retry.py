# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import RetryPolicy, parse_retry_after

NOW = datetime.datetime(2026, 11, 28, 12, 0, 0, tzinfo=datetime.timezone.utc)


def test_retry_after_seconds():
    assert parse_retry_after('120', now=NOW) == NOW + datetime.timedelta(seconds=120)


def test_retry_after_http_date():
    assert parse_retry_after('Sat, 28 Nov 2026 13:00:00 GMT', now=NOW) == NOW + datetime.timedelta(hours=1)


def test_retry_after_garbage_and_missing():
    assert parse_retry_after('soon', now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None
    assert parse_retry_after('\u00b2', now=NOW) is None  # '²'.isdigit() is True, int('²') raises
    assert parse_retry_after('-5', now=NOW) is None


def test_retry_after_is_capped():
    cap = NOW + datetime.timedelta(days=30)
    assert parse_retry_after('1' + '0' * 14, now=NOW) == cap  # 10**14 s overflows a timedelta
    assert parse_retry_after('Fri, 31 Dec 9999 23:59:59 GMT', now=NOW) == cap


def test_delay_grows_and_is_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=4)
    assert [policy.delay(n, now=NOW) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_delay_honours_retry_after_up_to_cap():
    policy = RetryPolicy(base_delay=0.5, max_delay=30)
    assert policy.delay(1, retry_after=NOW + datetime.timedelta(seconds=10), now=NOW) == 10
    assert policy.delay(1, retry_after=NOW + datetime.timedelta(hours=5), now=NOW) == 30
    assert policy.delay(1, retry_after=NOW - datetime.timedelta(seconds=10), now=NOW) == 0.5
