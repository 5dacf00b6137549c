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

from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import SNI_RE, normalize_sni

ALPN_PROTOCOL = 'acme-tls/1'
CERT_SUFFIX = '.crt.pem'
KEY_SUFFIX = '.key.pem'

_MAX_CLIENT_HELLO = 65536      # bytes peeked at most; real ones are 200 B .. 2 KiB
_MAX_PEM_FILE = 65536          # challenge cert or key file
_ALERT_NO_APPLICATION_PROTOCOL = 120
_MAX_CONNECTIONS = 64

_LOG = logging.getLogger(__name__)


# --------------------------------------------------------------------------- ClientHello
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
            if size > _MAX_CLIENT_HELLO:
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


def _peek_client_hello(sock, timeout):
    """Wait (bounded) until the whole ClientHello is in the receive buffer, without consuming it."""
    deadline = time.monotonic() + timeout
    seen = -1
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout('no complete ClientHello within %ss' % timeout)
        sock.settimeout(remaining)
        data = sock.recv(_MAX_CLIENT_HELLO, socket.MSG_PEEK)
        if not data:
            return None
        hello = parse_client_hello(data)
        if hello is not None:
            return hello
        if len(data) >= _MAX_CLIENT_HELLO:
            raise ValueError('ClientHello larger than %d bytes' % _MAX_CLIENT_HELLO)
        if len(data) == seen:
            time.sleep(0.01)  # a peek returns at once while old bytes wait: do not spin
        seen = len(data)


def _refuse(sock, description):
    """Send a fatal TLS alert in the clear (no ServerHello was sent yet) and end the connection.

    The peeked ClientHello is consumed first: closing a socket with unread data sends
    a TCP reset, which can make the client lose the alert.
    """
    try:
        sock.settimeout(0.5)
        sock.recv(_MAX_CLIENT_HELLO)
        sock.sendall(bytes([21, 3, 3, 0, 2, 2, description]))
        sock.shutdown(socket.SHUT_WR)
        for dummy in range(16):
            if not sock.recv(4096):
                break
    except (OSError, ValueError):
        pass


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
    manager, or call ``start()`` and ``stop()``.
    """

    def __init__(self, address, port, handshake_timeout=10.0, logger=None):
        self.address = address
        self.port = int(port)
        self.handshake_timeout = float(handshake_timeout)
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
                           repr(server_name) if server_name else 'a client without SNI')
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        ssl_socket.context = context
        return None

    # -- serving ----------------------------------------------------------
    def start(self):
        """Bind and serve in daemon threads; returns self (``port`` holds the bound port)."""
        if self._listener is not None:
            raise RuntimeError('the TLS-ALPN-01 responder is already running')
        family = socket.AF_INET6 if ':' in self.address else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.address, self.port))
            listener.listen(64)
            listener.settimeout(0.2)  # the accept loop polls the stop flag
        except BaseException:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._accept_thread = threading.Thread(target=self._accept_loop, name='tls-alpn-accept', daemon=True)
        self._accept_thread.start()
        self._log.info('TLS-ALPN-01 responder listening on %s port %d', self.address, self.port)
        return self

    def _accept_loop(self):
        listener = self._listener
        while not self._stopping.is_set():
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
            with self._lock:
                busy = len(self._connections) >= _MAX_CONNECTIONS
            if busy:
                self._log.warning('TLS-ALPN-01 responder: %d connections open, dropping %s',
                                  _MAX_CONNECTIONS, peer[0])
                conn.close()
                continue
            conn.settimeout(self.handshake_timeout)
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
                hello = _peek_client_hello(conn, self.handshake_timeout)
            except (OSError, ValueError) as exc:
                self._log.info('TLS-ALPN-01: no usable ClientHello from %s: %s', client, exc)
                return
            if hello is None:
                return
            server_name, protocols = hello
            if ALPN_PROTOCOL not in protocols:
                self._log.info('TLS-ALPN-01: refusing %s (SNI %r): ALPN offered %s, not %s',
                               client, server_name, protocols or 'none', ALPN_PROTOCOL)
                _refuse(conn, _ALERT_NO_APPLICATION_PROTOCOL)
                return
            conn.settimeout(max(0.1, self.handshake_timeout - (time.monotonic() - started)))
            tls = self._default_context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            with self._lock:
                self._connections[me] = tls  # conn is detached now; stop() must reach tls
            try:
                tls.do_handshake()
            except (OSError, ValueError) as exc:
                self._log.info('TLS-ALPN-01: handshake with %s (SNI %r) failed: %s', client, server_name, exc)
                return
            if tls.selected_alpn_protocol() != ALPN_PROTOCOL:  # the peek makes this unreachable
                self._log.warning('TLS-ALPN-01: %s negotiated ALPN %r', client, tls.selected_alpn_protocol())
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
