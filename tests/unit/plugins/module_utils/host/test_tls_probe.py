# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stdlib TLS probe against a real TLS server on loopback (127.0.0.61, ephemeral port)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import socket
import ssl
import threading

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_probe import (
    fingerprint_pem,
    pem_blocks,
    probe,
    served_fingerprint,
    wait_for_fingerprint,
)

ADDRESS = '127.0.0.61'


class TlsServer:
    """Serves one certificate on ADDRESS:ephemeral; each connection: handshake, close."""

    def __init__(self, cert_pem, key_pem, directory):
        cert_file, key_file = os.path.join(directory, 'c.pem'), os.path.join(directory, 'k.pem')
        with open(cert_file, 'w') as handle:
            handle.write(cert_pem)
        with open(key_file, 'w') as handle:
            handle.write(key_pem)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_file, key_file)
        self.sock = socket.socket()
        self.sock.bind((ADDRESS, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.sni = []
        self.context.sni_callback = lambda conn, name, ctx: self.sni.append(name)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve)
        self.thread.daemon = True
        self.thread.start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, unused = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            try:
                conn.settimeout(2)
                with self.context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

    def stop(self):
        self.stopped.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def server(pki, tmp_path):
    cert, key = pki.leaf()
    srv = TlsServer(pki.pem(cert) + pki.pem(pki.intermediate), key, str(tmp_path))
    srv.cert = cert
    yield srv
    srv.stop()


def test_pem_blocks_normalise_and_filter(pki):
    cert, key = pki.leaf()
    text = pki.pem(cert).replace('\n', '\r\n') + key + pki.pem(pki.intermediate)
    blocks = pem_blocks(text)
    assert blocks == [pki.pem(cert), pki.pem(pki.intermediate)]
    assert pem_blocks(text, 'PRIVATE KEY') == [key]
    assert pem_blocks(b'nothing here') == []


def test_fingerprint_pem_matches_cryptography(pki):
    cert, unused = pki.leaf()
    assert fingerprint_pem(pki.pem(cert) + pki.pem(pki.intermediate)) == pki.fingerprint(cert)
    assert fingerprint_pem('') is None


def test_served_fingerprint_and_sni(server, pki):
    assert served_fingerprint(ADDRESS, server.port, 'www.example.test', 2) == pki.fingerprint(server.cert)
    assert 'www.example.test' in server.sni


def test_probe_reports_errors_instead_of_raising(server):
    server.stop()
    outcome = probe(ADDRESS, server.port, None, 1)
    assert outcome['fingerprint'] is None and outcome['error']


def test_wait_returns_at_once_when_served(server, pki):
    outcome = wait_for_fingerprint(ADDRESS, server.port, None, pki.fingerprint(server.cert), 5)
    assert outcome['ok'] and outcome['attempts'] == 1
    outcome = wait_for_fingerprint(ADDRESS, server.port, None, pki.fingerprint(server.cert), 5, confirmations=3)
    assert outcome['ok'] and outcome['attempts'] == 3 and outcome['seconds'] < 1


def test_wait_gives_up_at_the_deadline():
    now = [0.0]
    calls = []

    def fake_probe(host, port, name, timeout):
        calls.append(timeout)
        return {'fingerprint': 'old', 'error': None}

    def sleep(seconds):
        now[0] += seconds

    outcome = wait_for_fingerprint('h', 1, None, 'new', 2, interval=0.5, clock=lambda: now[0], sleep=sleep,
                                   probe_once=fake_probe)
    assert not outcome['ok'] and outcome['fingerprint'] == 'old'
    assert outcome['attempts'] == 5 and outcome['seconds'] == 2.0
    assert all(1.0 <= t <= 5.0 for t in calls)


def test_wait_needs_the_new_certificate_several_times_in_a_row():
    served = iter(['old', 'new', 'old', 'new', 'new', 'new', 'old'])
    outcome = wait_for_fingerprint('h', 1, None, 'new', 10, confirmations=3, interval=0, confirm_interval=0,
                                   sleep=lambda s: None, probe_once=lambda *a: {'fingerprint': next(served), 'error': None})
    assert outcome['ok'] and outcome['attempts'] == 6


def test_wait_sees_the_switch():
    served = iter(['old', 'old', 'new'])
    outcome = wait_for_fingerprint('h', 1, None, 'new', 10, interval=0, sleep=lambda s: None,
                                   probe_once=lambda *a: {'fingerprint': next(served), 'error': None})
    assert outcome['ok'] and outcome['attempts'] == 3
