# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that what the CA will fetch is really there, before a challenge is answered.

A challenge answered too early fails the whole authorization, and the CA counts the
failure against its rate limits; so HTTP-01, TLS-ALPN-01 and DNS-01 are first checked
the way the CA will check them, from here. Every address a name resolves to is tried:
the CA may pick any of them.

The checks never raise for network trouble; they return a ``CheckResult`` whose
``detail`` says which address failed and what it answered.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import http.client
import socket
import ssl
import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.tls_alpn import (
    ALPN_PROTOCOL,
    check_challenge_certificate,
    sni_for_identifier,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_check import check_visible as check_persist_visible
from ansible_collections.sslclm.acme.plugins.module_utils.checks import CheckResult, wait_for
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import (
    LookupFailed,
    ip_literal,
    resolve_addresses,
    txt_values,
)
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import checked_token

USER_AGENT = 'sslclm.acme-self-check'
_MAX_BODY = 8192


def _addresses_or_result(identifier, nameservers, timeout, url):
    """(addresses, None) or (None, failed CheckResult)."""
    try:
        addresses = resolve_addresses(identifier, nameservers=nameservers, timeout=timeout)
    except LookupFailed as exc:
        return None, CheckResult(False, 'cannot resolve %s: %s' % (identifier, exc), url)
    if not addresses:
        return None, CheckResult(False, '%s has no A or AAAA record' % identifier, url)
    return addresses, None


def _host_for_url(identifier):
    literal = ip_literal(identifier)
    if literal is not None and literal.version == 6:
        return '[%s]' % literal
    return identifier


def _describe_error(exc):
    if isinstance(exc, socket.timeout):
        return 'timed out'
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, ssl.SSLError):
        return 'TLS error: %s' % (exc.reason or exc)
    text = getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__
    return text


def _excerpt(body, limit=100):
    text = body.decode('utf-8', 'replace')
    text = ' '.join(text.split())
    return repr(text[:limit] + ('...' if len(text) > limit else ''))


def _summarize(failures, addresses, success):
    if failures:
        return False, '; '.join(failures)
    return True, '%s (checked %s)' % (success, ', '.join(addresses))


# --------------------------------------------------------------------------- HTTP-01
def check_http01(identifier, token, key_authorization, port=80, nameservers=None, timeout=5):
    """GET ``/.well-known/acme-challenge/TOKEN`` from every address of ``identifier``.

    No proxy (``http.client`` uses none), ``Host`` as the CA sends it, redirects are
    not followed but reported. ok when every address answers 200 with the key
    authorization (surrounding whitespace ignored, as CAs do).
    """
    checked_token(token)
    host = _host_for_url(identifier)
    authority = host if int(port) == 80 else '%s:%d' % (host, int(port))
    path = '/.well-known/acme-challenge/%s' % token
    url = 'http://%s%s' % (authority, path)
    addresses, failed = _addresses_or_result(identifier, nameservers, timeout, url)
    if failed:
        return failed
    failures = []
    for address in addresses:
        problem = _http01_problem(address, int(port), authority, path, key_authorization.strip(), timeout)
        if problem:
            failures.append('%s (%s port %d): %s' % (identifier, address, int(port), problem))
    ok, detail = _summarize(failures, addresses, '%s serves the key authorization' % url)
    return CheckResult(ok, detail, url)


def _http01_problem(address, port, authority, path, expected, timeout):
    """None when ``address`` serves ``expected``, else what went wrong."""
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request('GET', path, headers={'Host': authority, 'User-Agent': USER_AGENT,
                                                 'Accept': '*/*', 'Connection': 'close'})
        response = connection.getresponse()
        body = response.read(_MAX_BODY)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return _describe_error(exc)
    finally:
        connection.close()
    if 300 <= response.status < 400:
        return 'HTTP %d redirect to %s (the self-check does not follow redirects)' % (
            response.status, response.getheader('Location', 'nowhere'))
    if response.status != 200:
        return 'HTTP %d, body %s' % (response.status, _excerpt(body))
    if body.strip() != expected.encode('utf-8'):
        return 'HTTP 200 but the body is %s, not the key authorization' % _excerpt(body)
    return None


# --------------------------------------------------------------------------- TLS-ALPN-01
def check_tls_alpn01(identifier, key_authorization, port=443, nameservers=None, timeout=5):
    """Handshake with every address of ``identifier`` as the CA does (SNI, ALPN acme-tls/1,
    no verification) and check the challenge certificate it presents."""
    sni = sni_for_identifier(identifier)
    url = 'tls-alpn-01://%s:%d (SNI %s)' % (_host_for_url(identifier), int(port), sni)
    addresses, failed = _addresses_or_result(identifier, nameservers, timeout, url)
    if failed:
        return failed
    failures = []
    for address in addresses:
        problem = _tls_alpn01_problem(address, int(port), sni, identifier, key_authorization, timeout)
        if problem:
            failures.append('%s (%s port %d): %s' % (identifier, address, int(port), problem))
    ok, detail = _summarize(failures, addresses, '%s presents the challenge certificate' % url)
    return CheckResult(ok, detail, url)


def _tls_alpn01_problem(address, port, sni, identifier, key_authorization, timeout):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols([ALPN_PROTOCOL])
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=sni) as tls:
                protocol = tls.selected_alpn_protocol()
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as exc:
        return _describe_error(exc)
    if protocol != ALPN_PROTOCOL:
        return 'the server did not negotiate ALPN %s (got %s)' % (ALPN_PROTOCOL, protocol or 'none')
    if not der:
        return 'the server presented no certificate'
    ok, reason = check_challenge_certificate(der, identifier, key_authorization)
    return None if ok else reason


# --------------------------------------------------------------------------- DNS-01
def check_dns01(record_name, expected_value, nameservers=None, timeout=5):
    """TXT lookup of ``record_name``; ok when ``expected_value`` is among the values."""
    url = 'dns:%s?type=TXT' % record_name.rstrip('.')
    try:
        values = txt_values(record_name, nameservers, timeout)
    except LookupFailed as exc:
        return CheckResult(False, str(exc), url)
    where = ' at %s' % ', '.join(nameservers) if nameservers else ''
    if expected_value in values:
        return CheckResult(True, 'TXT %s holds the expected value%s' % (record_name, where), url)
    if not values:
        return CheckResult(False, 'TXT %s has no value%s' % (record_name, where), url)
    shown = ', '.join(repr(v[:100]) for v in values[:5]) + (' and %d more' % (len(values) - 5) if len(values) > 5 else '')
    return CheckResult(False, 'TXT %s%s holds %s, not the expected value' % (record_name, where, shown), url)


# --------------------------------------------------------------------------- the checks of a task
class SelfChecker:
    def __init__(self, options, clock=time.monotonic):
        options = options or {}
        self.enabled = options.get('enabled', True) is not False
        self.nameservers = options.get('nameservers') or None
        self.http_port = int(options.get('http_port') or 80)
        self.tls_port = int(options.get('tls_port') or 443)
        self.timeout = float(options.get('timeout') or 60)
        self.clock = clock

    def _check_for(self, item):
        if item['method'] == 'http-01':
            return lambda: check_http01(item['identifier'], item['token'], item['key_authorization'],
                                        port=self.http_port, nameservers=self.nameservers)
        if item['method'] == 'dns-01':
            return lambda: check_dns01(item['record_name'], item['txt_value'], nameservers=self.nameservers)
        if item['method'] == 'dns-persist-01':
            return lambda: check_persist_visible(item, nameservers=self.nameservers)
        return lambda: check_tls_alpn01(item['identifier'], item['key_authorization'], port=self.tls_port,
                                        nameservers=self.nameservers)

    def verify(self, pending):
        """Wait (within one shared deadline) until every challenge is visible; raise naming those that are not."""
        if not self.enabled or not pending:
            return
        deadline = self.clock() + self.timeout
        failures = []
        for item in pending:
            result = wait_for(self._check_for(item), max(0.0, deadline - self.clock()))
            if not result.ok:
                failures.append('%s (%s): %s' % (item['identifier'], item['method'], result.detail))
        if failures:
            raise AcmeError(
                'Self-check failed before answering the CA: %s' % '; '.join(failures),
                hint='Nothing was sent to the CA for these challenges, so no failed validation counts against its '
                     'rate limits. Fix the publishing (web root, DNS, responder), or set self_check.enabled: false '
                     'if the CA can see what this controller cannot')
