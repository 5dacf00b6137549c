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
  several vantage points at once), and one log line per request, client text escaped.

Whoever connects gets bounded resources: one request per connection, request line and
headers at most 8 KiB, a deadline for the whole connection (10 s by default), and caps on
connections in total and per client (``connection_limits``). A malformed request gets a
400 and its log line.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import http.client
import logging
import os
import stat
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.host.connection_limits import ConnectionLimits
from ansible_collections.sslclm.acme.plugins.module_utils.host.listeners import LISTEN_BACKLOG, family_of, prepare
from ansible_collections.sslclm.acme.plugins.module_utils.host.log_text import loggable
from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import THUMBPRINT_RE, valid_token

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
except ImportError:  # Python < 3.7 has no ThreadingHTTPServer; hosts need 3.8+
    BaseHTTPRequestHandler = object
    ThreadingHTTPServer = object

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    urlsplit = None

PREFIX = '/.well-known/acme-challenge/'
MAX_TOKEN_FILE = 4096
MAX_REQUEST_HEAD = 8192   # request line + headers; a validation request is about 200 bytes
REQUEST_TIMEOUT = 10.0

_LOG = logging.getLogger('sslclm.acme.http01')


def read_token_file(challenge_dir, token):
    """Content of a published token file, or None. Never follows a symlink."""
    if not challenge_dir or not valid_token(token):
        return None
    path = os.path.join(challenge_dir, token)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0))
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR):
            _LOG.warning('cannot open %s: %s', path, exc.strerror)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TOKEN_FILE:
            return None
        return os.read(fd, MAX_TOKEN_FILE).decode('ascii', 'replace').strip()
    finally:
        os.close(fd)


class _BoundedReader:
    """The request's input, limited to ``budget`` bytes of request line and headers.

    Past the budget ``readline`` raises ``LineTooLong``, which ``http.server`` answers
    with 431: a client cannot make the responder buffer 100 headers of 64 KiB each.
    """

    def __init__(self, raw, budget):
        self._raw = raw
        self._left = budget

    def readline(self, limit=-1):
        if self._left <= 0:
            raise http.client.LineTooLong('request line and headers longer than %d bytes' % MAX_REQUEST_HEAD)
        size = self._left if limit is None or limit < 0 else min(limit, self._left)
        line = self._raw.readline(size)
        self._left -= len(line)
        return line

    def __getattr__(self, name):
        return getattr(self._raw, name)


class Http01Handler(BaseHTTPRequestHandler):
    server_version = 'sslclm-acme-agent'
    sys_version = ''
    # Nobody speaks HTTP/0.9 any more: a request line without a version (or garbage) still
    # gets a status line and headers, e.g. "HTTP/1.0 400 Bad request syntax".
    default_request_version = 'HTTP/1.0'
    _error = None
    _logged = False

    def setup(self):
        self.timeout = self.server.limits.deadline  # each read; the deadline bounds the whole connection
        BaseHTTPRequestHandler.setup(self)
        self.rfile = _BoundedReader(self.rfile, MAX_REQUEST_HEAD)

    def handle(self):
        try:
            BaseHTTPRequestHandler.handle(self)
        except OSError as exc:  # reset by the client, or cut at the deadline while answering
            self._error = self._error or 'connection lost: %s' % (exc.strerror or exc)
        if not self._logged:
            if self.server.limits.was_expired(self.request):
                self._error = 'no complete request within %gs' % self.server.limits.deadline
            if self._error:
                self._log_line('-', '-', self._error)

    def _answer(self, with_body):
        if self.server.limits.was_expired(self.request):
            self.close_connection = True  # cut at the deadline: the request may be incomplete
            return
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

    def log_error(self, format, *args):  # pylint: disable=redefined-builtin
        """Kept for the request's one log line (``log_request``) instead of a line of its own."""
        if format.startswith('Request timed out'):
            self._error = 'no complete request within %gs' % self.server.limits.deadline
        elif format == 'code %d, message %s':  # send_error: the status code is in the line already
            self._error = args[1]
        else:
            self._error = format % args

    def log_request(self, code='-', size='-'):
        self._log_line(getattr(code, 'value', code), size, self._error)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        self._log_line('-', '-', format % args)

    def _log_line(self, code, size, note):
        self._logged = True
        headers = getattr(self, 'headers', None)
        host = headers.get('Host') if headers is not None else None
        self.server.log.info('%s host=%s "%s" %s %s%s', self.client_address[0], loggable(host),
                             loggable(getattr(self, 'requestline', '')), code, size,
                             ' (%s)' % loggable(note) if note else '')


class _Server(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` with admission control, deadlines, IPv6 and a real backlog."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address, port, limits, log):
        self.address_family = family_of(address)
        self.limits = limits
        self.log = log
        self.challenge_dir = None
        self.thumbprint = None
        ThreadingHTTPServer.__init__(self, (address, port), Http01Handler, bind_and_activate=False)
        try:
            prepare(self.socket, address)
            self.server_bind()
            self.server_activate()
        except BaseException:
            self.server_close()
            raise

    def server_bind(self):
        # HTTPServer.server_bind looks the host name up (getfqdn): slow and pointless here
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()

    def verify_request(self, request, client_address):
        refused = self.limits.admit(request, client_address[0])
        if refused:
            self.limits.log_refusal(self.log, 'HTTP-01', client_address[0], refused)
        return refused is None

    def shutdown_request(self, request):
        self.limits.release(request)
        ThreadingHTTPServer.shutdown_request(self, request)

    def service_actions(self):
        self.limits.expire()

    def handle_error(self, request, client_address):
        self.log.warning('HTTP-01: request from %s failed', client_address[0], exc_info=self.log.isEnabledFor(logging.DEBUG))


class Http01Responder:
    """Serve HTTP-01 on ``address:port`` from ``challenge_dir`` and/or a thumbprint.

    ``bind()`` only listens (before privileges are dropped, before the process detaches);
    ``serve()`` starts the thread; ``start()`` does both.
    """

    def __init__(self, address, port, challenge_dir=None, thumbprint=None, logger=None, limits=None):
        if ThreadingHTTPServer is object:
            raise RuntimeError('Python 3.7+ is required for the HTTP-01 responder')
        self.address = address
        self.port = int(port)
        self.limits = limits if limits is not None else ConnectionLimits(deadline=REQUEST_TIMEOUT)
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

    def set_challenge_dir(self, challenge_dir):
        self._challenge_dir = challenge_dir
        if self._server is not None:
            self._server.challenge_dir = challenge_dir

    def bind(self):
        server = _Server(self.address, self.port, self.limits, self._log)
        server.challenge_dir = self._challenge_dir
        server.thumbprint = self._thumbprint
        self._server = server
        self.port = server.server_address[1]
        return self

    def serve(self):
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.2},
                                        name='http01-%s:%s' % (self.address, self.port))
        self._thread.daemon = True
        self._thread.start()
        return self

    def start(self):
        return self.bind().serve()

    def stop(self, timeout=5.0):
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout)
            self._server.server_close()
            self.limits.expire(now=float('inf'))
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc_value, traceback):
        self.stop()
