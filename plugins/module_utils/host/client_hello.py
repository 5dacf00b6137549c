# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The first flight of a TLS client, read before any handshake (stdlib only: used on hosts).

The TLS-ALPN-01 responder looks at the ClientHello (``MSG_PEEK``: the bytes stay for the
real handshake) to learn SNI and ALPN offers, and refuses a client that does not offer
``acme-tls/1`` with a fatal alert in the clear.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import time

MAX_CLIENT_HELLO = 65536      # bytes peeked at most; real ones are 200 B .. 2 KiB


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, count):
        if count > self.remaining():
            raise ValueError('truncated ClientHello')
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def uint(self, size):
        return int.from_bytes(self.take(size), 'big')

    def vector(self, length_size):
        return self.take(self.uint(length_size))


def parse_client_hello(data):
    """Read SNI and ALPN offers from the first bytes a TLS client sends.

    Returns ``(server_name or None, [alpn protocols])``, or None while ``data`` does
    not yet hold the whole ClientHello; raises ValueError for anything that is not one.
    """
    handshake = b''
    offset = 0
    while True:
        if len(data) < offset + 5:
            return None
        content_type, major, length = data[offset], data[offset + 1], int.from_bytes(data[offset + 3:offset + 5], 'big')
        if content_type != 22 or major != 3 or not 0 < length <= 16384:
            raise ValueError('not a TLS handshake record')
        if len(data) < offset + 5 + length:
            return None
        handshake += data[offset + 5:offset + 5 + length]
        offset += 5 + length
        if len(handshake) >= 4:
            if handshake[0] != 1:
                raise ValueError('first handshake message is not a ClientHello')
            size = int.from_bytes(handshake[1:4], 'big')
            if size > MAX_CLIENT_HELLO:
                raise ValueError('ClientHello too large')
            if len(handshake) >= 4 + size:
                return _parse_client_hello_body(handshake[4:4 + size])


def _parse_client_hello_body(body):
    reader = _Reader(body)
    reader.take(2 + 32)   # legacy_version, random
    reader.vector(1)      # legacy_session_id
    reader.vector(2)      # cipher_suites
    reader.vector(1)      # legacy_compression_methods
    server_name, protocols = None, []
    if not reader.remaining():
        return server_name, protocols
    extensions = _Reader(reader.vector(2))
    seen = set()
    while extensions.remaining():
        ext_type = extensions.uint(2)
        ext_data = _Reader(extensions.vector(2))
        if ext_type in seen:
            raise ValueError('duplicate TLS extension %d' % ext_type)
        seen.add(ext_type)
        if ext_type == 0:  # server_name
            names = _Reader(ext_data.vector(2))
            while names.remaining():
                name_type = names.uint(1)
                host = names.vector(2)
                if name_type == 0 and server_name is None:
                    server_name = host.decode('ascii', 'replace')
        elif ext_type == 16:  # application_layer_protocol_negotiation
            offered = _Reader(ext_data.vector(2))
            while offered.remaining():
                protocols.append(offered.vector(1).decode('latin-1'))
    return server_name, protocols


def peek_client_hello(sock, timeout):
    """Wait (bounded) until the whole ClientHello is in the receive buffer, without consuming it."""
    deadline = time.monotonic() + timeout
    seen = -1
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout('no complete ClientHello within %ss' % timeout)
        sock.settimeout(remaining)
        data = sock.recv(MAX_CLIENT_HELLO, socket.MSG_PEEK)
        if not data:
            return None
        hello = parse_client_hello(data)
        if hello is not None:
            return hello
        if len(data) >= MAX_CLIENT_HELLO:
            raise ValueError('ClientHello larger than %d bytes' % MAX_CLIENT_HELLO)
        if len(data) == seen:
            time.sleep(0.01)  # a peek returns at once while old bytes wait: do not spin
        seen = len(data)


def send_alert(sock, description):
    """Send a fatal TLS alert in the clear (no ServerHello was sent yet) and end the connection.

    The peeked ClientHello is consumed first: closing a socket with unread data sends
    a TCP reset, which can make the client lose the alert.
    """
    try:
        sock.settimeout(0.5)
        sock.recv(MAX_CLIENT_HELLO)
        sock.sendall(bytes([21, 3, 3, 0, 2, 2, description]))
        sock.shutdown(socket.SHUT_WR)
        for dummy in range(16):
            if not sock.recv(4096):
                break
    except (OSError, ValueError):
        pass
