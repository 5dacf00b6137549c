# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Self-checks against tiny HTTP servers on 127.0.0.x (ephemeral ports, shut down after
every test). No DNS server is needed: IP identifiers, or a monkeypatched resolver."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import http.server
import socket
import threading

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme import self_check
from ansible_collections.sslclm.acme.plugins.module_utils.acme.self_check import check_dns01, check_http01
from ansible_collections.sslclm.acme.plugins.module_utils.checks import CheckResult
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed

TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA'
KEY_AUTH = TOKEN + '.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI'
PATH = '/.well-known/acme-challenge/' + TOKEN
GOOD, BAD = '127.0.0.41', '127.0.0.42'


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers from ``server.routes``: {path: (status, headers, body)}; anything else is a 404."""

    def do_GET(self):  # noqa: N802 (http.server naming)
        self.server.seen.append((self.path, self.headers.get('Host')))
        status, headers, body = self.server.routes.get(self.path, (404, {}, b'Not Found, go away'))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """Factory ``start(address, routes, port=0)``; every server is shut down after the test."""
    servers = []

    def start(address, routes, port=0):
        server = _Server((address, port), _Handler)
        server.routes = routes
        server.seen = []
        thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return server

    try:
        yield start
    finally:
        for server, thread in servers:
            server.shutdown()
            server.server_close()
            thread.join(5)


def _challenge(body=KEY_AUTH + '\r\n'):
    return {PATH: (200, {'Content-Type': 'text/plain'}, body.encode())}


def _free_port(*addresses):
    """A port that is free on every address (loopback addresses share no port space rules)."""
    for dummy in range(50):
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as probe:
                    probe.bind((address, port))
        except OSError:
            continue
        return port
    raise AssertionError('no common free port')


def _resolve_to(monkeypatch, addresses):
    monkeypatch.setattr(self_check, 'resolve_addresses', lambda name, nameservers=None, timeout=5: list(addresses))


# --------------------------------------------------------------------------- HTTP-01
def test_http01_ok_for_an_ip(http_server):
    server = http_server(GOOD, _challenge())
    port = server.server_address[1]
    result = check_http01(GOOD, TOKEN, KEY_AUTH, port=port, timeout=5)
    assert result.ok, result.detail
    assert GOOD in result.detail
    assert result.url == 'http://%s:%d%s' % (GOOD, port, PATH)
    assert server.seen == [(PATH, '%s:%d' % (GOOD, port))]


def test_http01_checks_every_address_and_names_the_bad_one(http_server, monkeypatch):
    port = _free_port(GOOD, BAD)
    good = http_server(GOOD, _challenge(), port)
    bad = http_server(BAD, _challenge('something else entirely ' * 10), port)
    _resolve_to(monkeypatch, [GOOD, BAD])
    result = check_http01('www.example.test', TOKEN, KEY_AUTH, port=port)
    assert not result.ok
    assert BAD in result.detail and GOOD not in result.detail
    assert "HTTP 200 but the body is 'something else entirely" in result.detail
    assert "...'" in result.detail and len(result.detail) < 300  # body cut at 100 characters
    assert result.url == 'http://www.example.test:%d%s' % (port, PATH)
    assert good.seen == bad.seen == [(PATH, 'www.example.test:%d' % port)]


def test_http01_ok_on_every_address(http_server, monkeypatch):
    port = _free_port(GOOD, BAD)
    http_server(GOOD, _challenge(), port)
    http_server(BAD, _challenge(KEY_AUTH), port)
    _resolve_to(monkeypatch, [GOOD, BAD])
    result = check_http01('www.example.test', TOKEN, KEY_AUTH, port=port)
    assert result.ok, result.detail
    assert GOOD in result.detail and BAD in result.detail


def test_http01_reports_status_and_redirects(http_server):
    server = http_server(GOOD, {})
    port = server.server_address[1]
    result = check_http01(GOOD, TOKEN, KEY_AUTH, port=port)
    assert not result.ok
    assert 'HTTP 404' in result.detail and "'Not Found, go away'" in result.detail and GOOD in result.detail
    server.routes[PATH] = (301, {'Location': 'https://elsewhere.test/x'}, b'')
    result = check_http01(GOOD, TOKEN, KEY_AUTH, port=port)
    assert not result.ok and 'redirect to https://elsewhere.test/x' in result.detail
    assert len(server.seen) == 2  # the redirect was not followed


def test_http01_connection_refused():
    port = _free_port(GOOD)
    result = check_http01(GOOD, TOKEN, KEY_AUTH, port=port, timeout=2)
    assert result == CheckResult(False, result.detail, 'http://%s:%d%s' % (GOOD, port, PATH))
    assert 'connection refused' in result.detail and GOOD in result.detail


def test_http01_timeout_is_reported():
    # A listener that never accepts: the request times out instead of hanging.
    with socket.socket() as silent:
        silent.bind((GOOD, 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        result = check_http01(GOOD, TOKEN, KEY_AUTH, port=port, timeout=0.5)
    assert not result.ok and 'timed out' in result.detail


def test_http01_lookup_problems_are_results(monkeypatch):
    def fail(name, nameservers=None, timeout=5):
        raise LookupFailed('A lookup of %s timed out after 5s' % name)

    monkeypatch.setattr(self_check, 'resolve_addresses', fail)
    result = check_http01('www.example.test', TOKEN, KEY_AUTH)
    assert not result.ok and 'cannot resolve www.example.test' in result.detail
    _resolve_to(monkeypatch, [])
    result = check_http01('www.example.test', TOKEN, KEY_AUTH)
    assert not result.ok and 'no A or AAAA record' in result.detail


def test_http01_rejects_a_token_that_is_not_base64url():
    with pytest.raises(ValueError):
        check_http01(GOOD, '../../etc/passwd', KEY_AUTH)


# --------------------------------------------------------------------------- DNS-01
def test_dns01_values(monkeypatch):
    answers = {'_acme-challenge.www.example.test': ['other', 'expected']}
    monkeypatch.setattr(self_check, 'txt_values', lambda name, nameservers, timeout: answers.get(name, []))
    assert check_dns01('_acme-challenge.www.example.test', 'expected').ok
    missing = check_dns01('_acme-challenge.www.example.test', 'nope', nameservers=['127.0.0.1:8053'])
    assert not missing.ok and "'other'" in missing.detail and '127.0.0.1:8053' in missing.detail
    empty = check_dns01('_acme-challenge.other.example.test', 'expected')
    assert not empty.ok and 'no value' in empty.detail
    assert empty.url == 'dns:_acme-challenge.other.example.test?type=TXT'


def test_dns01_lookup_failure_is_a_result(monkeypatch):
    def fail(name, nameservers, timeout):
        raise LookupFailed('no nameserver answered TXT %s' % name)

    monkeypatch.setattr(self_check, 'txt_values', fail)
    result = check_dns01('_acme-challenge.www.example.test', 'x')
    assert not result.ok and 'no nameserver answered' in result.detail
