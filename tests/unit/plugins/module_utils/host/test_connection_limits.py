# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import logging
import socket
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.connection_limits import ConnectionLimits
from ansible_collections.sslclm.acme.plugins.module_utils.host.listeners import client_key
from ansible_collections.sslclm.acme.plugins.module_utils.host.log_text import loggable


def test_client_keys():
    assert client_key('192.0.2.7') == '192.0.2.7'
    assert client_key('::ffff:192.0.2.7') == '192.0.2.7'  # IPv4 client of a dual-stack listener
    assert client_key('2001:db8:1:2:aaaa::1') == client_key('2001:db8:1:2:bbbb::2') == '2001:db8:1:2::/64'
    assert client_key('2001:db8:1:3::1') != client_key('2001:db8:1:2::1')
    assert client_key('fe80::1%eth0') == 'fe80::/64'


def test_admission_release_and_caps():
    limits = ConnectionLimits(max_connections=3, max_per_client=2, deadline=10)
    a, b, c, d = object(), object(), object(), object()
    assert limits.admit(a, '192.0.2.1') is None
    assert limits.admit(b, '::ffff:192.0.2.1') is None
    assert 'the cap per client' in limits.admit(c, '192.0.2.1')
    assert limits.admit(c, '192.0.2.2') is None
    assert '(the cap)' in limits.admit(d, '192.0.2.3')
    assert limits.clients() == {'192.0.2.1': 2, '192.0.2.2': 1}
    limits.release(a)
    limits.release(a)          # twice: no effect
    limits.release(object())   # never admitted: ignored
    assert limits.admit(d, '192.0.2.1') is None
    assert len(limits) == 3 and limits.refused == 2


def test_expire_shuts_down_only_overdue_connections():
    limits = ConnectionLimits(deadline=5)
    old_server, old_client = socket.socketpair()
    new_server, new_client = socket.socketpair()
    try:
        limits.admit(old_server, '192.0.2.1')
        limits.admit(new_server, '192.0.2.1')
        started = time.monotonic()
        assert limits.expire(now=started + 1) == 0
        with limits._lock:  # backdate the first one
            limits._open[old_server] = (limits._open[old_server][0], started - 10)
        assert limits.expire() == 1
        old_client.settimeout(1)
        assert old_client.recv(10) == b''  # the peer sees the end
        assert limits.was_expired(old_server) and not limits.was_expired(new_server)
        replacement = object()
        limits.replace(old_server, replacement)
        assert limits.was_expired(replacement) and len(limits) == 2
        limits.release(replacement)
        assert not limits.was_expired(replacement) and len(limits) == 1
    finally:
        for sock in (old_server, old_client, new_server, new_client):
            sock.close()


def test_refusals_are_logged_at_most_once_a_second(caplog):
    caplog.set_level(logging.WARNING)
    limits = ConnectionLimits()
    log = logging.getLogger('test.limits')
    for unused in range(50):
        limits.log_refusal(log, 'HTTP-01', '192.0.2.1', 'the cap')
    assert len(caplog.records) == 1
    limits._last_log -= 1.5
    limits.log_refusal(log, 'HTTP-01', '192.0.2.1', 'the cap')
    assert len(caplog.records) == 2 and 'refused 50 connection(s)' in caplog.records[1].getMessage()


def test_loggable():
    assert loggable('GET /x HTTP/1.1') == 'GET /x HTTP/1.1'
    assert loggable('a\nb\rc\td\x1b[0m\x00\x7f\\') == 'a\\nb\\rc\\td\\x1b[0m\\x00\\x7f\\\\'
    assert loggable(b'\xff') == '\\xff'
    assert loggable('\u2028\U0001f600') == '\\u2028\\U0001f600'
    assert loggable(None) == '-'
    assert loggable('x' * 300) == 'x' * 200 + '...(300 characters)'
