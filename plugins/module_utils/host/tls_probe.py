# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which certificate does a TLS endpoint serve? (stdlib only: runs on managed hosts, Python 3.8+).

``acme_deploy`` uses it to confirm that a reload took effect: it opens TLS connections
until the leaf certificate the server sends has the expected SHA-256 fingerprint, within
a deadline. The handshake does not validate the chain or the name - it compares the
served leaf, byte for byte, with the certificate just deployed, which is stronger than
"some valid certificate is served" and works with private CAs on hosts that trust none.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import hashlib
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks

# ssl and socket are imported where a handshake is made: a deploy without verify (and every
# acme_deploy host program start) does not pay for them.


def fingerprint_der(der):
    return hashlib.sha256(der).hexdigest()


def fingerprint_pem(pem):
    """SHA-256 fingerprint (hex) of the first certificate in ``pem``, or None if there is none."""
    blocks = pem_blocks(pem)
    if not blocks:
        return None
    body = blocks[0].split('-----')[2]
    return fingerprint_der(binascii.a2b_base64(''.join(body.split())))


def short(fingerprint):
    """First 16 hex digits, for messages (results carry the full value)."""
    return (fingerprint or '')[:16]


def served_leaf(host, port, server_name=None, timeout=5.0):
    """DER of the leaf certificate ``host:port`` sends for SNI ``server_name``.

    Raises ``OSError`` (refused, timeout, TLS alert …) when no certificate could be read.
    """
    import socket  # pylint: disable=import-outside-toplevel
    import ssl  # pylint: disable=import-outside-toplevel
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        with context.wrap_socket(sock, server_hostname=server_name or None) as tls:
            der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError('the server sent no certificate')
    return der


def served_fingerprint(host, port, server_name=None, timeout=5.0):
    """SHA-256 fingerprint of the leaf certificate ``host:port`` sends for SNI ``server_name``."""
    return fingerprint_der(served_leaf(host, port, server_name, timeout))


def der_to_pem(der):
    body = binascii.b2a_base64(der, newline=False).decode('ascii')
    return '-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n' % '\n'.join(
        body[i:i + 64] for i in range(0, len(body), 64))


def _describe_error(exc):
    import socket  # pylint: disable=import-outside-toplevel
    if isinstance(exc, socket.timeout):
        return 'timed out'
    text = getattr(exc, 'strerror', None) or str(exc) or exc.__class__.__name__
    return text


def probe(host, port, server_name=None, timeout=5.0, with_pem=False):
    """One attempt → ``{'fingerprint': hex or None, 'error': text or None}`` (and ``pem`` of the served leaf
    with ``with_pem``); never raises for network errors."""
    try:
        der = served_leaf(host, port, server_name, timeout)
    except (OSError, ValueError) as exc:  # ssl.SSLError and socket.timeout are OSErrors
        return {'fingerprint': None, 'error': _describe_error(exc)}
    outcome = {'fingerprint': fingerprint_der(der), 'error': None}
    if with_pem:
        outcome['pem'] = der_to_pem(der)
    return outcome


def wait_for_fingerprint(host, port, server_name, expected, timeout, confirmations=1, interval=0.2,
                         confirm_interval=0.05, clock=time.monotonic, sleep=time.sleep, probe_once=probe):
    """Probe until ``expected`` was served ``confirmations`` times in a row, or ``timeout`` seconds pass.

    Several in a row, because right after a reload a server's old workers may still accept a
    few connections (nginx does): one new handshake does not yet mean every client gets it.
    → ``{'ok', 'fingerprint' (last served, or None), 'error' (last error), 'attempts', 'seconds'}``.
    At least one attempt is made, each bounded by the time left (at least one second).
    """
    start = clock()
    deadline = start + max(float(timeout), 0.0)
    wanted = max(int(confirmations or 1), 1)
    attempts = streak = 0
    last = {'fingerprint': None, 'error': None}
    while True:
        attempts += 1
        last = probe_once(host, port, server_name, max(1.0, min(5.0, deadline - clock())))
        streak = streak + 1 if last['fingerprint'] == expected else 0
        if streak >= wanted:
            break
        pause = confirm_interval if streak else interval
        if clock() + pause > deadline:
            break
        sleep(pause)
    return {'ok': streak >= wanted, 'fingerprint': last['fingerprint'], 'error': last['error'],
            'attempts': attempts, 'seconds': round(clock() - start, 3)}
