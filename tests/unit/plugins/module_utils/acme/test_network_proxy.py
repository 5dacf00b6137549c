# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AcmeNetwork through a proxy that refuses the CONNECT: credentials refused are final (one attempt), a proxy that
cannot reach the CA is an unreachable CA (retried), a proxy that is not there is named. A local stand-in answers
CONNECT with a scripted status; a real proxy (tinyproxy) is the acme_proxy integration target's."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import threading

import pytest

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeUnreachable
from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import RetryPolicy
from ansible_collections.sslclm.acme.plugins.module_utils.proxy import Proxy, ProxyFailure

pytest.importorskip('acme')

from ansible_collections.sslclm.acme.plugins.module_utils.acme.network import AcmeNetwork  # noqa: E402

PASSWORD = 'pr0xy-Secret-value'


class ConnectRefuser(BaseHTTPRequestHandler):
    status = 407
    seen = []

    def do_CONNECT(self):  # pylint: disable=invalid-name
        self.seen.append((self.path, self.headers.get('Proxy-Authorization')))
        self.send_response(self.status)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def refuser():
    ConnectRefuser.seen = []
    server = ThreadingHTTPServer(('127.0.0.1', 0), ConnectRefuser)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def network(port):
    proxy = Proxy('http://acme:%s@127.0.0.1:%d' % (PASSWORD, port))
    return AcmeNetwork(timeout=5, policy=RetryPolicy(attempts=3), sleep=lambda seconds: None, proxy=proxy)


@pytest.mark.parametrize('status', [407, 401, 403])
def test_a_refused_connect_is_final_and_names_the_proxy_only(refuser, status):
    ConnectRefuser.status = status
    port = refuser.server_address[1]
    with pytest.raises(ProxyFailure) as failure:
        network(port).get('https://ca.example:14000/dir')
    assert len(ConnectRefuser.seen) == 1
    assert ConnectRefuser.seen[0][0] == 'ca.example:14000'
    assert ConnectRefuser.seen[0][1].startswith('Basic ')  # the credentials of the URL went to the proxy
    assert failure.value.msg.startswith('The proxy http://127.0.0.1:%d (proxy) refused the ' % port)
    assert PASSWORD not in str(failure.value.to_result())


def test_a_proxy_that_cannot_reach_the_ca_is_an_unreachable_ca_after_retries(refuser):
    ConnectRefuser.status = 502
    port = refuser.server_address[1]
    with pytest.raises(AcmeUnreachable) as failure:
        network(port).get('https://ca.example:14000/dir')
    assert len(ConnectRefuser.seen) == 3
    assert 'the proxy http://127.0.0.1:%d answered CONNECT with HTTP 502' % port in failure.value.msg


def test_a_proxy_that_is_not_there_is_named():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(ProxyFailure) as failure:
        network(port).get('https://ca.example:14000/dir')
    assert 'The proxy http://127.0.0.1:%d (proxy) could not be reached' % port in failure.value.msg
    assert PASSWORD not in failure.value.msg


def test_the_option_wins_over_https_proxy_of_the_environment(refuser, monkeypatch):
    """requests lets the environment's proxies override a session's: the option goes with every request instead."""
    ConnectRefuser.status = 407
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        elsewhere = probe.getsockname()[1]  # an environment proxy nothing listens on
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:%d' % elsewhere)
    with pytest.raises(ProxyFailure) as failure:
        network(refuser.server_address[1]).get('https://ca.example:14000/dir')
    assert [path for path, unused in ConnectRefuser.seen] == ['ca.example:14000']  # the option's proxy was asked
    assert 'refused the credentials' in failure.value.msg


def _closed_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]  # closed again: nothing listens there


def test_without_the_option_the_environment_proxy_carries_every_request(refuser, monkeypatch):
    """The session does not read the environment itself (trust_env off, for speed): the network reads HTTPS_PROXY
    once per CA host, and every request of that host still goes through it."""
    ConnectRefuser.status = 502
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:%d' % refuser.server_address[1])
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    net = AcmeNetwork(timeout=5, policy=RetryPolicy(attempts=2), sleep=lambda seconds: None)
    assert net.session.trust_env is False
    for unused in range(2):
        with pytest.raises(AcmeUnreachable):
            net.get('https://ca.example:14000/dir')
    assert [path for path, unused in ConnectRefuser.seen] == ['ca.example:14000'] * 4  # 2 requests, 2 attempts each


def test_no_proxy_naming_the_ca_host_goes_direct(refuser, monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:%d' % refuser.server_address[1])
    monkeypatch.setenv('NO_PROXY', '127.0.0.1')
    port = _closed_port()
    with pytest.raises(AcmeUnreachable) as failure:
        AcmeNetwork(timeout=5, policy=RetryPolicy(attempts=1), sleep=lambda seconds: None).get(
            'https://127.0.0.1:%d/dir' % port)
    assert ConnectRefuser.seen == []
    assert '127.0.0.1:%d' % port in failure.value.msg


def test_the_environment_ca_bundle_applies_without_ca_bundle_only(monkeypatch, tmp_path):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(tmp_path / 'env-ca.pem'))
    assert AcmeNetwork().verify_ssl == str(tmp_path / 'env-ca.pem')
    assert AcmeNetwork(verify=str(tmp_path / 'ca.pem')).verify_ssl == str(tmp_path / 'ca.pem')
    assert AcmeNetwork(verify=False).verify_ssl is False
    monkeypatch.delenv('REQUESTS_CA_BUNDLE')
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    assert AcmeNetwork().verify_ssl is True


def test_cloudflare_goes_through_the_proxy_despite_no_proxy_and_refuses_an_https_proxy(refuser, monkeypatch):
    """urllib would go direct for a NO_PROXY host, and speaks plain HTTP to a proxy (an https:// one would carry the
    credentials in clear)."""
    from ansible_collections.sslclm.acme.plugins.module_utils.dns.cloudflare import proxied_opener
    from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
    ConnectRefuser.status = 407
    monkeypatch.setenv('NO_PROXY', 'api.example')
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:9')
    opener = proxied_opener(Proxy('http://acme:%s@127.0.0.1:%d' % (PASSWORD, refuser.server_address[1]), 'dns01.proxy'))
    with pytest.raises(Exception) as refused:
        opener('https://api.example:443/client/v4/zones', timeout=5)
    assert '407' in str(refused.value)
    assert [path for path, unused in ConnectRefuser.seen] == ['api.example:443']
    assert ConnectRefuser.seen[0][1].startswith('Basic ')
    with pytest.raises(AcmeInputError, match='http:// proxy only'):
        proxied_opener(Proxy('https://acme:%s@127.0.0.1:3129' % PASSWORD, 'dns01.proxy'))
