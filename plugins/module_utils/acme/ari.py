# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACME Renewal Information (RFC 9773): when the CA wants a certificate renewed.

The renewal moment is a point inside the CA's ``suggestedWindow``, uniformly spread
across certificates but fixed per certificate (derived from its ARI identifier), so
the decision does not flap from run to run and a report can say when it will happen.
The CA's answer is kept in the ledger until its ``Retry-After`` (``cached_renewal_info``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import hashlib
import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import parse_retry_after, utcnow
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import authority_key_id

DEFAULT_RECHECK = datetime.timedelta(hours=6)


def _b64(data):
    return base64.urlsafe_b64encode(data).decode('ascii').rstrip('=')


def cert_id(cert):
    """``base64url(AKI keyIdentifier) "." base64url(serial DER integer bytes)`` (RFC 9773 §4.1)."""
    aki = authority_key_id(cert)
    if not aki:
        raise AcmeError('the certificate has no Authority Key Identifier; ARI cannot name it')
    serial = cert.serial_number
    serial_bytes = serial.to_bytes((serial.bit_length() + 8) // 8, 'big', signed=True)
    return '%s.%s' % (_b64(bytes.fromhex(aki)), _b64(serial_bytes))


def parse_time(value):
    text = value.replace('Z', '+00:00')
    if '.' in text:  # trim sub-second digits beyond what fromisoformat of Python 3.8 accepts
        head, tail = text.split('.', 1)
        digits = ''.join(c for c in tail if c.isdigit())
        zone = tail[len(digits):]
        text = '%s.%s%s' % (head, (digits + '000000')[:6], zone)
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def renewal_moment(window_start, window_end, identifier):
    """A fixed, uniformly spread point of the window for this certificate."""
    fraction = int(hashlib.sha256(identifier.encode('ascii')).hexdigest()[:12], 16) / float(16 ** 12)
    return window_start + (window_end - window_start) * fraction


def fetch_renewal_info(session, cert):
    """→ dict(cert_id, start, end, moment, recheck_at, explanation) from the CA's renewalInfo."""
    identifier = cert_id(cert)
    url = session.url('renewalInfo').rstrip('/') + '/' + identifier
    response = session.net.get(url)
    try:
        document = response.json()
        window = document['suggestedWindow']
        start, end = parse_time(window['start']), parse_time(window['end'])
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        raise AcmeError('The CA returned renewal information without a valid suggestedWindow (start and end as '
                        'RFC 3339 times) at %s' % url)
    if end < start:
        raise AcmeError('The CA returned a suggestedWindow that ends before it starts at %s' % url)
    recheck = parse_retry_after(response.headers.get('Retry-After')) or (utcnow() + DEFAULT_RECHECK)
    return {
        'cert_id': identifier,
        'start': start,
        'end': end,
        'moment': renewal_moment(start, end, identifier),
        'recheck_at': recheck,
        'explanation': document.get('explanationURL') if isinstance(document.get('explanationURL'), str) else None,
    }


def _from_ts(value):
    return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)


def cached_renewal_info(ledger, connector, ca_name, session, leaf, remember=True):
    """The CA's ARI window for ``leaf``: from the ledger while its Retry-After has not passed, else
    fetched (``session()`` makes the session on demand) and, with ``remember``, recorded."""
    identifier = cert_id(leaf)
    now = time.time()
    directory = connector['directory']
    for event in reversed(ledger.events('ari_window', directory, since=now - 30 * 86400)):
        data = event['data'] or {}
        if data.get('cert_id') == identifier and (event['until'] or 0) > now:
            return {'cert_id': identifier, 'start': _from_ts(data['start']), 'end': _from_ts(data['end']),
                    'moment': _from_ts(data['moment']), 'recheck_at': _from_ts(event['until']), 'cached': True}
    info = fetch_renewal_info(session(), leaf)
    if not remember:
        return info
    ledger.record('ari_window', directory, account=connector['account_uri'], ca=ca_name,
                  until=info['recheck_at'].timestamp(),
                  data={'cert_id': identifier, 'start': info['start'].timestamp(), 'end': info['end'].timestamp(),
                        'moment': info['moment'].timestamp()})
    return info
