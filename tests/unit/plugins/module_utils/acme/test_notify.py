# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One notification on every channel: check mode, partial failures, nothing to say."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.notify import run
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

NOW = datetime.datetime(2026, 11, 28, 12, 0, 0, tzinfo=datetime.timezone.utc)
FAILED = {'name': 'www', 'status': 'failed', 'msg': 'boom', 'not_after': '2027-01-01T00:00:00Z'}
CURRENT = {'name': 'api', 'status': 'current', 'not_after': '2027-01-01T00:00:00Z', 'renew_at': '2026-12-02T00:00:00Z'}


def params(**extra):
    base = {'entries': [FAILED, CURRENT], 'days_before_expiry': 14, 'on_success': False, 'origin': 'ctl',
            'webhook': {'url': 'https://hooks.example.com/x'},
            'smtp': {'host': 'smtp.example.com', 'sender': 'a@example.com', 'to': ['b@example.com'], 'security': 'starttls'}}
    base.update(extra)
    return base


class Senders(dict):
    def __init__(self, fail=()):
        super(Senders, self).__init__(webhook=self.webhook, smtp=self.smtp)
        self.fail, self.calls = fail, []

    def webhook(self, document, options, event):
        self.calls.append(('webhook', event))
        if 'webhook' in self.fail:
            raise AcmeError('webhook https://hooks.example.com/x answered HTTP 500 (4 attempts): oops')
        return {'url': options['url'], 'status': 200, 'attempts': 1}

    def smtp(self, document, options, now):
        self.calls.append(('smtp', document['subject']))
        if 'smtp' in self.fail:
            raise AcmeError('SMTP server smtp.example.com:587 refused the login of x: 535')
        return {'server': 'smtp.example.com:587', 'recipients': options['to'], 'refused': []}


def test_sends_on_both_channels():
    senders = Senders()
    result = run(params(), now=NOW, senders=senders)
    assert result['changed'] and result['sent'] == ['webhook', 'smtp']
    assert senders.calls == [('webhook', 'failed'), ('smtp', '[sslclm.acme] certificates 1 failed: www')]
    assert result['failed_names'] == ['www'] and result['expiring_names'] == []


def test_check_mode_sends_nothing():
    senders = Senders()
    result = run(params(), check_mode=True, now=NOW, senders=senders)
    assert senders.calls == [] and result['sent'] == []
    assert result['changed'] and result['msg'].startswith('would notify webhook and smtp: ')


def test_nothing_to_notify_changes_nothing():
    senders = Senders()
    result = run(params(entries=[CURRENT]), now=NOW, senders=senders)
    assert senders.calls == [] and not result['changed'] and not result['notified']


def test_one_channel_failing_does_not_stop_the_other():
    senders = Senders(fail=('webhook',))
    result = run(params(), now=NOW, senders=senders)
    assert [c[0] for c in senders.calls] == ['webhook', 'smtp']
    assert result['failed'] and result['changed'] and result['sent'] == ['smtp']
    assert result['msg'] == ('notification not sent: webhook https://hooks.example.com/x answered HTTP 500 '
                             '(4 attempts): oops (sent by smtp)')


def test_channel_options_are_checked_before_anything_is_sent():
    senders = Senders()
    with pytest.raises(AcmeInputError):
        run(params(smtp={'host': 'smtp.example.com', 'sender': 'nobody', 'to': ['b@example.com']}), now=NOW, senders=senders)
    assert senders.calls == []


@pytest.mark.parametrize('change', [{'webhook': None, 'smtp': None}, {'entries': [{'name': 'x', 'status': 'odd'}]},
                                    {'days_before_expiry': -1}])
def test_bad_input(change):
    with pytest.raises(AcmeInputError):
        run(params(**change), now=NOW, senders=Senders())
