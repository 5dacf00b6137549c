#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: an SMTP sink on loopback (aiosmtpd) that requires STARTTLS and a login, and keeps every message.

    mail_sink.py start ADDRESS PORT OUTDIR PIDFILE [CERT KEY USER PASSWORD_FILE]
    mail_sink.py stop PIDFILE

With CERT KEY USER PASSWORD_FILE the server offers STARTTLS, refuses mail before it and refuses mail without a
login (the password read from PASSWORD_FILE); without them it is a plain server that offers neither. Each
message is written to OUTDIR/N.eml; OUTDIR/sessions.jsonl gets one line per message (sender, recipients, login,
TLS, and subject, From, To and the plain-text body decoded as a mail client shows them) and OUTDIR/logins.jsonl
one per login attempt (user, accepted). Detaches (for 30 minutes at most); the pid file appears once it listens.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email
import email.policy
import json
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

import detached  # beside this file


class Sink(object):
    def __init__(self, outdir):
        self.outdir = outdir
        self.lock = threading.Lock()
        self.count = 0

    def log(self, name, record):
        with self.lock, open(os.path.join(self.outdir, name), 'a') as handle:
            handle.write(json.dumps(record, sort_keys=True) + '\n')

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.count += 1
            number = self.count
        with open(os.path.join(self.outdir, '%d.eml' % number), 'wb') as handle:
            handle.write(envelope.original_content or envelope.content)
        login = session.auth_data.login.decode('utf-8') if session.authenticated and session.auth_data else None
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = message.get_body(('plain',))
        self.log('sessions.jsonl', {'message': '%d.eml' % number, 'mail_from': envelope.mail_from,
                                    'rcpt_tos': envelope.rcpt_tos, 'login': login, 'tls': session.ssl is not None,
                                    # as a mail client shows it: headers unfolded and decoded, the body decoded
                                    'subject': message['Subject'], 'from': message['From'], 'to': message['To'],
                                    'body': body.get_content().replace('\r\n', '\n') if body is not None else None})
        return '250 Message accepted for delivery'


class Authenticator(object):
    def __init__(self, sink, user, password):
        self.sink, self.user, self.password = sink, user, password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        accepted = (auth_data.login.decode('utf-8') == self.user and auth_data.password.decode('utf-8') == self.password)
        self.sink.log('logins.jsonl', {'user': auth_data.login.decode('utf-8'), 'mechanism': mechanism, 'accepted': accepted})
        # handled=False: aiosmtpd answers 535 itself (its default, True, leaves the client waiting)
        return AuthResult(success=accepted, handled=False, auth_data=auth_data)


def controller(address, port, outdir, cert=None, key=None, user=None, password_file=None):
    sink = Sink(outdir)
    if not cert:
        return Controller(sink, hostname=address, port=int(port))
    with open(password_file) as handle:
        password = handle.read().strip()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return Controller(sink, hostname=address, port=int(port), tls_context=context, require_starttls=True,
                      auth_required=True, auth_require_tls=True, authenticator=Authenticator(sink, user, password))


def start(address, port, outdir, pidfile, *tls_auth):
    if not os.path.isdir(outdir):
        os.makedirs(outdir)
    if not detached.daemonize(pidfile, 'mail sink'):
        return
    warnings.simplefilter('ignore', DeprecationWarning)  # aiosmtpd's own use of Session.login_data
    server = controller(address, port, outdir, *tls_auth)
    server.start()
    detached.ready(pidfile)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *unused: stopped.set())
    stopped.wait(detached.LIFETIME)
    server.stop()


if __name__ == '__main__':
    if sys.argv[1] == 'start':
        start(*sys.argv[2:])
    else:
        detached.stop(sys.argv[2])
