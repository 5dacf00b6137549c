# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An HTTP-01 responder (RFC 8555 §8.3) in the standard library only: it runs on managed hosts.

It answers ``GET /.well-known/acme-challenge/<token>`` and nothing else:

* a token must be base64url (``[A-Za-z0-9_-]``): anything else, ``..``, ``/`` or an
  encoded slash is a 404 before any file-system access;
* a published file ``<challenge_dir>/<token>`` wins (publishing mode); it must be a
  regular file, opened with ``O_NOFOLLOW`` (a symlink is a 404), at most 4 KiB;
* otherwise, with an account thumbprint configured (stateless mode), the answer is
  ``<token>.<thumbprint>``: the key authorization, valid for every token of that
  account, so every backend behind a load balancer answers without a file;
* no directory listings, no other paths, concurrent requests (the CA validates from
  several vantage points at once), and one log line per request.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import logging
import os
import stat
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import THUMBPRINT_RE, valid_token

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
except ImportError:  # Python < 3.7 has no ThreadingHTTPServer; hosts need 3.8+
    BaseHTTPRequestHandler = object
    ThreadingHTTPServer = None

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    urlsplit = None

PREFIX = '/.well-known/acme-challenge/'
MAX_TOKEN_FILE = 4096

_LOG = logging.getLogger('sslclm.acme.http01')


def read_token_file(challenge_dir, token):
    """Content of a published token file, or None. Never follows a symlink."""
    if not challenge_dir or not valid_token(token):
        return None
    path = os.path.join(challenge_dir, token)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0))
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR, errno.EACCES):
            _LOG.warning('cannot open %s: %s', path, exc.strerror)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TOKEN_FILE:
            return None
        return os.read(fd, MAX_TOKEN_FILE).decode('ascii', 'replace').strip()
    finally:
        os.close(fd)


class Http01Handler(BaseHTTPRequestHandler):
    server_version = 'sslclm-acme-agent'
    sys_version = ''

    def _answer(self, with_body):
        path = urlsplit(self.path).path if urlsplit else self.path
        body = None
        if path.startswith(PREFIX):
            token = path[len(PREFIX):]
            body = read_token_file(self.server.challenge_dir, token)
            if body is None and valid_token(token) and self.server.thumbprint:
                body = '%s.%s' % (token, self.server.thumbprint)
        status = 200 if body is not None else 404
        data = (body if body is not None else 'not found').encode('ascii', 'replace')
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._answer(True)

    def do_HEAD(self):  # noqa: N802
        self._answer(False)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        self.server.log.info('%s host=%s %s', self.client_address[0], self.headers.get('Host', '-'), format % args)


class Http01Responder:
    """Serve HTTP-01 on ``address:port`` from ``challenge_dir`` and/or a thumbprint."""

    def __init__(self, address, port, challenge_dir=None, thumbprint=None, logger=None):
        if ThreadingHTTPServer is None:
            raise RuntimeError('Python 3.7+ is required for the HTTP-01 responder')
        self.address = address
        self.port = int(port)
        self._server = None
        self._thread = None
        self._challenge_dir = challenge_dir
        self._thumbprint = None
        self._log = logger or _LOG
        self.set_thumbprint(thumbprint)

    def set_thumbprint(self, thumbprint):
        """Switch accounts (after a key rollover) without a restart."""
        if thumbprint and not THUMBPRINT_RE.match(thumbprint):
            raise ValueError('an account thumbprint is 43 base64url characters')
        self._thumbprint = thumbprint or None
        if self._server is not None:
            self._server.thumbprint = self._thumbprint

    def start(self):
        server = ThreadingHTTPServer((self.address, self.port), Http01Handler)
        server.daemon_threads = True
        server.challenge_dir = self._challenge_dir
        server.thumbprint = self._thumbprint
        server.log = self._log
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2},
                                        name='http01-%s:%s' % (self.address, self.port))
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self, timeout=5.0):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc_value, traceback):
        self.stop()
