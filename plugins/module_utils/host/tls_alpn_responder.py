# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A TLS-ALPN-01 responder (RFC 8737) in the standard library only.

It also runs on managed hosts that have nothing but Python 3.8+, so: no third-party
imports, no syntax newer than 3.8. The challenge certificates are built elsewhere
(``module_utils/acme/tls_alpn.py`` on the controller) and handed over as PEM.

Behaviour the CA relies on:

* only ALPN ``acme-tls/1`` is answered. Python's ``ssl`` carries on without ALPN when
  the client offers no common protocol, which would hand the challenge certificate to
  any TLS client; so the ClientHello is peeked at (``MSG_PEEK``) before the handshake
  and refused with a ``no_application_protocol`` alert if ``acme-tls/1`` is missing;
* the certificate is chosen per SNI in ``sni_callback`` (one ``SSLContext`` per
  challenge); an unknown or missing SNI aborts the handshake with
  ``unrecognized_name``;
* one thread per connection: Pebble validates each challenge three times at once;
  bounded like the HTTP-01 responder's (``connection_limits``): caps in total and per
  client, a short deadline for the ClientHello (3 s) and one for the whole connection
  (10 s), so idle connections from one address cannot lock a validation out;
* no application data: the connection is closed right after the handshake, and
  session tickets are off (a resumed session would carry no certificate).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import logging
import os
import shutil
import socket
import ssl
import stat
import tempfile
import threading
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.client_hello import peek_client_hello, send_alert
from ansible_collections.sslclm.acme.plugins.module_utils.host.connection_limits import ConnectionLimits
from ansible_collections.sslclm.acme.plugins.module_utils.host.listeners import bind_listener
from ansible_collections.sslclm.acme.plugins.module_utils.host.log_text import loggable
from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import SNI_RE, normalize_sni

ALPN_PROTOCOL = 'acme-tls/1'
CERT_SUFFIX = '.crt.pem'
KEY_SUFFIX = '.key.pem'

_MAX_PEM_FILE = 65536          # challenge cert or key file
_ALERT_NO_APPLICATION_PROTOCOL = 120
HANDSHAKE_TIMEOUT = 10.0       # the whole connection
CLIENT_HELLO_TIMEOUT = 3.0     # the ClientHello: a CA sends it at once

_LOG = logging.getLogger(__name__)


# --------------------------------------------------------------------------- files
def _read_small_file(path):
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError('%s is not a regular file' % path)
        if info.st_size > _MAX_PEM_FILE:
            raise ValueError('%s is larger than %d bytes' % (path, _MAX_PEM_FILE))
        with os.fdopen(fd, 'rb') as handle:
            fd = None
            return handle.read(_MAX_PEM_FILE + 1)
    finally:
        if fd is not None:
            os.close(fd)


def load_from_directory(path, logger=None):
    """Challenge certificates kept as ``<sni>.crt.pem`` + ``<sni>.key.pem`` in ``path``.

    Returns ``{sni: (cert_pem, key_pem)}``. Files with other suffixes are ignored;
    invalid names, half-written pairs and unreadable files are logged and skipped, so
    an agent polling the directory never stops on a stray file.
    """
    log = logger or _LOG
    pairs = {}
    for entry in sorted(os.listdir(path)):
        if not entry.endswith(CERT_SUFFIX):
            continue
        name = entry[:-len(CERT_SUFFIX)]
        if not SNI_RE.match(name):
            log.warning('skipping %r in %s: not a lowercase DNS name', entry, path)
            continue
        key_file = os.path.join(path, name + KEY_SUFFIX)
        try:
            cert_pem = _read_small_file(os.path.join(path, entry))
            key_pem = _read_small_file(key_file)
        except (OSError, ValueError) as exc:
            log.warning('skipping %s in %s: %s', name, path, getattr(exc, 'strerror', None) or exc)
            continue
        pairs[name] = (cert_pem, key_pem)
    return pairs


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)


def _as_bytes(pem):
    return pem.encode('ascii') if isinstance(pem, str) else bytes(pem)


# --------------------------------------------------------------------------- responder
class TlsAlpnResponder:
    """Serve TLS-ALPN-01 challenge certificates on ``address:port`` (port 0: any free port).

    ``add()``/``remove()`` work before and while the responder runs. Use as a context
    manager, or call ``start()`` and ``stop()`` (``start()`` = ``bind()`` + ``serve()``:
    the agent binds before it drops privileges and detaches, and serves after).
    """

    def __init__(self, address, port, handshake_timeout=HANDSHAKE_TIMEOUT, logger=None, limits=None,
                 client_hello_timeout=CLIENT_HELLO_TIMEOUT):
        self.address = address
        self.port = int(port)
        self.handshake_timeout = float(handshake_timeout)
        self.client_hello_timeout = min(float(client_hello_timeout), self.handshake_timeout)
        self.limits = limits if limits is not None else ConnectionLimits(deadline=self.handshake_timeout)
        self._log = logger or _LOG
        self._lock = threading.Lock()
        self._contexts = {}
        self._connections = {}
        self._listener = None
        self._accept_thread = None
        self._stopping = threading.Event()
        self._default_context = self._new_context()
        self._default_context.sni_callback = self._select_certificate

    # -- certificates -----------------------------------------------------
    @staticmethod
    def _new_context():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2  # RFC 8737 section 4
        context.set_alpn_protocols([ALPN_PROTOCOL])
        context.options |= getattr(ssl, 'OP_NO_TICKET', 0)
        if hasattr(context, 'num_tickets'):
            context.num_tickets = 0
        return context

    def add(self, sni_name, cert_pem, key_pem):
        """Serve ``cert_pem``/``key_pem`` (PEM bytes or str) for ``sni_name``; replaces an older one.

        ``ssl`` only loads keys from files: they are written 0600 into a private (0700)
        temporary directory, loaded, and removed again before this returns.
        """
        name = normalize_sni(sni_name)
        context = self._new_context()
        directory = tempfile.mkdtemp(prefix='sslclm-tls-alpn-')
        try:
            cert_path = os.path.join(directory, 'cert.pem')
            key_path = os.path.join(directory, 'key.pem')
            _write_private(cert_path, _as_bytes(cert_pem))
            _write_private(key_path, _as_bytes(key_pem))
            try:
                context.load_cert_chain(cert_path, key_path)
            except ssl.SSLError as exc:
                # The message names the OpenSSL reason only, never the PEM content.
                raise ValueError('cannot load the challenge certificate/key for %s: %s'
                                 % (name, exc.reason or exc))
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        with self._lock:
            self._contexts[name] = context
        self._log.debug('TLS-ALPN-01: holding a challenge certificate for %s', name)

    def remove(self, sni_name):
        """Stop serving ``sni_name``; True if it was held."""
        name = normalize_sni(sni_name)
        with self._lock:
            found = self._contexts.pop(name, None) is not None
        if found:
            self._log.debug('TLS-ALPN-01: dropped the challenge certificate for %s', name)
        return found

    def names(self):
        with self._lock:
            return sorted(self._contexts)

    def load_from_directory(self, path, sync=False):
        """Add every pair from ``load_from_directory(path)``; with ``sync`` also drop names not there.

        Returns the sorted names added. A pair that does not load is logged and skipped.
        """
        added = []
        pairs = load_from_directory(path, logger=self._log)
        for name, (cert_pem, key_pem) in pairs.items():
            try:
                self.add(name, cert_pem, key_pem)
            except ValueError as exc:
                self._log.warning('skipping %s in %s: %s', name, path, exc)
                continue
            added.append(name)
        if sync:
            for name in self.names():
                if name not in pairs:
                    self.remove(name)
        return sorted(added)

    def _select_certificate(self, ssl_socket, server_name, initial_context):
        """``sni_callback``: switch to the challenge's context, or abort the handshake."""
        name = (server_name or '').lower().rstrip('.')
        with self._lock:
            context = self._contexts.get(name)
        if context is None:
            self._log.info('TLS-ALPN-01: refusing a handshake for %s: no challenge certificate held',
                           loggable(server_name) if server_name else 'a client without SNI')
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        ssl_socket.context = context
        return None

    # -- serving ----------------------------------------------------------
    def bind(self):
        """Listen on ``address:port``; returns self (``port`` holds the bound port)."""
        if self._listener is not None:
            raise RuntimeError('the TLS-ALPN-01 responder is already running')
        listener = bind_listener(self.address, self.port)
        listener.settimeout(0.2)  # the accept loop polls the stop flag and the deadlines
        self.port = listener.getsockname()[1]
        self._listener = listener
        return self

    def serve(self):
        """Accept and answer in daemon threads; returns self."""
        self._stopping.clear()
        self._accept_thread = threading.Thread(target=self._accept_loop, name='tls-alpn-accept', daemon=True)
        self._accept_thread.start()
        self._log.info('TLS-ALPN-01 responder listening on %s port %d', self.address, self.port)
        return self

    def start(self):
        """Bind and serve in daemon threads; returns self (``port`` holds the bound port)."""
        return self.bind().serve()

    def _accept_loop(self):
        listener = self._listener
        while not self._stopping.is_set():
            self.limits.expire()
            try:
                conn, peer = listener.accept()
            except socket.timeout:
                continue
            except OSError as exc:
                if self._stopping.is_set():
                    break
                self._log.warning('TLS-ALPN-01 responder: accept failed: %s', exc)
                time.sleep(0.05)
                continue
            refused = self.limits.admit(conn, peer[0])
            if refused:
                self.limits.log_refusal(self._log, 'TLS-ALPN-01', peer[0], refused)
                conn.close()
                continue
            conn.settimeout(self.client_hello_timeout)
            worker = threading.Thread(target=self._serve, args=(conn, peer), name='tls-alpn-conn', daemon=True)
            with self._lock:
                self._connections[worker] = conn
            worker.start()

    def _serve(self, conn, peer):
        client = '%s:%s' % (peer[0], peer[1])
        started = time.monotonic()
        me = threading.current_thread()
        tls = None
        try:
            try:
                hello = peek_client_hello(conn, self.client_hello_timeout)
            except (OSError, ValueError) as exc:
                self._log.info('TLS-ALPN-01: no usable ClientHello from %s: %s', client, exc)
                return
            if hello is None:
                return
            server_name, protocols = hello
            if ALPN_PROTOCOL not in protocols:
                self._log.info('TLS-ALPN-01: refusing %s (SNI %s): ALPN offered %s, not %s', client,
                               loggable(server_name), loggable(','.join(protocols)) if protocols else 'none', ALPN_PROTOCOL)
                send_alert(conn, _ALERT_NO_APPLICATION_PROTOCOL)
                return
            conn.settimeout(max(0.1, self.handshake_timeout - (time.monotonic() - started)))
            tls = self._default_context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            with self._lock:
                self._connections[me] = tls  # conn is detached now; stop() must reach tls
            self.limits.replace(conn, tls)
            try:
                tls.do_handshake()
            except (OSError, ValueError) as exc:
                self._log.info('TLS-ALPN-01: handshake with %s (SNI %s) failed: %s', client, loggable(server_name), exc)
                return
            if tls.selected_alpn_protocol() != ALPN_PROTOCOL:  # the peek makes this unreachable
                self._log.warning('TLS-ALPN-01: %s negotiated ALPN %s', client, loggable(tls.selected_alpn_protocol()))
            else:
                self._log.info('TLS-ALPN-01: served the challenge certificate for %s to %s', server_name, client)
            # RFC 8737 section 3: no application data; close_notify, then close.
            tls.settimeout(1.0)
            try:
                tls.unwrap()
            except (OSError, ValueError):
                pass
        finally:
            for sock in (tls, conn):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass
            self.limits.release(tls if tls is not None else conn)
            with self._lock:
                self._connections.pop(me, None)

    def stop(self, timeout=5.0):
        """Close the listener and every open connection; wait at most ``timeout`` seconds for the threads."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(max(0.0, deadline - time.monotonic()))
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            open_connections = list(self._connections.items())
        for worker, sock in open_connections:
            try:
                # socket.socket.shutdown, not SSLSocket.shutdown: only wake the blocked
                # read in the worker, leave the TLS object to the worker thread.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass
        for worker, sock in open_connections:
            worker.join(max(0.0, deadline - time.monotonic()))
        lingering = [worker for worker, sock in open_connections if worker.is_alive()]
        if lingering:
            self._log.warning('TLS-ALPN-01 responder: %d connection thread(s) still running after %ss',
                              len(lingering), timeout)
        if self._listener is not None:
            self._log.info('TLS-ALPN-01 responder on %s port %d stopped', self.address, self.port)
        self._listener = None
        self._accept_thread = None

    @property
    def running(self):
        return self._listener is not None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc_value, traceback):
        self.stop()
        return False
