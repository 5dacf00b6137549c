# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run's notification says: which certificates trigger one, the JSON document, subject and text.

Triggers: every failed certificate; every certificate not renewed in this run whose certificate expires within
``days_before_expiry`` days - unless its renewal moment (``renew_at``) is still ahead, so a short-lived
certificate on schedule never raises an alarm; with ``on_success``, certificates issued, renewed or deployed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import STATUS_ORDER, summarise

UTC = datetime.timezone.utc
DONE = ('renewed', 'issued', 'deployed')
NOT_RENEWED = ('failed', 'current', 'deployed')
SUBJECT_NAMES = 5
SUBJECT_MAX = 200
CONTROL = re.compile(r'[\x00-\x1f\x7f]+')


def parse_time(value):
    """``2026-01-31T00:00:00Z`` (the report's format) → aware datetime; None for missing or unreadable."""
    if not value:
        return None
    try:
        return datetime.datetime.strptime(str(value), '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=UTC)
    except ValueError:
        return None


def days_left(entry, now):
    end = parse_time(entry.get('not_after'))
    return None if end is None else round((end - now).total_seconds() / 86400.0, 2)


def is_expiring(entry, days_before_expiry, now):
    """Not renewed in this run, expires within the window, and no renewal scheduled ahead of now."""
    if entry.get('status') not in NOT_RENEWED:
        return False
    left = days_left(entry, now)
    if left is None or left > days_before_expiry:
        return False
    renew_at = parse_time(entry.get('renew_at'))
    return entry.get('status') == 'failed' or renew_at is None or renew_at <= now


ITEM_KEYS = ('name', 'ca', 'status', 'hosts', 'identifiers', 'not_after', 'renew_at', 'reason', 'msg', 'next_action')


def _item(entry, now):
    item = dict((key, entry.get(key)) for key in ITEM_KEYS)
    item['days_left'] = days_left(entry, now)
    return item


def select(entries, days_before_expiry, on_success, now):
    """→ {'failed': [...], 'expiring': [...], 'renewed': [...]} of report items (a failed certificate that
    expires soon is in both of the first two); 'renewed' only with ``on_success``."""
    ordered = sorted(entries, key=lambda e: (days_left(e, now) is None, days_left(e, now) or 0, e.get('name') or ''))
    return {
        'failed': [_item(e, now) for e in ordered if e.get('status') == 'failed'],
        'expiring': [_item(e, now) for e in ordered if is_expiring(e, days_before_expiry, now)],
        'renewed': [_item(e, now) for e in ordered if on_success and e.get('status') in DONE],
    }


def _names(items):
    names = [CONTROL.sub(' ', str(item['name'])) for item in items]
    extra = len(names) - SUBJECT_NAMES
    return ', '.join(names[:SUBJECT_NAMES]) + (' and %d more' % extra if extra > 0 else '')


def subject(selected, days_before_expiry):
    parts = []
    if selected['failed']:
        parts.append('%d failed: %s' % (len(selected['failed']), _names(selected['failed'])))
    expiring = [i for i in selected['expiring'] if i['status'] != 'failed']
    if expiring:
        parts.append('%d expiring within %s days: %s' % (len(expiring), _days(days_before_expiry), _names(expiring)))
    if not parts and selected['renewed']:
        parts.append('%d renewed: %s' % (len(selected['renewed']), _names(selected['renewed'])))
    text = '[sslclm.acme] certificates ' + '; '.join(parts)
    return text if len(text) <= SUBJECT_MAX else text[:SUBJECT_MAX - 3] + '...'


def _days(value):
    return ('%.2f' % value).rstrip('0').rstrip('.')


def severity(selected):
    if selected['expiring']:
        return 'critical'
    return 'warning' if selected['failed'] else 'info'


def _expiry(item):
    if item['days_left'] is None:
        return 'expiry unknown'
    if item['days_left'] < 0:
        return 'EXPIRED %s' % item['not_after']
    return 'expires %s (in %s days)' % (item['not_after'], _days(item['days_left']))


def render_text(selected, counts, origin, days_before_expiry):
    """The plain-text body (the e-mail, and the webhook's ``text``): one block per certificate."""
    lines = ['sslclm.acme renewal run on %s' % origin, '']
    soon = set(i['name'] for i in selected['expiring'])
    for item in selected['failed']:
        lines.append('FAILED   %s (CA %s; hosts %s; %s)' % (
            item['name'], item['ca'], ', '.join(item['hosts'] or []), ', '.join(item['identifiers'] or [])))
        lines.append('         %s' % (item['msg'] or item['reason'] or 'no message'))
        lines.append('         the certificate in use %s%s' % (_expiry(item), ' - RENEW IT NOW' if item['name'] in soon else ''))
        if item['next_action']:
            lines.append('         next: %s' % item['next_action'])
    for item in selected['expiring']:
        if item['status'] == 'failed':
            continue
        lines.append('EXPIRING %s (CA %s; hosts %s): %s and was not renewed in this run (renewal due %s)' % (
            item['name'], item['ca'], ', '.join(item['hosts'] or []), _expiry(item), item['renew_at'] or 'unknown'))
    for item in selected['renewed']:
        lines.append('%-8s %s: %s' % (item['status'].upper(), item['name'], _expiry(item)))
    lines += ['', 'Certificates: ' + ', '.join('%d %s' % (counts[s], s) for s in STATUS_ORDER),
              'Warning threshold: %s days before expiry.' % _days(days_before_expiry)]
    return _printable('\n'.join(lines))


def _printable(text):
    """Keep line breaks, drop every other control character (a message cannot smuggle terminal escapes)."""
    return '\n'.join(CONTROL.sub(' ', line) for line in text.split('\n'))


def build(entries, days_before_expiry=14, on_success=False, origin='', now=None):
    """→ the notification document, or None when the run gives no reason to notify anyone."""
    now = now or datetime.datetime.now(UTC)
    selected = select(entries, days_before_expiry, on_success, now)
    if not any(selected.values()):
        return None
    counts, unused = summarise(entries, now)
    return {
        'source': 'sslclm.acme',
        'origin': origin,
        'generated': now.strftime('%Y-%m-%dT%H:%M:%SZ'),
        'severity': severity(selected),
        'subject': subject(selected, days_before_expiry),
        'text': render_text(selected, counts, origin, days_before_expiry),
        'days_before_expiry': days_before_expiry,
        'counts': counts,
        'failed': selected['failed'],
        'expiring': selected['expiring'],
        'renewed': selected['renewed'],
    }
