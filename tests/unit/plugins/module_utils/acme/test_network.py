# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AcmeNetwork's retries against a scripted HTTP server on loopback (real sockets, no mocks of requests)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import ipaddress
import json
import threading

import pytest

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import (
    AcmeProblem,
    AcmeRateLimited,
    AcmeUnreachable,
    AcmeUntrusted,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.network import AcmeNetwork
from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import RetryPolicy
from ansible_collections.sslclm.acme.plugins.module_utils.keys import AccountKey, generate_private_key

pytest.importorskip('acme')

PROBLEM = 'urn:ietf:params:acme:error:'


class Script:
    """Answers per (method, path), in order; the last answer repeats."""

    def __init__(self):
        self.answers = {}
        self.log = []
        self.counter = 0

    def add(self, method, path, *answers):
        self.answers[(method, path)] = list(answers)

    def next_answer(self, method, path):
        queue = self.answers[(method, path)]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def nonce(self):
        self.counter += 1
        return base64.urlsafe_b64encode(b'nonce-%d' % self.counter).decode().rstrip('=')


def problem(code, status, **headers):
    return (status, dict({'Content-Type': 'application/problem+json'}, **headers),
            json.dumps({'type': PROBLEM + code, 'detail': code + ' detail'}))


OK = (200, {'Content-Type': 'application/json'}, json.dumps({'status': 'valid'}))


@pytest.fixture
def server():
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length) if length else b''
            script.log.append((self.command, self.path, body))
            status, headers, text = script.next_answer(self.command, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header('Replay-Nonce', script.nonce())
            data = text.encode()
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    script.base = 'http://127.0.0.1:%d' % httpd.server_address[1]
    script.add('HEAD', '/nonce', (200, {}, ''))
    yield script
    httpd.shutdown()
    httpd.server_close()


def network(sleeps, **policy):
    key = AccountKey(generate_private_key('ec256'))
    net = AcmeNetwork(key=key.jwk, alg=key.alg, verify=False, policy=RetryPolicy(**policy), sleep=sleeps.append)
    net.account_uri = 'http://127.0.0.1/acct/1'
    return net


def post(net, server, path, payload=None):
    return net.post(server.base + path, payload, new_nonce_url=server.base + '/nonce')


def test_get_retries_server_errors_honouring_retry_after(server):
    server.add('GET', '/dir', (503, {'Retry-After': '2'}, 'busy'), OK)
    sleeps = []
    response = network(sleeps).get(server.base + '/dir')
    assert response.status_code == 200
    assert len(sleeps) == 1 and 1.9 < sleeps[0] <= 2.0


def test_bad_nonce_is_retried_without_extra_nonce_requests(server):
    server.add('POST', '/order', problem('badNonce', 400), problem('badNonce', 400), problem('badNonce', 400), OK)
    sleeps = []
    response = post(network(sleeps), server, '/order', {'a': 1})
    assert response.status_code == 200
    methods = [entry[0] for entry in server.log]
    # one HEAD for the first nonce; each badNonce answer carried the next one
    assert methods == ['HEAD', 'POST', 'POST', 'POST', 'POST']
    assert sleeps == []


def test_bad_nonce_retries_are_bounded(server):
    server.add('POST', '/order', problem('badNonce', 400))
    with pytest.raises(AcmeProblem) as info:
        post(network([], nonce_attempts=5), server, '/order', {})
    assert info.value.code == 'badNonce'
    assert [entry[0] for entry in server.log].count('POST') == 5


def test_rate_limited_is_raised_at_once_with_its_retry_time(server):
    server.add('POST', '/order', problem('rateLimited', 429, **{'Retry-After': '3600'}))
    sleeps = []
    before = datetime.datetime.now(datetime.timezone.utc)
    with pytest.raises(AcmeRateLimited) as info:
        post(network(sleeps), server, '/order', {})
    assert sleeps == []
    assert [entry[0] for entry in server.log].count('POST') == 1
    wait = (info.value.retry_after - before).total_seconds()
    assert 3590 < wait < 3610
    assert info.value.to_result()['retry_after'].endswith('Z')


def test_server_errors_on_post_back_off_then_succeed(server):
    server.add('POST', '/finalize', problem('serverInternal', 500), problem('serverInternal', 500), OK)
    sleeps = []
    assert post(network(sleeps, base_delay=0.5), server, '/finalize', {}).status_code == 200
    assert sleeps == [0.5, 1.0]


def test_client_errors_are_not_retried(server):
    server.add('POST', '/order', problem('rejectedIdentifier', 400))
    with pytest.raises(AcmeProblem) as info:
        post(network([]), server, '/order', {})
    assert info.value.code == 'rejectedIdentifier' and info.value.status == 400
    assert [entry[0] for entry in server.log].count('POST') == 1


def test_empty_object_and_post_as_get_are_distinct(server):
    server.add('POST', '/chall', OK)
    net = network([])
    post(net, server, '/chall', {})
    post(net, server, '/chall', None)
    payloads = [json.loads(entry[2])['payload'] for entry in server.log if entry[0] == 'POST']
    assert payloads == [base64.urlsafe_b64encode(b'{}').decode().rstrip('='), '']


def test_unreachable_after_bounded_attempts():
    sleeps = []
    with pytest.raises(AcmeUnreachable) as info:
        network(sleeps, attempts=3, base_delay=0.1).get('http://127.0.0.1:9/dir')
    assert sleeps == [0.1, 0.2]
    assert 'after 3 attempt(s)' in info.value.msg and 'Connection refused' in info.value.msg


def test_conflict_409_becomes_a_problem_with_its_document(server):
    server.add('POST', '/order', problem('alreadyReplaced', 409))
    with pytest.raises(AcmeProblem) as info:
        post(network([]), server, '/order', {'replaces': 'x.y'})
    assert info.value.code == 'alreadyReplaced' and info.value.status == 409


def test_an_untrusted_certificate_is_not_retried_and_says_so(tmp_path):
    """A TLS certificate that no bundle here signs stays untrusted: one attempt, one sentence, no back-off."""
    import socket
    import ssl
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'untrusted.test')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                           critical=False).sign(key, hashes.SHA256()))
    (tmp_path / 'cert.pem').write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / 'key.pem').write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem'))
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    handshakes = []

    def serve():
        while True:
            try:
                conn, unused = listener.accept()
            except OSError:
                return
            handshakes.append(1)
            try:
                context.wrap_socket(conn, server_side=True).close()
            except (OSError, ssl.SSLError):
                conn.close()
    threading.Thread(target=serve, daemon=True).start()
    sleeps = []
    key_ = AccountKey(generate_private_key('ec256'))
    net = AcmeNetwork(key=key_.jwk, alg=key_.alg, verify=True, policy=RetryPolicy(attempts=4), sleep=sleeps.append)
    try:
        with pytest.raises(AcmeUntrusted) as info:
            net.get('https://127.0.0.1:%d/dir' % listener.getsockname()[1])
    finally:
        listener.close()
    assert sleeps == [] and len(handshakes) == 1
    message = info.value.to_result()['msg']
    assert 'presents a TLS certificate this controller does not trust' in message and 'ca_bundle' in message
