# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The e-mail channel: a plain-text message over SMTP with STARTTLS (or implicit TLS) and optional login.

A server that does not offer STARTTLS when it was asked for is an error, never a silent downgrade; a login over
an unencrypted connection is refused before connecting. The password never reaches a message.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.message
import email.policy
import email.utils
import smtplib
import ssl

from ansible_collections.sslclm.acme.plugins.module_utils.acme.version import USER_AGENT
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

DEFAULT_PORTS = {'starttls': 587, 'tls': 465, 'none': 25}


def _address(value, what):
    text = str(value or '')
    name, address = email.utils.parseaddr(text)
    if '\r' in text or '\n' in text or '@' not in address or address.startswith('@') or address.endswith('@'):
        raise AcmeInputError('smtp.%s: %r is not an e-mail address' % (what, text))
    return text


def check_options(options):
    """Refuse unusable options before any connection: addresses, and a login without encryption."""
    if not options.get('host'):
        raise AcmeInputError('smtp.host is required')
    _address(options.get('sender'), 'sender')
    if not options.get('to'):
        raise AcmeInputError('smtp.to needs at least one recipient')
    for recipient in options['to']:
        _address(recipient, 'to')
    if options.get('username') and options.get('security') == 'none':
        raise AcmeInputError('smtp: a login (smtp.username) over an unencrypted connection is refused; '
                             'use security starttls or tls')
    if options.get('password') and not options.get('username'):
        raise AcmeInputError('smtp.password is set but smtp.username is not')


def build_message(document, options, now):
    # lines up to SMTP's limit: the subject is not folded and the body stays plain text (quoted-printable only
    # for a line longer than 998 characters)
    message = email.message.EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    message['Subject'] = document['subject']
    message['From'] = options['sender']
    message['To'] = ', '.join(options['to'])
    message['Date'] = email.utils.format_datetime(now)
    domain = email.utils.parseaddr(options['sender'])[1].rsplit('@', 1)[-1]
    message['Message-ID'] = email.utils.make_msgid('sslclm-acme', domain=domain)
    message['X-Sslclm-Severity'] = document['severity']
    message['User-Agent'] = USER_AGENT
    message.set_content(document['text'])
    return message


def tls_context(options):
    if not options.get('validate_certs', True):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=options.get('ca_bundle'))


def _session(options, server, factory):
    security = options.get('security') or 'starttls'
    if security == 'tls':
        return factory['tls'](options['host'], options['port'], timeout=options['timeout'], context=tls_context(options))
    smtp = factory['plain'](options['host'], options['port'], timeout=options['timeout'])
    try:
        smtp.ehlo()
        if security == 'starttls':
            if not smtp.has_extn('starttls'):
                raise AcmeError('SMTP server %s does not offer STARTTLS; nothing was sent (security: starttls)' % server)
            smtp.starttls(context=tls_context(options))
            smtp.ehlo()
    except Exception:
        smtp.close()
        raise
    return smtp


def _reply(exc):
    code = getattr(exc, 'smtp_code', None)
    text = getattr(exc, 'smtp_error', b'')
    text = text.decode('utf-8', 'replace') if isinstance(text, bytes) else str(text)
    return '%s %s' % (code, text) if code else str(exc)


def send(document, options, now, factory=None):
    """Send the message → {'server', 'recipients'}; raises ``AcmeError`` naming the server and its answer."""
    options = dict(options)
    options['port'] = options.get('port') or DEFAULT_PORTS[options.get('security') or 'starttls']
    options['timeout'] = options.get('timeout') or 30
    check_options(options)
    factory = factory or {'plain': smtplib.SMTP, 'tls': smtplib.SMTP_SSL}
    server = '%s:%s' % (options['host'], options['port'])
    message = build_message(document, options, now)
    try:
        smtp = _session(options, server, factory)
        try:
            if options.get('username'):
                smtp.login(options['username'], options.get('password') or '')
            refused = smtp.send_message(message)
        finally:
            smtp.close()
    except AcmeError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise AcmeError('SMTP server %s refused the login of %s: %s' % (server, options['username'], _reply(exc)))
    except smtplib.SMTPRecipientsRefused as exc:
        raise AcmeError('SMTP server %s refused every recipient: %s' % (server, ', '.join(sorted(exc.recipients))))
    except (smtplib.SMTPException, OSError) as exc:
        raise AcmeError('SMTP server %s: %s: %s' % (server, type(exc).__name__, _reply(exc)))
    refused = sorted(refused or {})
    return {'server': server, 'refused': refused,
            'recipients': [address for unused, address in email.utils.getaddresses(options['to']) if address not in refused]}
