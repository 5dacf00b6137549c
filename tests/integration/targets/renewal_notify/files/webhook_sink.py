#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: a webhook receiver on loopback that checks the HMAC-SHA256 signature and records every request.

    webhook_sink.py start ADDRESS PORT CERT KEY SECRET_FILE OUT PIDFILE [FAIL_FIRST]
    webhook_sink.py stop PIDFILE

HTTPS with CERT/KEY. Every POST is appended to OUT as one JSON line: path, the X-Sslclm-* headers, the parsed
body, whether the signature (header X-Sslclm-Signature, "sha256=" + hex HMAC of the body with the secret read from
SECRET_FILE) is valid, and the status answered: 503 to the first FAIL_FIRST requests (to exercise retries), 401 to
a request without a valid signature, 204 otherwise. Detaches (for 30 minutes at most); the pid file appears once it listens.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import hmac
import json
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import detached  # beside this file


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        server = self.server
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        expected = 'sha256=' + hmac.new(server.secret, body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, self.headers.get('X-Sslclm-Signature') or '')
        with server.lock:
            server.count += 1
            status = 503 if server.count <= server.fail_first else (204 if valid else 401)
            try:
                document = json.loads(body.decode('utf-8'))
            except ValueError:
                document = None
            record = {'path': self.path, 'signature_valid': valid, 'status': status, 'body': document,
                      'headers': dict((k, v) for k, v in self.headers.items() if k.lower().startswith('x-sslclm')
                                      or k.lower() in ('content-type', 'user-agent'))}
            with open(server.out, 'a') as handle:
                handle.write(json.dumps(record, sort_keys=True) + '\n')
        answer = b'bad signature' if status == 401 else b''
        self.send_response(status)
        self.send_header('Content-Length', str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def start(address, port, cert, key, secret_file, out, pidfile, fail_first=0):
    with open(secret_file, 'rb') as handle:
        secret = handle.read().strip()
    server = ThreadingHTTPServer((address, int(port)), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.secret, server.out, server.fail_first, server.count = secret, out, int(fail_first), 0
    server.lock = threading.Lock()
    open(out, 'a').close()
    if detached.daemonize(pidfile, 'webhook sink'):
        detached.ready(pidfile)
        timer = threading.Timer(detached.LIFETIME, server.shutdown)
        timer.daemon = True
        timer.start()
        server.serve_forever()


if __name__ == '__main__':
    if sys.argv[1] == 'start':
        start(*sys.argv[2:])
    else:
        detached.stop(sys.argv[2])
