# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP + JWS transport on top of ``acme.client.ClientNetwork``.

What this adds to the library:

* bounded retries: ``badNonce`` (the library retries once; two in a row happen),
  connection errors and 5xx answers with back-off, ``Retry-After`` honoured up to a cap;
* the ``Replay-Nonce`` of *error* answers is kept too, so a retry costs no extra
  newNonce request;
* every problem document becomes an ``AcmeProblem`` carrying the HTTP status and
  ``Retry-After`` (``rateLimited`` becomes ``AcmeRateLimited`` and is never slept on);
* a payload of ``{}`` is sent as ``{}``: the library treats any falsy object as a
  POST-as-GET, which makes challenge answers silently do nothing;
* the signing algorithm follows the key type, and the account URL (``kid``) is an
  attribute we set, not a registration object; the JWS is built directly (``jws.py``), not
  through josepy's typed fields (a third of the CPU);
* an explicit ``proxy`` (``proxy.Proxy``) carries every request; a proxy that refuses the
  connection or the credentials is a ``ProxyFailure`` naming it (never its credentials).
  Without it, HTTPS_PROXY / HTTP_PROXY / NO_PROXY of the environment apply, as ``requests`` reads them - but read
  once per CA host, not for every request: the session does not consult the environment itself (``trust_env``
  off), which took a third of the CPU ``requests`` spends on a request (the proxy variables, ``~/.netrc``).
  REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE still apply when no ``ca_bundle`` is given.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme import jws
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import (
    AcmeProblem,
    AcmeRateLimited,
    AcmeUnreachable,
    AcmeUntrusted,
    problem_from_document,
)
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.responses import json_object
from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import RetryPolicy, parse_retry_after
from ansible_collections.sslclm.acme.plugins.module_utils.acme.version import USER_AGENT
from ansible_collections.sslclm.acme.plugins.module_utils.proxy import tunnel_status

try:
    import requests
    from acme import client as acme_client
    from acme import errors as acme_errors
    from acme import messages as acme_messages
    _ClientNetworkBase = acme_client.ClientNetwork
except ImportError:  # reported by deps.ensure_deps()
    _ClientNetworkBase = object

JOSE_CONTENT_TYPE = 'application/jose+json'
# how a proxy refuses a CONNECT for good: credentials (401 from tinyproxy, 407), a port or host it forbids (403)
PROXY_REFUSALS = (401, 403, 407)


class AcmeNetwork(_ClientNetworkBase):
    """A ``ClientNetwork`` with the retries and error shapes sslclm.acme relies on."""

    def __init__(self, key=None, alg=None, verify=True, timeout=20, policy=None, sleep=time.sleep, proxy=None):
        if verify is True:  # what requests would take from the environment for every request
            verify = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True
        super(AcmeNetwork, self).__init__(key=key, alg=alg, verify_ssl=verify,
                                          user_agent=USER_AGENT, timeout=timeout)
        self.proxy = proxy
        self._environment_proxies = {}  # (scheme, host) -> the environment's proxies for it
        self.session.trust_env = False  # the environment is read here, once per CA host (see _proxies_for)
        self.account_uri = None
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self.request_count = 0
        # requests sent again, by cause: what a run reports (a CA rejecting nonces or failing is visible)
        self.retries = {'badNonce': 0, 'server_error': 0, 'connection': 0}

    # -- signing ---------------------------------------------------------
    def _wrap_in_jws(self, obj, nonce, url):
        if obj is None:
            payload = b''  # POST-as-GET
        elif isinstance(obj, dict):
            payload = json.dumps(obj).encode('utf-8')
        else:
            payload = obj.json_dumps().encode('utf-8')
        return jws.sign(payload, self.key, self.alg, url, nonce=nonce, kid=self.account_uri)

    # -- transport -------------------------------------------------------
    def _send_request(self, method, url, *args, **kwargs):
        """Send one HTTP request, retrying connection failures and (for GET/HEAD) 5xx."""
        attempt = 0
        while True:
            attempt += 1
            kwargs['proxies'] = self._proxies_for(url)
            try:
                self.request_count += 1
                response = super(AcmeNetwork, self)._send_request(method, url, *args, **kwargs)
            except requests.exceptions.RequestException as exc:
                refusal = tunnel_status(exc) if self.proxy is not None else None
                if refusal in PROXY_REFUSALS:
                    raise self.proxy.failure(str(exc), url)  # the proxy said no: asking again changes nothing
                # A POST that may have reached the server is not re-sent blindly; a certificate nobody trusts
                # stays untrusted however often it is asked.
                retriable = method != 'POST' or isinstance(exc, requests.exceptions.ConnectionError) \
                    and not isinstance(exc, requests.exceptions.ReadTimeout)
                if _untrusted_certificate(exc):
                    raise AcmeUntrusted(url, _describe_exception(exc))
                if retriable and attempt < self.policy.attempts:
                    self.retries['connection'] += 1
                    self._sleep(self.policy.delay(attempt))
                    continue
                if refusal is not None:  # the proxy runs but did not get through to the CA (HTTP 502, 503...)
                    raise AcmeUnreachable(url, 'the proxy %s answered CONNECT with HTTP %s' % (self.proxy.label, refusal),
                                          attempts=attempt)
                if self.proxy is not None and isinstance(exc, requests.exceptions.ProxyError):
                    raise self.proxy.failure(_describe_exception(exc), url)
                raise AcmeUnreachable(url, self._scrub(_describe_exception(exc)), attempts=attempt)
            if self.proxy is not None and response.status_code == 407:  # plain-HTTP CA: the proxy's own answer
                raise self.proxy.failure('HTTP 407 %s' % (response.reason or ''), url)
            if method != 'POST' and response.status_code >= 500 and attempt < self.policy.attempts:
                self.retries['server_error'] += 1
                self._sleep(self.policy.delay(attempt, parse_retry_after(response.headers.get('Retry-After'))))
                continue
            return response

    def _proxies_for(self, url):
        """The proxies of a request to ``url``: the ``proxy`` option's, else the environment's for its host
        (HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, none when NO_PROXY names the host), read once per host."""
        if self.proxy is not None:
            return self.proxy.mapping()
        target = requests.utils.urlparse(url)
        key = (target.scheme, target.netloc)
        if key not in self._environment_proxies:
            self._environment_proxies[key] = requests.utils.get_environ_proxies(url)
        return self._environment_proxies[key]

    def _scrub(self, text):
        return self.proxy.scrub(text) if self.proxy is not None else text

    def _check_response(self, response, content_type=None):
        try:
            return super(AcmeNetwork, self)._check_response(response, content_type=content_type)
        except acme_errors.ConflictError:
            # The library raises ConflictError for every HTTP 409 before reading the body; RFC 9773's
            # alreadyReplaced (HTTP 409 at Let's Encrypt, "conflict" before 2025) is a problem document.
            self._keep_nonce(response)
            document = json_object(response) or {'type': 'about:blank', 'detail': _body_excerpt(response)}
            raise problem_from_document(document, status=response.status_code, url=response.url,
                                        retry_after=parse_retry_after(response.headers.get('Retry-After')))
        except acme_messages.Error as error:
            self._keep_nonce(response)
            raise problem_from_document(json_object(response) or {'type': error.typ, 'detail': error.detail},
                                        status=response.status_code, url=response.url,
                                        retry_after=parse_retry_after(response.headers.get('Retry-After')))
        except acme_errors.ClientError:
            self._keep_nonce(response)
            if response.ok:
                raise AcmeError('Unexpected answer from %s: HTTP %s with Content-Type %s where JSON was expected'
                                % (response.url, response.status_code, response.headers.get('Content-Type', 'none')))
            document = {'type': 'about:blank', 'detail': _body_excerpt(response)}
            raise problem_from_document(document, status=response.status_code, url=response.url,
                                        retry_after=parse_retry_after(response.headers.get('Retry-After')))

    def _keep_nonce(self, response):
        if self.REPLAY_NONCE_HEADER in response.headers:
            try:
                self._add_nonce(response)
            except acme_errors.BadNonce:
                pass

    def post(self, url, obj, content_type=JOSE_CONTENT_TYPE, **kwargs):
        """Signed POST with bounded retries on badNonce and server errors."""
        nonce_failures = 0
        server_failures = 0
        while True:
            try:
                return self._post_once(url, obj, content_type=content_type, **dict(kwargs))
            except AcmeRateLimited:
                raise
            except AcmeProblem as problem:
                if problem.code == 'badNonce' and nonce_failures + 1 < self.policy.nonce_attempts:
                    nonce_failures += 1
                    self.retries['badNonce'] += 1
                    continue
                if (problem.status or 0) >= 500 and server_failures + 1 < self.policy.attempts:
                    server_failures += 1
                    self.retries['server_error'] += 1
                    self._sleep(self.policy.delay(server_failures, problem.retry_after))
                    continue
                raise

    def post_as_get(self, url, **kwargs):
        return self.post(url, None, **kwargs)


def _untrusted_certificate(exc):
    return isinstance(exc, requests.exceptions.SSLError) and 'CERTIFICATE_VERIFY_FAILED' in str(exc)


def _describe_exception(exc):
    text = str(exc)
    # urllib3 wraps the root cause in several layers of repr(); the errno line is what users need.
    root = re.search(r'\[Errno -?\d+\] [^\'"()]+', text)
    if root:
        text = root.group(0).strip()
    if isinstance(exc, requests.exceptions.SSLError):
        return 'TLS error (%s)' % text
    if isinstance(exc, requests.exceptions.Timeout):
        return 'timed out (%s)' % text
    return text


def _body_excerpt(response, limit=300):
    try:
        text = response.text or ''
    except Exception:  # pylint: disable=broad-except
        text = ''
    text = ' '.join(text.split())
    return text[:limit] if text else 'HTTP %s with no problem document' % response.status_code
