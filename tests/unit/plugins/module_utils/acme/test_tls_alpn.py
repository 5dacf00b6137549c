# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS-ALPN-01: challenge certificate shape, the stdlib responder on real loopback
sockets (127.0.0.x, ephemeral ports, stopped in every test), and the self-check."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib
import ipaddress
import os
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.sslclm.acme.plugins.module_utils.acme import self_check
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.tls_alpn import (
    ACME_IDENTIFIER_OID,
    build_challenge_certificate,
    check_challenge_certificate,
    sni_for_identifier,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host import tls_alpn_responder
from ansible_collections.sslclm.acme.plugins.module_utils.host.client_hello import parse_client_hello
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_alpn_responder import (
    TlsAlpnResponder,
    load_from_directory,
)

KEY_AUTH = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI'
ADDRESS = '127.0.0.31'


def _client_context(alpn=('acme-tls/1',)):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if alpn:
        context.set_alpn_protocols(list(alpn))
    return context


def _handshake(port, sni, alpn=('acme-tls/1',), address=ADDRESS):
    """(negotiated ALPN, peer certificate DER) or raise ssl.SSLError."""
    with socket.create_connection((address, port), timeout=5) as sock:
        with _client_context(alpn).wrap_socket(sock, server_hostname=sni) as tls:
            return tls.selected_alpn_protocol(), tls.getpeercert(binary_form=True)


def _der(cert_pem):
    return x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)


@pytest.fixture
def responder():
    server = TlsAlpnResponder(ADDRESS, 0, handshake_timeout=5)
    server.start()
    try:
        yield server
    finally:
        server.stop(timeout=5)


# --------------------------------------------------------------------------- certificate
def test_certificate_shape():
    cert_pem, key_pem = build_challenge_certificate('www.Example.test', KEY_AUTH)
    cert = x509.load_pem_x509_certificate(cert_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == 'secp256r1'
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert cert.issuer == cert.subject  # self-signed

    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert list(san) == [x509.DNSName('www.example.test')]

    ext = cert.extensions.get_extension_for_oid(ACME_IDENTIFIER_OID)
    assert ext.oid.dotted_string == '1.3.6.1.5.5.7.1.31'
    assert ext.critical is True
    assert ext.value.value == b'\x04\x20' + hashlib.sha256(KEY_AUTH.encode('ascii')).digest()

    validity = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert validity <= datetime.timedelta(days=2)
    assert cert.not_valid_before_utc <= datetime.datetime.now(datetime.timezone.utc)
    assert check_challenge_certificate(cert_pem, 'www.example.test', KEY_AUTH)[0]


def test_fresh_key_each_time():
    first = build_challenge_certificate('a.example.test', KEY_AUTH)[1]
    second = build_challenge_certificate('a.example.test', KEY_AUTH)[1]
    assert first != second


def test_ip_identifiers():
    cert_pem = build_challenge_certificate('192.0.2.1', KEY_AUTH)[0]
    san = x509.load_pem_x509_certificate(cert_pem).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert list(san.value) == [x509.IPAddress(ipaddress.ip_address('192.0.2.1'))]
    assert sni_for_identifier('192.0.2.1') == '1.2.0.192.in-addr.arpa'
    assert sni_for_identifier('2001:db8::1') == (
        '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')
    assert sni_for_identifier('Www.Example.TEST.') == 'www.example.test'
    v6 = x509.load_pem_x509_certificate(build_challenge_certificate('2001:db8::1', KEY_AUTH)[0])
    assert list(v6.extensions.get_extension_for_class(x509.SubjectAlternativeName).value) == [
        x509.IPAddress(ipaddress.ip_address('2001:db8::1'))]


def test_long_name_has_empty_subject_and_critical_san():
    name = '.'.join(['a' * 30] * 3) + '.test'
    cert = x509.load_pem_x509_certificate(build_challenge_certificate(name, KEY_AUTH)[0])
    assert len(cert.subject) == 0
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical


def test_wildcard_is_refused():
    with pytest.raises(AcmeInputError, match='DNS-01'):
        build_challenge_certificate('*.example.test', KEY_AUTH)


def test_check_certificate_reports_mismatches():
    cert_pem = build_challenge_certificate('a.example.test', KEY_AUTH)[0]
    ok, reason = check_challenge_certificate(cert_pem, 'b.example.test', KEY_AUTH)
    assert not ok and 'b.example.test' in reason
    ok, reason = check_challenge_certificate(cert_pem, 'a.example.test', KEY_AUTH + 'x')
    assert not ok and 'key authorization' in reason


# --------------------------------------------------------------------------- responder
def test_serves_the_certificate_for_its_sni(responder):
    cert_a, key_a = build_challenge_certificate('a.example.test', KEY_AUTH)
    cert_b, key_b = build_challenge_certificate('b.example.test', KEY_AUTH)
    responder.add('a.example.test', cert_a, key_a)
    responder.add('B.example.test.', cert_b.decode(), key_b.decode())  # str and odd case/dot accepted
    assert responder.names() == ['a.example.test', 'b.example.test']
    assert _handshake(responder.port, 'a.example.test') == ('acme-tls/1', _der(cert_a))
    assert _handshake(responder.port, 'b.example.test') == ('acme-tls/1', _der(cert_b))
    assert responder.remove('a.example.test') is True
    assert responder.remove('a.example.test') is False
    with pytest.raises(ssl.SSLError):
        _handshake(responder.port, 'a.example.test')


def test_refuses_unknown_sni_and_missing_sni(responder):
    responder.add('a.example.test', *build_challenge_certificate('a.example.test', KEY_AUTH))
    with pytest.raises(ssl.SSLError, match='(?i)unrecognized.name'):
        _handshake(responder.port, 'other.example.test')
    with pytest.raises(ssl.SSLError):
        _handshake(responder.port, None)


@pytest.mark.parametrize('alpn', [None, ('http/1.1',), ('h2', 'http/1.1')])
def test_refuses_clients_without_acme_tls_1(responder, alpn):
    responder.add('a.example.test', *build_challenge_certificate('a.example.test', KEY_AUTH))
    with pytest.raises(ssl.SSLError, match='(?i)no.application.protocol'):
        _handshake(responder.port, 'a.example.test', alpn=alpn)
    # ... and still serves the real client afterwards
    assert _handshake(responder.port, 'a.example.test')[0] == 'acme-tls/1'


def test_ignores_non_tls_clients(responder):
    with socket.create_connection((ADDRESS, responder.port), timeout=5) as sock:
        sock.sendall(b'GET / HTTP/1.0\r\n\r\n')
        try:
            answer = sock.recv(100)
        except ConnectionResetError:  # closed with the request unread: a reset
            answer = b''
        assert answer == b''  # closed without an answer


def test_three_concurrent_handshakes_while_a_client_stalls(responder):
    cert, key = build_challenge_certificate('a.example.test', KEY_AUTH)
    responder.add('a.example.test', cert, key)
    stalled = socket.create_connection((ADDRESS, responder.port), timeout=5)  # sends nothing
    try:
        barrier = threading.Barrier(3)
        results = []

        def validate():
            barrier.wait(timeout=5)
            try:
                results.append(_handshake(responder.port, 'a.example.test'))
            except Exception as exc:  # pylint: disable=broad-except
                results.append(exc)

        workers = [threading.Thread(target=validate) for dummy in range(3)]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(10)
        assert results == [('acme-tls/1', _der(cert))] * 3
        assert time.monotonic() - started < 4  # not queued behind the stalled client
    finally:
        stalled.close()


def test_stop_is_bounded_and_closes_the_port():
    server = TlsAlpnResponder(ADDRESS, 0, handshake_timeout=30)
    with server:
        port = server.port
        stalled = socket.create_connection((ADDRESS, port), timeout=5)
        time.sleep(0.1)
        started = time.monotonic()
    assert time.monotonic() - started < 3  # stop() woke the stalled worker, not its 30 s timeout
    assert not server.running
    assert not [t for t in threading.enumerate() if t.name.startswith('tls-alpn') and t.is_alive()]
    stalled.close()
    with pytest.raises(OSError):
        socket.create_connection((ADDRESS, port), timeout=2).close()


def test_key_material_does_not_stay_on_disk(responder, tmp_path, monkeypatch):
    made = []
    real_mkdtemp = tls_alpn_responder.tempfile.mkdtemp

    def mkdtemp(**kwargs):
        made.append(real_mkdtemp(dir=str(tmp_path), **kwargs))
        return made[-1]

    written = []
    real_write = tls_alpn_responder._write_private

    def write_private(path, data):
        real_write(path, data)
        written.append((path, os.stat(path).st_mode & 0o777, os.stat(os.path.dirname(path)).st_mode & 0o777))

    monkeypatch.setattr(tls_alpn_responder.tempfile, 'mkdtemp', mkdtemp)
    monkeypatch.setattr(tls_alpn_responder, '_write_private', write_private)
    responder.add('a.example.test', *build_challenge_certificate('a.example.test', KEY_AUTH))
    assert [mode for dummy, mode, dummy2 in written] == [0o600, 0o600]
    assert [dmode for dummy, dummy2, dmode in written] == [0o700, 0o700]
    assert made and not any(os.path.exists(d) for d in made)


def test_bad_pem_is_a_value_error_without_content(responder):
    cert, key = build_challenge_certificate('a.example.test', KEY_AUTH)
    other_key = build_challenge_certificate('a.example.test', KEY_AUTH)[1]
    with pytest.raises(ValueError) as info:
        responder.add('a.example.test', cert, other_key)
    assert 'PRIVATE KEY' not in str(info.value)
    with pytest.raises(ValueError):
        responder.add('../etc', cert, key)


def test_load_from_directory(tmp_path, caplog):
    cert, key = build_challenge_certificate('a.example.test', KEY_AUTH)
    for name in ('a.example.test', '22.0.0.127.in-addr.arpa', 'Bad_Name', 'orphan.example.test'):
        (tmp_path / (name + '.crt.pem')).write_bytes(cert)
        if name != 'orphan.example.test':
            (tmp_path / (name + '.key.pem')).write_bytes(key)
    (tmp_path / '..crt.pem').write_bytes(cert)
    (tmp_path / 'README').write_text('ignored')
    os.symlink(str(tmp_path / 'a.example.test.crt.pem'), str(tmp_path / 'link.example.test.crt.pem'))
    (tmp_path / 'link.example.test.key.pem').write_bytes(key)

    pairs = load_from_directory(str(tmp_path))
    assert sorted(pairs) == ['22.0.0.127.in-addr.arpa', 'a.example.test']
    assert pairs['a.example.test'] == (cert, key)
    assert 'Bad_Name' in caplog.text and 'orphan.example.test' in caplog.text

    server = TlsAlpnResponder(ADDRESS, 0)
    server.add('stale.example.test', cert, key)
    assert server.load_from_directory(str(tmp_path), sync=True) == sorted(pairs)
    assert server.names() == sorted(pairs)


def test_parse_client_hello_needs_whole_message():
    # A real ClientHello from Python's own client, caught through a socketpair.
    left, right = socket.socketpair()
    try:
        tls = _client_context().wrap_socket(left, server_hostname='a.example.test', do_handshake_on_connect=False)
        tls.setblocking(False)
        with pytest.raises(ssl.SSLWantReadError):
            tls.do_handshake()
        right.settimeout(2)
        hello = right.recv(65536)
        tls.close()
    finally:
        right.close()
    assert parse_client_hello(hello) == ('a.example.test', ['acme-tls/1'])
    assert parse_client_hello(hello[:40]) is None
    with pytest.raises(ValueError):
        parse_client_hello(b'GET / HTTP/1.1\r\n')


# --------------------------------------------------------------------------- self-check
def test_self_check_passes_against_the_responder_for_an_ip(responder):
    responder.add(sni_for_identifier(ADDRESS), *build_challenge_certificate(ADDRESS, KEY_AUTH))
    result = self_check.check_tls_alpn01(ADDRESS, KEY_AUTH, port=responder.port, timeout=5)
    assert result.ok, result.detail
    assert ADDRESS in result.detail


def test_self_check_for_a_name(responder, monkeypatch):
    monkeypatch.setattr(self_check, 'resolve_addresses', lambda name, nameservers=None, timeout=5: [ADDRESS])
    responder.add('a.example.test', *build_challenge_certificate('a.example.test', KEY_AUTH))
    assert self_check.check_tls_alpn01('a.example.test', KEY_AUTH, port=responder.port).ok
    wrong = self_check.check_tls_alpn01('a.example.test', KEY_AUTH.replace('e', 'f'), port=responder.port)
    assert not wrong.ok
    assert ADDRESS in wrong.detail and 'key authorization' in wrong.detail
    unknown = self_check.check_tls_alpn01('b.example.test', KEY_AUTH, port=responder.port)
    assert not unknown.ok and 'TLS error' in unknown.detail


def test_self_check_connection_refused():
    with socket.socket() as probe:
        probe.bind((ADDRESS, 0))
        port = probe.getsockname()[1]
    result = self_check.check_tls_alpn01(ADDRESS, KEY_AUTH, port=port, timeout=2)
    assert not result.ok and 'refused' in result.detail and ADDRESS in result.detail
