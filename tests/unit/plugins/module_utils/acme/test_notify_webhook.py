# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signing and the retry policy of the webhook channel (the integration target posts to a real receiver)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import hmac
import io
import json
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme import notify_webhook
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

DOCUMENT = {'subject': 'x', 'text': 'caf\u00e9', 'failed': []}
OPTIONS = {'url': 'https://user:pw@hooks.example.com:8443/a/b?token=t0k3n', 'secret': 's3cret', 'attempts': 3,
           'retry_delay': 0.5}


class Response(object):
    def __init__(self, status, body=b'ok'):
        self.status, self.body = status, body

    def getcode(self):
        return self.status

    def read(self):
        return self.body


def http_error(status, body=b'', headers=None):
    return HTTPError('https://hooks.example.com', status, 'Reason %d' % status, headers or {}, io.BytesIO(body))


class Opener(object):
    """Answers from a script: an int is a status, an exception is raised."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def __call__(self, url, **kwargs):
        self.calls.append(dict(kwargs, url=url))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if step >= 400:
            raise http_error(step, b'{"error": "nope"}')
        return Response(step)


def test_signature_is_hmac_sha256_of_the_exact_body():
    body = notify_webhook.encode(DOCUMENT)
    assert json.loads(body.decode('utf-8')) == DOCUMENT
    expected = hmac.new(b's3cret', body, hashlib.sha256).hexdigest()
    assert notify_webhook.sign(body, 's3cret') == 'sha256=' + expected


def test_post_sends_signed_json():
    opener = Opener(204)
    result = notify_webhook.send(DOCUMENT, OPTIONS, 'failed', opener=opener, sleep=lambda s: None)
    call = opener.calls[0]
    assert result == {'url': 'https://hooks.example.com:8443/a/b', 'status': 204, 'attempts': 1}
    assert call['method'] == 'POST' and call['url'] == OPTIONS['url']
    assert call['headers']['Content-Type'] == 'application/json'
    assert call['headers']['X-Sslclm-Event'] == 'failed'
    assert call['headers']['X-Sslclm-Signature'] == notify_webhook.sign(call['data'], 's3cret')
    assert call['follow_redirects'] == 'none'


def test_no_secret_no_signature_and_custom_header():
    opener = Opener(200, 200)
    notify_webhook.send(DOCUMENT, {'url': 'http://h/x'}, 'renewed', opener=opener)
    assert not [h for h in opener.calls[0]['headers'] if 'Signature' in h]
    notify_webhook.send(DOCUMENT, dict(OPTIONS, signature_header='X-Hub-Signature-256'), 'renewed', opener=opener)
    assert opener.calls[1]['headers']['X-Hub-Signature-256'].startswith('sha256=')


def test_connection_errors_and_5xx_are_retried_with_growing_waits():
    waits = []
    opener = Opener(URLError(ConnectionRefusedError(111, 'Connection refused')), 503, 200)
    result = notify_webhook.send(DOCUMENT, OPTIONS, 'failed', opener=opener, sleep=waits.append)
    assert result['attempts'] == 3 and result['status'] == 200
    assert waits == [0.5, 1.0]
    assert len(set(c['headers']['X-Sslclm-Signature'] for c in opener.calls)) == 1


def test_retry_after_is_honoured_up_to_the_cap():
    waits = []
    opener = Opener(http_error(429, headers={'Retry-After': '7'}), 200)
    notify_webhook.send(DOCUMENT, OPTIONS, 'failed', opener=opener, sleep=waits.append)
    assert 6.0 < waits[0] <= 7.0
    opener = Opener(http_error(503, headers={'Retry-After': '3600'}), 200)
    waits = []
    notify_webhook.send(DOCUMENT, OPTIONS, 'failed', opener=opener, sleep=waits.append)
    assert waits == [30.0]


def test_client_error_fails_at_once_naming_url_and_status_not_the_token():
    opener = Opener(401, 200)
    with pytest.raises(AcmeError) as info:
        notify_webhook.send(DOCUMENT, OPTIONS, 'failed', opener=opener, sleep=lambda s: None)
    assert len(opener.calls) == 1
    msg = info.value.msg
    assert 'https://hooks.example.com:8443/a/b answered HTTP 401 (1 attempt)' in msg and 'nope' in msg
    assert 't0k3n' not in msg and 'pw' not in msg and 's3cret' not in msg


def test_unreachable_after_every_attempt():
    opener = Opener(*[URLError('Connection refused')] * 3)
    with pytest.raises(AcmeError) as info:
        notify_webhook.send(DOCUMENT, OPTIONS, 'failed', opener=opener, sleep=lambda s: None)
    assert info.value.msg == 'webhook https://hooks.example.com:8443/a/b could not be reached (3 attempts): Connection refused'


def test_persisting_5xx_names_the_last_answer():
    opener = Opener(500, 502, 503)
    with pytest.raises(AcmeError) as info:
        notify_webhook.send(DOCUMENT, OPTIONS, 'failed', opener=opener, sleep=lambda s: None)
    assert 'answered HTTP 503 (3 attempts)' in info.value.msg


@pytest.mark.parametrize('url', ['ftp://h/x', 'hooks.example.com/x', 'https:///x', 'http://h:99999/'])
def test_unusable_urls_are_refused_before_sending(url):
    with pytest.raises(AcmeInputError):
        notify_webhook.send(DOCUMENT, {'url': url}, 'failed', opener=Opener())
