# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The webhook channel: a JSON POST, signed with HMAC-SHA256 when a secret is set, retried with back-off.

Connection errors, timeouts, 429 and 5xx answers are retried (``Retry-After`` honoured up to the policy's cap);
any other answer that is not 2xx fails at once. Messages name the URL without user information or query string.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import hmac
import json
import time
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit

from ansible.module_utils.urls import open_url

from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import RetryPolicy, parse_retry_after
from ansible_collections.sslclm.acme.plugins.module_utils.acme.version import USER_AGENT
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

SIGNATURE_HEADER = 'X-Sslclm-Signature'
RETRIED_STATUS = (429, 500, 502, 503, 504)
BODY_EXCERPT = 200


def sign(body, secret):
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the shared secret (GitHub's scheme)."""
    return 'sha256=' + hmac.new(secret.encode('utf-8'), body, hashlib.sha256).hexdigest()


def encode(document):
    """The body as sent and signed: compact, sorted keys, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')


def describe_url(url):
    """The URL for messages: no user information, no query string, no fragment (they may carry tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ''
    if ':' in host:
        host = '[%s]' % host
    netloc = host + (':%d' % parts.port if parts.port else '')
    return urlunsplit((parts.scheme, netloc, parts.path, '', ''))


def check_url(url):
    try:
        parts = urlsplit(url)
        parts.port  # pylint: disable=pointless-statement  # raises ValueError for a port out of range
    except ValueError as exc:
        raise AcmeInputError('webhook.url is not a usable URL: %s' % exc)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise AcmeInputError('webhook.url must be an http:// or https:// URL with a host, got %s' % describe_url(url))


def headers_for(body, options, event):
    headers = dict(options.get('headers') or {})
    headers.update({'Content-Type': 'application/json', 'User-Agent': USER_AGENT, 'X-Sslclm-Event': event})
    if options.get('secret'):
        headers[options.get('signature_header') or SIGNATURE_HEADER] = sign(body, options['secret'])
    return headers


def _excerpt(raw):
    text = raw.decode('utf-8', 'replace') if isinstance(raw, bytes) else str(raw or '')
    text = ' '.join(text.split())
    return text[:BODY_EXCERPT] + ('...' if len(text) > BODY_EXCERPT else '')


class Attempt(object):
    """The outcome of one POST: ``status`` (None when no answer came), ``retry_after``, ``detail``."""

    def __init__(self, status=None, retry_after=None, detail=''):
        self.status = status
        self.retry_after = retry_after
        self.detail = detail

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    @property
    def retriable(self):
        return self.status is None or self.status in RETRIED_STATUS


def post_once(url, body, headers, options, opener=open_url):
    try:
        response = opener(url, data=body, headers=headers, method='POST', timeout=options.get('timeout') or 10,
                          validate_certs=options.get('validate_certs', True), ca_path=options.get('ca_bundle'),
                          follow_redirects='none', http_agent=USER_AGENT)
        return Attempt(response.getcode(), detail=_excerpt(response.read()))
    except HTTPError as exc:
        raw = exc.read() if exc.fp is not None else b''
        return Attempt(exc.code, parse_retry_after(exc.headers.get('Retry-After') if exc.headers else None),
                       '%s %s' % (exc.reason, _excerpt(raw)))
    except Exception as exc:  # pylint: disable=broad-except  # open_url raises many types (URLError, ssl, socket)
        return Attempt(None, detail=str(getattr(exc, 'reason', None) or exc))


def send(document, options, event, opener=open_url, sleep=time.sleep):
    """POST ``document`` → {'url', 'status', 'attempts'}; raises ``AcmeError`` naming the URL and the answer."""
    url = options['url']
    check_url(url)
    body = encode(document)
    headers = headers_for(body, options, event)
    policy = RetryPolicy(attempts=options.get('attempts') or 4, base_delay=options.get('retry_delay', 1.0),
                         max_delay=options.get('max_delay') or 30.0)
    attempt, number = None, 0
    for number in range(1, policy.attempts + 1):
        attempt = post_once(url, body, headers, options, opener)
        if attempt.ok or not attempt.retriable:
            break
        if number < policy.attempts:
            sleep(policy.delay(number, attempt.retry_after))
    if attempt.ok:
        return {'url': describe_url(url), 'status': attempt.status, 'attempts': number}
    tries = '%d attempt%s' % (number, '' if number == 1 else 's')
    if attempt.status is None:
        raise AcmeError('webhook %s could not be reached (%s): %s' % (describe_url(url), tries, attempt.detail))
    raise AcmeError('webhook %s answered HTTP %s (%s): %s' % (describe_url(url), attempt.status, tries, attempt.detail.strip()))
