# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One notification of a run, on every configured channel (``acme_notify``).

A channel that fails does not keep the others from being tried; the result then fails, naming each failure.
Check mode builds everything and sends nothing. ``changed`` means a notification was sent (or would be).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import socket

from ansible_collections.sslclm.acme.plugins.module_utils.acme import notify_mail, notify_webhook
from ansible_collections.sslclm.acme.plugins.module_utils.acme.notify_message import build
from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import STATUS_ORDER
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError


def check_entries(entries):
    for entry in entries:
        if not isinstance(entry, dict) or entry.get('status') not in STATUS_ORDER or not entry.get('name'):
            raise AcmeInputError('each entry needs a name and a status of %s, got %r' % (', '.join(STATUS_ORDER), entry))


def event_of(document):
    """The most serious reason for the notification (the webhook's X-Sslclm-Event header)."""
    if document['failed']:
        return 'failed'
    return 'expiring' if document['expiring'] else 'renewed'


def run(params, check_mode=False, now=None, senders=None):
    """→ the module result. ``senders`` replaces the channels' send functions in tests."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    entries = params['entries']
    check_entries(entries)
    if params['days_before_expiry'] < 0:
        raise AcmeInputError('days_before_expiry must not be negative, got %s' % params['days_before_expiry'])
    channels = [name for name in ('webhook', 'smtp') if params.get(name)]
    if not channels:
        raise AcmeInputError('no channel configured: set webhook, smtp or both')
    if params.get('webhook'):  # every channel's options are checked before anything is sent
        notify_webhook.check_url(params['webhook'].get('url') or '')
    if params.get('smtp'):
        notify_mail.check_options(params['smtp'])
    document = build(entries, params['days_before_expiry'], params['on_success'],
                     params.get('origin') or socket.gethostname(), now)
    result = {'changed': False, 'notified': document is not None, 'channels': channels, 'sent': []}
    if document is None:
        result['msg'] = 'nothing to notify: no certificate failed or expires within %s days unrenewed' % params['days_before_expiry']
        return result
    result.update(subject=document['subject'], severity=document['severity'], notification=document,
                  failed_names=[i['name'] for i in document['failed']],
                  expiring_names=[i['name'] for i in document['expiring']],
                  renewed_names=[i['name'] for i in document['renewed']])
    if check_mode:
        result.update(changed=True, msg='would notify %s: %s' % (' and '.join(channels), document['subject']))
        return result
    senders = senders or {'webhook': notify_webhook.send, 'smtp': notify_mail.send}
    return _send(result, document, params, channels, now, senders)


def _send(result, document, params, channels, now, senders):
    errors = []
    for channel in channels:
        try:
            if channel == 'webhook':
                result['webhook'] = senders['webhook'](document, params['webhook'], event_of(document))
            else:
                result['smtp'] = senders['smtp'](document, params['smtp'], now)
                if result['smtp']['refused']:
                    result.setdefault('_warnings', []).append(
                        'SMTP server %s refused some recipients: %s' % (result['smtp']['server'], ', '.join(result['smtp']['refused'])))
            result['sent'].append(channel)
        except AcmeError as error:
            errors.append(error.msg)
    result['changed'] = bool(result['sent'])
    if errors:
        result.update(failed=True, msg='notification not sent: %s%s' % (
            '; '.join(errors), ' (sent by %s)' % ' and '.join(result['sent']) if result['sent'] else ''))
    else:
        result['msg'] = 'notified %s: %s' % (' and '.join(result['sent']), document['subject'])
    return result
