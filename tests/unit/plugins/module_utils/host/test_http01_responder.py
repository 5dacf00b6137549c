# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import logging
import os
import socket
import threading
import time

import pytest

from http.client import HTTPConnection

from ansible_collections.sslclm.acme.plugins.module_utils.host.challenge_files import (
    ChallengeFileError,
    planned_files,
    publish,
    remove,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host.connection_limits import ConnectionLimits
from ansible_collections.sslclm.acme.plugins.module_utils.host.http01_responder import Http01Responder

THUMB = 'T' * 43
KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n'
TOKEN = 'PublishedToken0123456789'


def get(responder, path):
    conn = HTTPConnection('127.0.0.51', responder.port, timeout=5)
    try:
        conn.request('GET', path, headers={'Host': 'www.example.com'})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def challenge_dir(tmp_path):
    directory = tmp_path / 'http01'
    directory.mkdir()
    (directory / TOKEN).write_text(TOKEN + '.' + 'P' * 43 + '\n')
    secret = tmp_path / 'secret.txt'
    secret.write_text('do not serve')
    os.symlink(str(secret), str(directory / 'SymlinkTokenSymlinkToken'))
    return directory


def test_publishing_and_stateless_answers(challenge_dir):
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir), thumbprint=THUMB) as responder:
        assert get(responder, '/.well-known/acme-challenge/' + TOKEN) == (200, TOKEN + '.' + 'P' * 43)
        assert get(responder, '/.well-known/acme-challenge/OtherToken_-abcdef') == (200, 'OtherToken_-abcdef.' + THUMB)
        # a symlink is never followed: the token gets the stateless answer, not the file
        assert get(responder, '/.well-known/acme-challenge/SymlinkTokenSymlinkToken') == (
            200, 'SymlinkTokenSymlinkToken.' + THUMB)
        for path in ('/', '/.well-known/acme-challenge/', '/.well-known/acme-challenge/../secret.txt',
                     '/.well-known/acme-challenge/..%2Fsecret.txt', '/.well-known/acme-challenge/a/b',
                     '/other/' + TOKEN):
            assert get(responder, path)[0] == 404, path


def test_publishing_only_mode_and_thumbprint_switch(challenge_dir):
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir)) as responder:
        assert get(responder, '/.well-known/acme-challenge/OtherToken_-abcdef')[0] == 404
        assert get(responder, '/.well-known/acme-challenge/SymlinkTokenSymlinkToken')[0] == 404
        responder.set_thumbprint(THUMB)
        assert get(responder, '/.well-known/acme-challenge/OtherToken_-abcdef') == (200, 'OtherToken_-abcdef.' + THUMB)
    with pytest.raises(ValueError):
        Http01Responder('127.0.0.51', 0, thumbprint='short')


def test_concurrent_requests(challenge_dir):
    results = []
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir), thumbprint=THUMB) as responder:
        threads = [threading.Thread(target=lambda: results.append(get(responder, '/.well-known/acme-challenge/' + TOKEN)))
                   for unused in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert len(results) == 12 and set(status for status, unused in results) == {200}


def test_planned_files_validate_everything_first(tmp_path):
    good = {'method': 'http-01', 'token': TOKEN, 'content': TOKEN + '.' + THUMB}
    bad = {'method': 'http-01', 'token': '../' + TOKEN, 'content': '../' + TOKEN + '.' + THUMB}
    with pytest.raises(ChallengeFileError, match='not a base64url ACME token'):
        planned_files([good, bad], http01_dir=str(tmp_path))
    with pytest.raises(ChallengeFileError, match='not its key authorization'):
        planned_files([dict(good, content='something else')], http01_dir=str(tmp_path))
    with pytest.raises(ChallengeFileError, match='not a lowercase DNS name'):
        planned_files([{'method': 'tls-alpn-01', 'sni': '../etc', 'cert_pem': 'x', 'key_pem': 'y'}], tls_alpn01_dir=str(tmp_path))
    assert os.listdir(str(tmp_path)) == []


def test_publish_is_idempotent_and_remove_exact(tmp_path):
    items = [{'method': 'http-01', 'token': TOKEN, 'content': TOKEN + '.' + THUMB},
             {'method': 'dns-01', 'record_name': '_acme-challenge.example.com', 'value': 'v'},
             {'method': 'tls-alpn-01', 'sni': 'www.example.com', 'cert_pem': 'CERT', 'key_pem': KEY}]
    files = planned_files(items, http01_dir=str(tmp_path / 'h'), tls_alpn01_dir=str(tmp_path / 't'))
    assert len(files) == 3
    assert len(publish(files)) == 3
    assert publish(files) == []
    assert oct(os.stat(str(tmp_path / 't' / 'www.example.com.key.pem')).st_mode & 0o777) == '0o640'
    (tmp_path / 'h' / 'unrelated').write_text('keep me')
    without_key = [dict(item, key_pem=None) for item in items]  # state absent: the action plugin reads no key
    files = planned_files(without_key, http01_dir=str(tmp_path / 'h'), tls_alpn01_dir=str(tmp_path / 't'), publishing=False)
    assert len(remove(files)) == 3
    assert sorted(os.listdir(str(tmp_path / 'h'))) == ['unrelated']
    assert remove(files) == []
    with pytest.raises(ChallengeFileError, match='no private key'):
        planned_files(without_key[2:], tls_alpn01_dir=str(tmp_path / 't'))


# --------------------------------------------------------------------------- abuse
def raw_request(port, data, address='127.0.0.51', source=None, timeout=5):
    """What the responder sends back for ``data`` (bytes), read until it closes."""
    sock = socket.create_connection((address, port), timeout=timeout, source_address=(source, 0) if source else None)
    try:
        sock.sendall(data)
        received = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
    finally:
        sock.close()


def lines_of(caplog, needle):
    return [r.getMessage() for r in caplog.records if needle in r.getMessage()]


def test_garbage_gets_a_400_and_one_log_line(challenge_dir, caplog):
    caplog.set_level(logging.INFO)
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir), thumbprint=THUMB) as responder:
        answer = raw_request(responder.port, b'GARBAGE\r\n\r\n')
        assert answer.startswith(b'HTTP/1.0 400 ')
        assert raw_request(responder.port, b'GET /x\r\n\r\n').startswith(b'HTTP/1.0 404 ')  # no version: still a status line
        assert raw_request(responder.port, b'POST /x HTTP/1.1\r\n\r\n').startswith(b'HTTP/1.0 501 ')
        # the responder is still there afterwards
        assert get(responder, '/.well-known/acme-challenge/' + TOKEN)[0] == 200
    assert len(lines_of(caplog, 'GARBAGE')) == 1
    assert ' 400 ' in lines_of(caplog, 'GARBAGE')[0]
    assert not [r for r in caplog.records if r.exc_info]


def test_control_characters_never_reach_the_log_raw(challenge_dir, caplog):
    caplog.set_level(logging.INFO)
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir)) as responder:
        raw_request(responder.port, b'GET /a\x1b[31mred\x00\xff HTTP/1.0\r\nHost: h\x1b]0;title\x07\x08\\\r\n\r\n')
        raw_request(responder.port, b'GET /b HTTP/1.0\r\nHost: x\rFORGED 200\r\n\r\n')
    logged = ''.join(r.getMessage() for r in caplog.records)
    assert '\x1b' not in logged and '\x00' not in logged and '\x07' not in logged and '\r' not in logged
    assert '/a\\x1b[31mred\\x00\\xff' in logged
    assert 'host=h\\x1b]0;title\\x07\\x08\\\\ ' in logged


def test_idle_and_dripping_connections_are_cut_at_the_deadline(challenge_dir, caplog):
    caplog.set_level(logging.INFO)
    limits = ConnectionLimits(deadline=1.0)
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir), limits=limits) as responder:
        idle = socket.create_connection(('127.0.0.51', responder.port), timeout=5)
        drip = socket.create_connection(('127.0.0.51', responder.port), timeout=5)
        started = time.monotonic()
        drip.sendall(b'GET /.well-known/acme-challenge/' + TOKEN.encode() + b' HTTP/1.1\r\n')
        closed = {}
        while len(closed) < 2 and time.monotonic() - started < 5:
            drip.sendall(b'X') if 'drip' not in closed else None  # one header byte every 0.2 s
            time.sleep(0.2)
            for name, sock in (('idle', idle), ('drip', drip)):
                sock.settimeout(0.01)
                try:
                    if name not in closed and sock.recv(100) == b'':
                        closed[name] = time.monotonic() - started
                except socket.timeout:
                    pass
                except OSError:
                    closed[name] = time.monotonic() - started
        idle.close()
        drip.close()
        assert sorted(closed) == ['drip', 'idle'], closed
        assert all(0.9 <= seconds < 2.5 for seconds in closed.values()), closed
        assert get(responder, '/.well-known/acme-challenge/' + TOKEN)[0] == 200
        time.sleep(0.3)
        assert len(limits) == 0
    assert len(lines_of(caplog, 'no complete request within 1s')) == 2


def test_caps_per_client_and_in_total(challenge_dir, caplog):
    caplog.set_level(logging.INFO)
    limits = ConnectionLimits(max_connections=12, max_per_client=4, deadline=5.0)
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir), limits=limits) as responder:
        flood = [socket.create_connection(('127.0.0.51', responder.port), timeout=5, source_address=('127.0.0.77', 0))
                 for unused in range(10)]
        time.sleep(0.5)
        refused = 0
        for sock in flood:
            sock.settimeout(0.5)
            try:
                refused += sock.recv(10) == b''
            except socket.timeout:
                pass
        assert refused == 6  # 4 held, the rest closed at once
        # another client is served while the flood holds its share
        assert get(responder, '/.well-known/acme-challenge/' + TOKEN)[0] == 200
        more = [socket.create_connection(('127.0.0.51', responder.port), timeout=5, source_address=('127.0.0.%d' % n, 0))
                for n in range(80, 90)]
        time.sleep(0.5)
        assert len(limits) == 12  # the total cap: 4 + 8 of the 10 others
        assert limits.refused == 6 + 2
        for sock in flood + more:
            sock.close()
    # refusals are logged with their reason, at most one line a second (8 refusals, 2 bursts)
    logged = lines_of(caplog, 'refused')
    assert len(logged) <= 2
    assert 'the cap per client' in logged[0] and '(the cap)' in logged[-1]


def test_headers_are_bounded(challenge_dir):
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir)) as responder:
        many = b''.join(b'X-%d: %s\r\n' % (n, b'a' * 100) for n in range(100))
        assert raw_request(responder.port, b'GET / HTTP/1.1\r\n' + many + b'\r\n').startswith(b'HTTP/1.0 431 ')


def test_backlog_queues_a_burst(challenge_dir):
    """Bound but not accepting (as between start-up steps, or under load): the kernel still completes a burst of 100."""
    responder = Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir)).bind()
    connected = []
    try:
        for unused in range(100):
            connected.append(socket.create_connection(('127.0.0.51', responder.port), timeout=0.5))
    except OSError:
        pass
    finally:
        for sock in connected:
            sock.close()
        responder.stop()
    assert len(connected) == 100


def test_dual_stack_on_the_ipv6_wildcard(challenge_dir, caplog, ipv6_loopback):
    caplog.set_level(logging.INFO)
    with Http01Responder('::', 0, challenge_dir=str(challenge_dir)) as responder:
        for address in ('::1', '127.0.0.51'):
            conn = HTTPConnection(address, responder.port, timeout=5)
            conn.request('GET', '/.well-known/acme-challenge/' + TOKEN)
            assert conn.getresponse().status == 200
            conn.close()
    assert lines_of(caplog, '::1 host=') and lines_of(caplog, '::ffff:127.0.0.1 host=127.0.0.51:')
    with Http01Responder('::1', 0, challenge_dir=str(challenge_dir)) as responder:
        with pytest.raises(OSError):
            socket.create_connection(('127.0.0.1', responder.port), timeout=2).close()


@pytest.mark.skipif(os.geteuid() != 0, reason='changing a group needs root')
def test_files_take_the_group_of_their_directory(tmp_path):
    """The agent's group owns the challenge directory: it reads the TLS-ALPN-01 key, others do not."""
    directory = tmp_path / 't'
    directory.mkdir()
    os.chown(str(directory), -1, 65534)
    items = [{'method': 'tls-alpn-01', 'sni': 'www.example.com', 'cert_pem': 'CERT',
              'key_pem': '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n'}]
    files = planned_files(items, tls_alpn01_dir=str(directory))
    assert len(publish(files)) == 2
    key = os.stat(str(directory / 'www.example.com.key.pem'))
    assert (key.st_gid, key.st_mode & 0o777) == (65534, 0o640)
    assert publish(files) == []
    os.chown(str(directory), -1, 0)  # the directory changed hands: the files follow on the next run
    assert len(publish(files)) == 2
    assert os.stat(str(directory / 'www.example.com.key.pem')).st_gid == 0
