#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: acme2certifier (a real ACME server with ARI) + its own pebble-challtestsrv, on loopback.

    ari_lab.py start DIR [OPTIONS]     issuing CA, config, challtestsrv, acme2certifier; prints the lab as JSON
    ari_lab.py restart DIR [OPTIONS]   acme2certifier again with a new [Renewalinfo] config (same CA and database)
    ari_lab.py stop DIR                stop both by their pid files (TERM, KILL after a bound); idempotent
    ari_lab.py requests DIR            the request log as a JSON list (JWS payloads of POSTs decoded)
    ari_lab.py certid PEMFILE          RFC 9773 certificate identifier of the first certificate in PEMFILE
    ari_lab.py serve DIR LIFETIME      (internal) the acme2certifier WSGI server, in the foreground

While the file DIR/reject-replaces exists, the server answers a newOrder that names ``replaces`` with
RFC 9773 ``alreadyReplaced`` (acme2certifier accepts and ignores ``replaces``), so that the client's
retry without it can be tested against the real server.

OPTIONS: --threshold PCT (renewalthreshold_pctg, default 85), --window DURATION (renewal_window_duration,
default unset), --retry-after SECONDS (ARI Retry-After, default 30), --validity-days N (default 10),
--lifetime SECONDS (both servers end by themselves after this, default 900), --profiles JSON (the ACME
profiles to advertise, e.g. {"classic": "https://...", "shortlived": "https://..."}; default none).

acme2certifier validates DNS-01 through port 53 of the address in ``dns_server_list``, so challtestsrv
gets a second DNS listener on 127.0.0.53:53. Nothing listens beyond 127.0.0.0/8. Every server is
started with a pid file in DIR and stopped through it only, after checking that the pid still runs
the program we started (its command line carries DIR or challtestsrv's management address).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import base64
import datetime
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

A2C_ADDRESS = ('127.0.0.81', 22000)
CHALLTESTSRV_MANAGEMENT = ('127.0.0.1', 8155)
CHALLTESTSRV_DNS = ('127.0.0.1', 8153)
A2C_DNS = '127.0.0.53'  # acme2certifier resolves through port 53 of this address
STOP_WAIT = 10.0
START_WAIT = 60.0


def _hostport(address):
    return '%s:%d' % address


def _path(lab, *names):
    return os.path.join(lab, *names)


def _write(path, text, mode=0o644):
    with open(path, 'w') as handle:
        handle.write(text)
    os.chmod(path, mode)


# ----------------------------------------------------------------- issuing CA
def make_ca(lab):
    """A self-signed issuing CA for acme2certifier's openssl handler (kept across restarts)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_dir = _path(lab, 'ca')
    if os.path.exists(_path(ca_dir, 'ca.pem')):
        return
    os.makedirs(_path(ca_dir, 'certs'))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'sslclm ARI test CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    crl = (x509.CertificateRevocationListBuilder().issuer_name(name).last_update(now)
           .next_update(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    _write(_path(ca_dir, 'ca.key'), key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()).decode(), 0o600)
    _write(_path(ca_dir, 'ca.pem'), cert.public_bytes(serialization.Encoding.PEM).decode())
    _write(_path(ca_dir, 'crl.pem'), crl.public_bytes(serialization.Encoding.PEM).decode())


def write_config(lab, options):
    ca_dir = _path(lab, 'ca')
    renewalinfo = ['renewalthreshold_pctg: %s' % options.threshold,
                   'retry_after_timeout: %d' % options.retry_after]
    if options.window:
        renewalinfo.append('renewal_window_duration: %s' % options.window)
    config = '\n'.join([
        '[DEFAULT]',
        'debug: False',
        'dns_server_list: ["%s"]' % A2C_DNS,
        '',
        '[Nonce]',
        'nonce_check_disable: False',
        '',
        '[Challenge]',
        'challenge_validation_disable: False',
        'challenge_validation_timeout: 10',
        '',
        '[Order]',
        'tnauthlist_support: False',
        'retry_after_timeout: 1',
    ] + (['profiles: %s' % options.profiles] if options.profiles else []) + [
        '',
        '[Renewalinfo]',
    ] + renewalinfo + [
        '',
        '[CAhandler]',
        'handler_module: acme2certifier.cahandlers.openssl_ca_handler',
        'issuing_ca_key: %s' % _path(ca_dir, 'ca.key'),
        'issuing_ca_cert: %s' % _path(ca_dir, 'ca.pem'),
        'issuing_ca_crl: %s' % _path(ca_dir, 'crl.pem'),
        'ca_cert_chain_list: ["%s"]' % _path(ca_dir, 'ca.pem'),
        'cert_save_path: %s' % _path(ca_dir, 'certs'),
        'cert_validity_days: %d' % options.validity_days,
        '',
        '[DBhandler]',
        'handler_module: acme2certifier.dbhandlers.wsgi_handler',
        'dbfile: %s' % _path(lab, 'a2c.db'),
        '',
    ])
    _write(_path(lab, 'acme_srv.cfg'), config)


# ----------------------------------------------------------------- processes
def _read_pid(pidfile):
    try:
        with open(pidfile) as handle:
            return int(handle.read().strip())
    except (IOError, OSError, ValueError):
        return None


def _ours(pid, marker):
    """pid runs and its command line carries marker: never signal a recycled pid."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            cmdline = handle.read()
        with open('/proc/%d/stat' % pid) as handle:
            if handle.read().rsplit(')', 1)[1].split()[0] == 'Z':
                return False
    except (IOError, OSError, IndexError):
        return False
    return marker.encode() in cmdline


def _stop_pidfile(pidfile, marker):
    pid = _read_pid(pidfile)
    if pid and _ours(pid, marker):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
        deadline = time.time() + STOP_WAIT
        while _ours(pid, marker) and time.time() < deadline:
            time.sleep(0.1)
        if _ours(pid, marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    if os.path.exists(pidfile):
        os.unlink(pidfile)


def _spawn(argv, pidfile, logfile, env=None):
    with open(logfile, 'ab') as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True, close_fds=True)
    _write(pidfile, '%d\n' % proc.pid)
    return proc


def _tail(path, lines=30):
    try:
        with open(path, 'rb') as handle:
            return b'\n'.join(handle.read().splitlines()[-lines:]).decode('utf-8', 'replace')
    except (IOError, OSError):
        return ''


def _wait(check, proc, what, logfile):
    deadline = time.time() + START_WAIT
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('%s exited with %s:\n%s' % (what, proc.returncode, _tail(logfile)))
        try:
            if check():
                return
        except Exception:  # pylint: disable=broad-except
            pass
        time.sleep(0.2)
    raise RuntimeError('%s did not come up within %ds:\n%s' % (what, START_WAIT, _tail(logfile)))


def _http_get(host, port, path):
    conn = socket.create_connection((host, port), timeout=2)
    try:
        conn.sendall(('GET %s HTTP/1.0\r\nHost: %s:%d\r\n\r\n' % (path, host, port)).encode())
        return conn.recv(64)
    finally:
        conn.close()


def _dns_ready():
    import dns.message
    import dns.query
    query = dns.message.make_query('ready.ari.test.', 'A')
    dns.query.udp(query, A2C_DNS, port=53, timeout=1)
    dns.query.udp(query, CHALLTESTSRV_DNS[0], port=CHALLTESTSRV_DNS[1], timeout=1)
    return True


def _ports_free():
    """Refuse to start over another lab: its answers would pass for ours."""
    busy = []
    for (host, port), kinds in ((A2C_ADDRESS, (socket.SOCK_STREAM,)),
                                (CHALLTESTSRV_MANAGEMENT, (socket.SOCK_STREAM,)),
                                (CHALLTESTSRV_DNS, (socket.SOCK_STREAM, socket.SOCK_DGRAM)),
                                ((A2C_DNS, 53), (socket.SOCK_STREAM, socket.SOCK_DGRAM))):
        for kind in kinds:
            probe = socket.socket(socket.AF_INET, kind)
            try:
                if kind == socket.SOCK_STREAM:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))
            except OSError as error:
                busy.append('%s:%d/%s (%s)' % (host, port, 'tcp' if kind == socket.SOCK_STREAM else 'udp',
                                               error.strerror))
            finally:
                probe.close()
    if busy:
        raise RuntimeError('in use: %s - is another renewal_ari lab running? Stop it with "ari_lab.py stop DIR" '
                           '(its servers also end by themselves after their lifetime)' % ', '.join(busy))


def start_challtestsrv(lab, lifetime):
    pidfile, logfile = _path(lab, 'challtestsrv.pid'), _path(lab, 'challtestsrv.log')
    # every listener explicit, or challtestsrv binds all interfaces; "timeout" bounds its life.
    argv = ['timeout', '-k', '5', str(int(lifetime)), 'pebble-challtestsrv',
            '-management', _hostport(CHALLTESTSRV_MANAGEMENT),
            '-dns01', '%s,%s:53' % (_hostport(CHALLTESTSRV_DNS), A2C_DNS),
            '-http01', '', '-https01', '', '-tlsalpn01', '',
            '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '']
    proc = _spawn(argv, pidfile, logfile)
    try:
        _wait(lambda: _http_get(CHALLTESTSRV_MANAGEMENT[0], CHALLTESTSRV_MANAGEMENT[1], '/'), proc,
              'pebble-challtestsrv', logfile)
        _wait(_dns_ready, proc, 'the DNS of pebble-challtestsrv', logfile)
        if b'address already in use' in open(logfile, 'rb').read():  # it keeps running without that listener
            raise RuntimeError('pebble-challtestsrv could not bind every listener:\n%s' % _tail(logfile))
    except RuntimeError:
        _stop_pidfile(pidfile, _hostport(CHALLTESTSRV_MANAGEMENT))
        raise


def start_a2c(lab, lifetime):
    pidfile, logfile = _path(lab, 'a2c.pid'), _path(lab, 'a2c.log')
    env = dict(os.environ, ACME_SRV_CONFIGFILE=_path(lab, 'acme_srv.cfg'))
    env.pop('ACME2CERTIFIER_BASE_DIR', None)
    ready = _path(lab, 'a2c.ready')
    if os.path.exists(ready):
        os.unlink(ready)
    proc = _spawn([sys.executable, os.path.abspath(__file__), 'serve', lab, str(lifetime)], pidfile, logfile, env)
    try:
        # a2c.ready: written by the server once it holds the socket, so no other server's answer counts
        _wait(lambda: os.path.exists(ready) and
              _http_get(A2C_ADDRESS[0], A2C_ADDRESS[1], '/directory').startswith(b'HTTP/1.0 200'),
              proc, 'acme2certifier', logfile)
    except RuntimeError:
        _stop_pidfile(pidfile, lab)
        raise


def describe(lab):
    base = 'http://%s:%d' % A2C_ADDRESS
    return {
        'a2c_directory': base + '/directory',
        'a2c_base': base,
        'a2c_config': _path(lab, 'acme_srv.cfg'),
        'a2c_db': _path(lab, 'a2c.db'),
        'a2c_log': _path(lab, 'a2c.log'),
        'a2c_ca_cert': _path(lab, 'ca', 'ca.pem'),
        'requests_log': _path(lab, 'requests.jsonl'),
        'challtestsrv_management': 'http://' + _hostport(CHALLTESTSRV_MANAGEMENT),
        'challtestsrv_dns': _hostport(CHALLTESTSRV_DNS),
    }


def cmd_start(lab, options):
    if not os.path.isdir(lab):
        os.makedirs(lab)
    cmd_stop(lab)
    _ports_free()
    make_ca(lab)
    write_config(lab, options)
    started = time.time()
    start_challtestsrv(lab, options.lifetime)
    try:
        start_a2c(lab, options.lifetime)
    except RuntimeError:
        cmd_stop(lab)
        raise
    print(json.dumps(dict(describe(lab), start_seconds=round(time.time() - started, 2))))


def cmd_restart(lab, options):
    _stop_pidfile(_path(lab, 'a2c.pid'), lab)
    deadline = time.time() + STOP_WAIT  # the old server's socket goes with the process
    while time.time() < deadline:
        try:
            _http_get(A2C_ADDRESS[0], A2C_ADDRESS[1], '/directory')
        except OSError:
            break
        time.sleep(0.1)
    write_config(lab, options)
    started = time.time()
    start_a2c(lab, options.lifetime)
    print(json.dumps(dict(describe(lab), start_seconds=round(time.time() - started, 2))))


def cmd_stop(lab):
    _stop_pidfile(_path(lab, 'a2c.pid'), lab)
    _stop_pidfile(_path(lab, 'challtestsrv.pid'), _hostport(CHALLTESTSRV_MANAGEMENT))


def cmd_requests(lab):
    entries = []
    path = _path(lab, 'requests.jsonl')
    if os.path.exists(path):
        with open(path) as handle:
            entries = [json.loads(line) for line in handle if line.strip()]
    print(json.dumps(entries))


def _b64url(data):
    return base64.urlsafe_b64encode(data).decode('ascii').rstrip('=')


def cmd_certid(pemfile):
    """Computed here from the hex serial (not as the collection does), to cross-check it."""
    from cryptography import x509
    with open(pemfile, 'rb') as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    serial_hex = '%x' % cert.serial_number
    if len(serial_hex) % 2:
        serial_hex = '0' + serial_hex
    if int(serial_hex[0], 16) >= 8:  # DER INTEGER: a leading 1 bit would make it negative
        serial_hex = '00' + serial_hex
    print(json.dumps({'cert_id': '%s.%s' % (_b64url(aki), _b64url(bytes.fromhex(serial_hex))),
                      'serial': '%x' % cert.serial_number}))


# ----------------------------------------------------------------- the server
def _decode_jws(body):
    try:
        jws = json.loads(body.decode('utf-8'))
        protected = json.loads(base64.urlsafe_b64decode(jws['protected'] + '=' * (-len(jws['protected']) % 4)))
        payload = jws.get('payload') or ''
        decoded = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4))) if payload else None
        return {'url': protected.get('url'), 'payload': decoded}
    except (ValueError, KeyError, TypeError):
        return {'undecodable': True}


def _already_replaced(application, environ, start_response):
    """RFC 9773 alreadyReplaced for a newOrder naming replaces (acme2certifier itself ignores replaces).

    The answer carries a fresh nonce from acme2certifier, as any ACME error must.
    """
    nonce = {}

    def keep(unused_status, headers, unused_exc_info=None):
        nonce.update((k.lower(), v) for k, v in headers)

    probe = dict(environ, REQUEST_METHOD='HEAD', PATH_INFO='/acme/newnonce', CONTENT_LENGTH='0')
    probe['wsgi.input'] = io.BytesIO(b'')
    list(application(probe, keep))
    body = json.dumps({'type': 'urn:ietf:params:acme:error:alreadyReplaced', 'status': 409,
                       'detail': 'the certificate named in replaces was replaced already (injected by the test)'})
    start_response('409 Conflict', [('Content-Type', 'application/problem+json'),
                                    ('Replay-Nonce', nonce.get('replay-nonce', '')),
                                    ('Content-Length', str(len(body)))])
    return [body.encode('utf-8')]


def cmd_serve(lab, lifetime):
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from socketserver import ThreadingMixIn

    from acme2certifier.share.acme2certifier_wsgi import application  # boots from ACME_SRV_CONFIGFILE

    log_lock = threading.Lock()
    log_path = _path(lab, 'requests.jsonl')

    def logged(environ, start_response):
        body = b''
        if environ.get('REQUEST_METHOD') == 'POST':
            body = environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0))
            environ['wsgi.input'] = io.BytesIO(body)
        seen = {}

        def remember(status, headers, exc_info=None):
            seen['status'] = int(status.split(' ', 1)[0])
            seen['retry_after'] = dict((k.lower(), v) for k, v in headers).get('retry-after')
            return start_response(status, headers, exc_info)

        decoded = _decode_jws(body) if body else {}
        injected = (environ.get('PATH_INFO') == '/acme/neworders' and 'replaces' in (decoded.get('payload') or {})
                    and os.path.exists(_path(lab, 'reject-replaces')))
        if injected:
            result = _already_replaced(application, environ, remember)
        else:
            result = list(application(environ, remember))
        entry = {'ts': time.time(), 'method': environ.get('REQUEST_METHOD'), 'path': environ.get('PATH_INFO'),
                 'status': seen.get('status'), 'retry_after': seen.get('retry_after'), 'injected': injected}
        entry.update(decoded)
        with log_lock:
            with open(log_path, 'a') as handle:
                handle.write(json.dumps(entry) + '\n')
        return result

    class Handler(WSGIRequestHandler):
        def address_string(self):
            return self.client_address[0]

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(A2C_ADDRESS, Handler)
    server.set_app(logged)
    _write(_path(lab, 'a2c.ready'), '%d\n' % os.getpid())
    timer = threading.Timer(float(lifetime), server.shutdown)  # bounded, whatever the tests do
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGTERM, lambda *unused: threading.Thread(target=server.shutdown).start())
    server.serve_forever()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=['start', 'restart', 'stop', 'requests', 'certid', 'serve'])
    parser.add_argument('target', help='lab directory (certid: PEM file)')
    parser.add_argument('lifetime_arg', nargs='?', default=None)
    parser.add_argument('--threshold', default='85')
    parser.add_argument('--window', default='')
    parser.add_argument('--retry-after', type=int, default=30)
    parser.add_argument('--validity-days', type=int, default=10)
    parser.add_argument('--lifetime', type=float, default=900.0)
    parser.add_argument('--profiles', default='',
                        help='JSON object of ACME profiles to advertise ([Order] profiles; unknown ones are refused)')
    options = parser.parse_args(argv)
    if options.command == 'certid':
        return cmd_certid(options.target)
    lab = os.path.abspath(options.target)
    if options.command == 'start':
        return cmd_start(lab, options)
    if options.command == 'restart':
        return cmd_restart(lab, options)
    if options.command == 'stop':
        return cmd_stop(lab)
    if options.command == 'requests':
        return cmd_requests(lab)
    return cmd_serve(lab, options.lifetime_arg or options.lifetime)


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except RuntimeError as error:
        sys.exit(str(error))
