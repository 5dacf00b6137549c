# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS-ALPN-01 responder under idle connections: caps per client, ClientHello deadline, IPv6."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import logging
import socket
import ssl
import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.tls_alpn import build_challenge_certificate
from ansible_collections.sslclm.acme.plugins.module_utils.host.connection_limits import ConnectionLimits
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_alpn_responder import TlsAlpnResponder

KEY_AUTH = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI'
ADDRESS = '127.0.0.32'


def _validate(port, sni='a.example.test', address=ADDRESS):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(['acme-tls/1'])
    with socket.create_connection((address, port), timeout=5) as sock:
        with context.wrap_socket(sock, server_hostname=sni) as tls:
            return tls.selected_alpn_protocol()


def _idle(port, count, source, address=ADDRESS):
    return [socket.create_connection((address, port), timeout=5, source_address=(source, 0)) for unused in range(count)]


def _closed_by_server(sockets, wait=0.5):
    closed = 0
    for sock in sockets:
        sock.settimeout(wait)
        try:
            closed += sock.recv(10) == b''
        except socket.timeout:
            pass
        except OSError:
            closed += 1
    return closed


def test_seventy_idle_connections_from_one_address_do_not_lock_a_validation_out(caplog):
    caplog.set_level(logging.INFO)
    with TlsAlpnResponder(ADDRESS, 0) as responder:
        responder.add('a.example.test', *build_challenge_certificate('a.example.test', KEY_AUTH))
        flood = _idle(responder.port, 70, '127.0.0.77')
        try:
            time.sleep(0.3)
            started = time.monotonic()
            assert [_validate(responder.port) for unused in range(3)] == ['acme-tls/1'] * 3
            assert time.monotonic() - started < 2
            assert _closed_by_server(flood, wait=0.1) == 70 - responder.limits.max_per_client
        finally:
            for sock in flood:
                sock.close()
    assert any('the cap per client' in r.getMessage() for r in caplog.records)


def test_a_silent_client_is_dropped_after_the_client_hello_deadline():
    with TlsAlpnResponder(ADDRESS, 0, client_hello_timeout=0.5) as responder:
        responder.add('a.example.test', *build_challenge_certificate('a.example.test', KEY_AUTH))
        silent = _idle(responder.port, 3, '127.0.0.78')
        partial = _idle(responder.port, 1, '127.0.0.78')
        partial[0].sendall(b'\x16\x03\x01\x02\x00\x01')  # a ClientHello that never completes
        started = time.monotonic()
        try:
            assert _closed_by_server(silent + partial, wait=3) == 4
            assert time.monotonic() - started < 2.5
            time.sleep(0.2)
            assert len(responder.limits) == 0
            assert _validate(responder.port) == 'acme-tls/1'
        finally:
            for sock in silent + partial:
                sock.close()


def test_the_global_cap_still_holds():
    limits = ConnectionLimits(max_connections=5, max_per_client=16, deadline=10)
    with TlsAlpnResponder(ADDRESS, 0, limits=limits) as responder:
        flood = _idle(responder.port, 8, '127.0.0.79')
        try:
            assert _closed_by_server(flood, wait=0.3) == 3
            assert len(limits) == 5
        finally:
            for sock in flood:
                sock.close()


def test_dual_stack_wildcard(ipv6_loopback):
    with TlsAlpnResponder('::', 0) as responder:
        responder.add('a.example.test', *build_challenge_certificate('a.example.test', KEY_AUTH))
        assert _validate(responder.port, address='::1') == 'acme-tls/1'
        assert _validate(responder.port, address='127.0.0.1') == 'acme-tls/1'
