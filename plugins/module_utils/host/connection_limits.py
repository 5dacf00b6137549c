# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many connections a responder holds, from whom, and for how long (stdlib only).

Both responders serve one connection per thread (the CA validates from several vantage
points at once). Without bounds, idle or half-sent requests hold a thread each forever.
``ConnectionLimits`` admits a new connection only under a global cap and a cap per client
(IPv4 address or IPv6 /64, see ``listeners.client_key``), and ``expire()`` cuts every
connection older than the deadline - a per-read timeout alone lets a client that sends
one byte every few seconds stay forever.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import threading
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.listeners import client_key

DEFAULT_MAX_CONNECTIONS = 256
DEFAULT_MAX_PER_CLIENT = 16


class ConnectionLimits:
    """Admission and deadlines of one listener's connections; thread-safe."""

    def __init__(self, max_connections=DEFAULT_MAX_CONNECTIONS, max_per_client=DEFAULT_MAX_PER_CLIENT, deadline=10.0):
        self.max_connections = int(max_connections)
        self.max_per_client = int(max_per_client)
        self.deadline = float(deadline)
        self._lock = threading.Lock()
        self._open = {}        # socket -> (client key, monotonic start)
        self._per_client = {}  # client key -> count
        self._expired = set()
        self.refused = 0
        self._unlogged = 0
        self._last_log = None

    def admit(self, sock, address):
        """Register ``sock`` from ``address``; None when admitted, else why not (the caller closes it)."""
        key = client_key(address)
        with self._lock:
            if len(self._open) >= self.max_connections:
                self.refused += 1
                return '%d connections open (the cap)' % len(self._open)
            if self._per_client.get(key, 0) >= self.max_per_client:
                self.refused += 1
                return '%d connections open from %s (the cap per client)' % (self._per_client[key], key)
            self._open[sock] = (key, time.monotonic())
            self._per_client[key] = self._per_client.get(key, 0) + 1
        return None

    def release(self, sock):
        """Forget ``sock`` (closed by its worker); a socket never admitted is ignored."""
        with self._lock:
            entry = self._open.pop(sock, None)
            self._expired.discard(sock)
            if entry is None:
                return
            left = self._per_client[entry[0]] - 1
            if left:
                self._per_client[entry[0]] = left
            else:
                del self._per_client[entry[0]]

    def replace(self, old, new):
        """``new`` (e.g. the TLS wrapper of ``old``) takes over ``old``'s place and start time."""
        with self._lock:
            if old in self._open:
                self._open[new] = self._open.pop(old)
            if old in self._expired:
                self._expired.discard(old)
                self._expired.add(new)

    def expire(self, now=None):
        """Shut down every connection open longer than the deadline; → how many.

        Only ``shutdown()``: the blocked read in the worker returns, and the worker closes
        and releases the socket itself.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            overdue = [sock for sock, (unused, start) in self._open.items() if now - start > self.deadline]
            self._expired.update(overdue)
        for sock in overdue:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass
        return len(overdue)

    def log_refusal(self, log, label, address, reason):
        """Log a refused connection, at most one line a second (a flood must not fill the disk)."""
        now = time.monotonic()
        with self._lock:
            self._unlogged += 1
            if self._last_log is not None and now - self._last_log < 1.0:
                return
            count, self._unlogged, self._last_log = self._unlogged, 0, now
        log.warning('%s: refused %d connection(s) since the last such line, the last from %s: %s',
                    label, count, address, reason)

    def was_expired(self, sock):
        """True once ``expire()`` cut ``sock``."""
        with self._lock:
            return sock in self._expired

    def sockets(self):
        with self._lock:
            return list(self._open)

    def __len__(self):
        with self._lock:
            return len(self._open)

    def clients(self):
        """{client key: open connections}."""
        with self._lock:
            return dict(self._per_client)
