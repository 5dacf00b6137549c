# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listening sockets of the challenge responders (stdlib only: used on hosts).

One place decides the address family (an IPv6 literal gets an IPv6 socket), dual-stack
for the IPv6 wildcard ``::`` (IPv4 clients arrive as ``::ffff:a.b.c.d``), and a listen
backlog large enough that a burst of connections is queued rather than left to SYN
retransmits.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import socket

LISTEN_BACKLOG = 128
WILDCARDS = ('0.0.0.0', '::')


def family_of(address):
    """``socket.AF_INET6`` for an IPv6 literal, else ``socket.AF_INET``."""
    return socket.AF_INET6 if ':' in address else socket.AF_INET


def prepare(sock, address):
    """Options every listener gets: address reuse, and dual-stack for ``::`` (IPv6 only for other IPv6 addresses)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sock.family == socket.AF_INET6 and hasattr(socket, 'IPV6_V6ONLY'):
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if address == '::' else 1)


def bind_listener(address, port, backlog=LISTEN_BACKLOG):
    """A listening TCP socket on ``address:port`` (port 0: any free port)."""
    sock = socket.socket(family_of(address), socket.SOCK_STREAM)
    try:
        prepare(sock, address)
        sock.bind((address, int(port)))
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def client_key(address):
    """What a per-client cap counts by: the IPv4 address (also when mapped into IPv6), or the IPv6 /64.

    Whoever holds one IPv6 address usually holds its whole /64, so counting single
    IPv6 addresses would cap nobody.
    """
    try:
        parsed = ipaddress.ip_address(address.split('%', 1)[0])
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network('%s/64' % parsed, strict=False))
    return str(parsed)


def usable_address(address):
    """``address``, or ``0.0.0.0`` for ``::`` on a kernel without IPv6 (booted with ipv6.disable=1)."""
    if address != '::':
        return address
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()
    except OSError:
        return '0.0.0.0'
    return address
