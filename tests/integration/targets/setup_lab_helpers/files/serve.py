#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: an HTTP server on a loopback address, in the background, for a bounded time.

    serve.py start ADDRESS PORT DIRECTORY PIDFILE [LIFETIME_SECONDS]
    serve.py start-acme-stub ADDRESS PORT LOGFILE PIDFILE [LIFETIME_SECONDS]
    serve.py stop PIDFILE

``start`` stands in for a web server whose web root receives HTTP-01 tokens.
``start-acme-stub`` is a minimal ACME server that accepts accounts and answers every
newOrder with ``rateLimited`` and ``Retry-After: 3600``: Pebble cannot be made to rate-limit.
It logs one line per request to LOGFILE.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import ipaddress
import os
import signal
import sys
import threading
import time

import base64
import json

from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer

PROBLEM = 'urn:ietf:params:acme:error:'


class RateLimitedAcme(BaseHTTPRequestHandler):
    """Directory, nonces and accounts like any ACME server; every newOrder is rateLimited."""

    log_file = None

    def _send(self, status, document=None, headers=None, problem=False):
        body = json.dumps(document).encode() if document is not None else b''
        self.send_response(status)
        self.send_header('Replay-Nonce', base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip('='))
        self.send_header('Content-Type', 'application/problem+json' if problem else 'application/json')
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        if self.path == '/dir':
            base = 'http://%s:%d' % self.server.server_address
            self._send(200, {'newNonce': base + '/nonce', 'newAccount': base + '/new-account',
                             'newOrder': base + '/new-order', 'meta': {}})
        else:
            self._send(204)

    do_HEAD = do_GET

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get('Content-Length') or 0)
        jws = json.loads(self.rfile.read(length) or b'{}')
        payload = jws.get('payload') or ''
        body = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)) or b'{}') if payload else {}
        base = 'http://%s:%d' % self.server.server_address
        if self.path == '/new-account' and body.get('onlyReturnExisting'):
            self._send(400, {'type': PROBLEM + 'accountDoesNotExist', 'detail': 'no account'}, problem=True)
        elif self.path == '/new-account':
            self._send(201, {'status': 'valid', 'contact': body.get('contact', [])}, {'Location': base + '/acct/1'})
        elif self.path == '/new-order':
            self._send(429, {'type': PROBLEM + 'rateLimited',
                             'detail': 'too many certificates already issued for this registered domain'},
                       {'Retry-After': '3600'}, problem=True)
        else:
            self._send(404, {'type': PROBLEM + 'malformed', 'detail': 'not here'}, problem=True)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        with open(self.log_file, 'a') as handle:
            handle.write('%s %s\n' % (self.command, self.path))


def start(address, port, directory, pidfile, lifetime, handler=None):
    if not ipaddress.ip_address(address).is_loopback:
        sys.exit('refusing to listen on %s: loopback only' % address)
    handler = handler or functools.partial(SimpleHTTPRequestHandler, directory=directory)
    server = ThreadingHTTPServer((address, int(port)), handler)  # bind before forking: errors reach the caller
    if os.fork():
        return
    os.setsid()
    if not os.fork():
        _serve_detached(server, pidfile, lifetime)
    os._exit(0)


def _serve_detached(server, pidfile, lifetime):
    with open(pidfile, 'w') as handle:
        handle.write(str(os.getpid()))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    timer = threading.Timer(lifetime, server.shutdown)  # bounded lifetime, whatever the tests do
    timer.daemon = True
    timer.start()
    server.serve_forever()


def stop(pidfile):
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
    except (IOError, OSError, ValueError):
        return
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            if b'serve.py' not in handle.read():
                return
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    os.unlink(pidfile)


def main(argv):
    if len(argv) >= 5 and argv[0] in ('start', 'start-acme-stub'):
        handler = None
        if argv[0] == 'start-acme-stub':
            handler = type('StubHandler', (RateLimitedAcme,), {'log_file': argv[3]})
        start(argv[1], argv[2], argv[3], argv[4], float(argv[5]) if len(argv) > 5 else 600.0, handler)
        # wait until the daemon has written its pid file
        deadline = time.time() + 5
        while not os.path.exists(argv[4]) and time.time() < deadline:
            time.sleep(0.05)
    elif len(argv) == 2 and argv[0] == 'stop':
        stop(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
