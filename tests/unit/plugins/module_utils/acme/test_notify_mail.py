# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The e-mail channel's rules: no downgrade, no login in the clear, clear errors without the password.

The SMTP dialogue itself runs against a real server (aiosmtpd with STARTTLS and AUTH) in the renewal_notify target.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import smtplib

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme import notify_mail
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

NOW = datetime.datetime(2026, 11, 28, 12, 0, 0, tzinfo=datetime.timezone.utc)
DOCUMENT = {'subject': '[sslclm.acme] certificates 1 failed: www', 'text': 'FAILED www\n', 'severity': 'warning'}
OPTIONS = {'host': 'smtp.example.com', 'security': 'starttls', 'username': 'alerts', 'password': 'pa55word',
           'sender': 'ACME <acme@example.com>', 'to': ['ops@example.com', 'Oncall <oncall@example.com>']}


class FakeSMTP(object):
    """Records the dialogue; behaviour set on the class by each test."""
    offers_starttls = True
    login_error = None
    refused = {}
    sessions = []

    def __init__(self, host, port, timeout=None, context=None):
        self.calls = [('connect', host, port, context is not None)]
        FakeSMTP.sessions.append(self)

    def ehlo(self):
        self.calls.append(('ehlo',))

    def has_extn(self, name):
        return self.offers_starttls

    def starttls(self, context=None):
        self.calls.append(('starttls', context is not None))

    def login(self, user, password):
        self.calls.append(('login', user))
        if self.login_error is not None:
            raise self.login_error  # pylint: disable=raising-bad-type  # set by the test that wants it

    def send_message(self, message):
        self.calls.append(('send', message))
        return self.refused

    def close(self):
        self.calls.append(('close',))


@pytest.fixture
def smtp():
    FakeSMTP.offers_starttls, FakeSMTP.login_error, FakeSMTP.refused, FakeSMTP.sessions = True, None, {}, []
    return {'plain': FakeSMTP, 'tls': FakeSMTP}


def test_starttls_login_send(smtp):
    result = notify_mail.send(DOCUMENT, OPTIONS, NOW, factory=smtp)
    calls = FakeSMTP.sessions[0].calls
    assert [c[0] for c in calls] == ['connect', 'ehlo', 'starttls', 'ehlo', 'login', 'send', 'close']
    assert calls[0][1:3] == ('smtp.example.com', 587)
    assert result == {'server': 'smtp.example.com:587', 'recipients': ['ops@example.com', 'oncall@example.com'], 'refused': []}
    message = calls[5][1]
    assert message['Subject'] == DOCUMENT['subject']
    assert message['From'] == 'ACME <acme@example.com>'
    assert message['Message-ID'].endswith('@example.com>')
    assert message.get_content() == 'FAILED www\n'


def test_no_starttls_offered_is_an_error_not_a_downgrade(smtp):
    FakeSMTP.offers_starttls = False
    with pytest.raises(AcmeError) as info:
        notify_mail.send(DOCUMENT, OPTIONS, NOW, factory=smtp)
    assert 'does not offer STARTTLS' in info.value.msg
    assert [c[0] for c in FakeSMTP.sessions[0].calls] == ['connect', 'ehlo', 'close']


def test_implicit_tls_port(smtp):
    notify_mail.send(DOCUMENT, dict(OPTIONS, security='tls'), NOW, factory=smtp)
    assert FakeSMTP.sessions[0].calls[0] == ('connect', 'smtp.example.com', 465, True)


def test_login_in_the_clear_is_refused_before_connecting(smtp):
    with pytest.raises(AcmeInputError) as info:
        notify_mail.send(DOCUMENT, dict(OPTIONS, security='none'), NOW, factory=smtp)
    assert 'unencrypted' in info.value.msg and FakeSMTP.sessions == []


def test_refused_login_names_server_and_user_not_password(smtp):
    FakeSMTP.login_error = smtplib.SMTPAuthenticationError(535, b'5.7.8 Authentication credentials invalid')
    with pytest.raises(AcmeError) as info:
        notify_mail.send(DOCUMENT, OPTIONS, NOW, factory=smtp)
    assert info.value.msg == ('SMTP server smtp.example.com:587 refused the login of alerts: '
                              '535 5.7.8 Authentication credentials invalid')
    assert FakeSMTP.sessions[0].calls[-1] == ('close',)


def test_partly_refused_recipients_are_reported(smtp):
    FakeSMTP.refused = {'oncall@example.com': (550, b'no such user')}
    result = notify_mail.send(DOCUMENT, OPTIONS, NOW, factory=smtp)
    assert result['recipients'] == ['ops@example.com'] and result['refused'] == ['oncall@example.com']


def test_connection_error_is_clear():
    def refused(*args, **kwargs):
        raise ConnectionRefusedError(111, 'Connection refused')
    with pytest.raises(AcmeError) as info:
        notify_mail.send(DOCUMENT, OPTIONS, NOW, factory={'plain': refused, 'tls': refused})
    assert info.value.msg == 'SMTP server smtp.example.com:587: ConnectionRefusedError: [Errno 111] Connection refused'


@pytest.mark.parametrize('change', [{'sender': 'nobody'}, {'to': []}, {'to': ['ops@example.com\r\nBcc: x@example.com']},
                                    {'username': None}, {'host': ''}])
def test_bad_options_are_refused(change):
    with pytest.raises(AcmeInputError):
        notify_mail.check_options(dict(OPTIONS, **change))
