# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which certificates trigger a notification, and what it says."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.sslclm.acme.plugins.module_utils.acme.notify_message import build, is_expiring, select, subject

NOW = datetime.datetime(2026, 11, 28, 12, 0, 0, tzinfo=datetime.timezone.utc)


def at(days):
    return (NOW + datetime.timedelta(days=days)).strftime('%Y-%m-%dT%H:%M:%SZ')


def entry(name, status, expires_in=None, renew_in=None, **extra):
    result = {'name': name, 'ca': 'le', 'hosts': ['web1'], 'identifiers': [name + '.example.com'], 'status': status,
              'not_after': at(expires_in) if expires_in is not None else None,
              'renew_at': at(renew_in) if renew_in is not None else None}
    result.update(extra)
    return result


def test_healthy_run_gives_no_notification():
    entries = [entry('www', 'current', 60, 30), entry('api', 'renewed', 90, 60)]
    assert build(entries, 14, False, 'ctl', NOW) is None


def test_failed_is_always_reported():
    document = build([entry('www', 'failed', 60, -1, msg='Self-check failed'), entry('api', 'current', 60, 30)], 14, False, 'ctl', NOW)
    assert [i['name'] for i in document['failed']] == ['www']
    assert document['expiring'] == []
    assert document['severity'] == 'warning'
    assert 'Self-check failed' in document['text']
    assert document['subject'] == '[sslclm.acme] certificates 1 failed: www'


def test_expiring_and_not_renewed():
    overdue = entry('old', 'current', 5, -10)
    unknown = entry('legacy', 'current', 3)
    assert is_expiring(overdue, 14, NOW) and is_expiring(unknown, 14, NOW)
    document = build([overdue, unknown], 14, False, 'ctl', NOW)
    assert [i['name'] for i in document['expiring']] == ['legacy', 'old']
    assert document['severity'] == 'critical'
    assert document['subject'] == '[sslclm.acme] certificates 2 expiring within 14 days: legacy, old'
    assert document['expiring'][0]['days_left'] == 3.0


def test_on_schedule_short_lived_certificate_is_no_alarm():
    # a 6-day certificate renewed at half its lifetime: always within 14 days of expiry, never late
    assert not is_expiring(entry('short', 'current', 4, 1), 14, NOW)
    assert not is_expiring(entry('fresh', 'renewed', 6, 3), 14, NOW)
    assert not is_expiring(entry('far', 'current', 20, -1), 14, NOW)


def test_failed_and_expiring_is_in_both_lists_and_critical():
    document = build([entry('www', 'failed', 2, -28, msg='boom')], 14, False, 'ctl', NOW)
    assert [i['name'] for i in document['failed']] == ['www'] == [i['name'] for i in document['expiring']]
    assert document['severity'] == 'critical'
    assert 'RENEW IT NOW' in document['text']
    assert 'expiring' not in document['subject']  # named once, as failed


def test_expired_certificate_is_said_so():
    document = build([entry('gone', 'current', -1, -31)], 14, False, 'ctl', NOW)
    assert 'EXPIRED' in document['text']


def test_summary_only_with_on_success():
    entries = [entry('www', 'renewed', 90, 60), entry('api', 'issued', 90, 60), entry('db', 'current', 50, 20)]
    assert build(entries, 14, False, 'ctl', NOW) is None
    document = build(entries, 14, True, 'ctl', NOW)
    assert sorted(i['name'] for i in document['renewed']) == ['api', 'www']
    assert document['severity'] == 'info'
    assert document['subject'].startswith('[sslclm.acme] certificates 2 renewed: ')
    assert document['counts'] == {'failed': 0, 'renewed': 1, 'issued': 1, 'deployed': 0, 'current': 1, 'decommissioned': 0,
                                  'unmanaged': 0}


def test_subject_is_one_short_line():
    entries = [entry('n%d\r\nBcc: x@example.com' % i, 'failed', 30, -1) for i in range(8)]
    line = subject(select(entries, 14, False, NOW), 14)
    assert '\n' not in line and '\r' not in line
    assert line.endswith('and 3 more')


def test_text_has_no_control_characters():
    document = build([entry('www', 'failed', 30, -1, msg='bad\x1b[31m thing')], 14, False, 'ctl', NOW)
    assert '\x1b' not in document['text']


def test_fractional_threshold_and_unreadable_dates():
    assert is_expiring(entry('a', 'current', 0.4), 0.5, NOW)
    assert not is_expiring(dict(entry('b', 'current'), not_after='tomorrow'), 14, NOW)
