# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the ledger knows of revocations: certificates revoked at a CA, and keys reported compromised.

``acme_revoke`` records each revocation under the CA's directory (``revocation``). A revocation for
``keyCompromise`` also records the key - the SHA-256 of its public key, nothing secret - under
``ALL_CAS`` (``key_compromise``): a compromised key is compromised at every CA. Enrollment reads both
(``RevocationBook``): a revoked certificate, or one whose key is compromised, is not sound and is
replaced; a compromised key is never put into a CSR again.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import registered_domains
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import cert_identifiers, fingerprint_sha256, public_key_sha256

REVOCATION = 'revocation'
KEY_COMPROMISE = 'key_compromise'
ALL_CAS = '*'  # the "directory" of events that hold for every CA

# RFC 5280 §5.3.1 CRLReason, by name (7 is not used).
REASONS = {
    'unspecified': 0, 'keyCompromise': 1, 'cACompromise': 2, 'affiliationChanged': 3, 'superseded': 4,
    'cessationOfOperation': 5, 'certificateHold': 6, 'removeFromCRL': 8, 'privilegeWithdrawn': 9,
    'aACompromise': 10,
}


def _when(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def record_revocation(ledger, directory, leaf, reason, by, account=None, ca_name=None, certificate=True):
    """Record that ``leaf`` is revoked at the CA of ``directory`` (``by``: ``account`` or ``certificate_key``; not
    again when ``certificate`` is false), and, for ``keyCompromise``, that its key is compromised. One transaction."""
    names = sorted(i.split(':', 1)[1] for i in cert_identifiers(leaf))
    serial, fingerprint, key = format(leaf.serial_number, 'x'), fingerprint_sha256(leaf), public_key_sha256(leaf)
    data = {'serial': serial, 'fingerprint_sha256': fingerprint, 'public_key_sha256': key,
            'reason': reason, 'reason_code': REASONS.get(reason), 'by': by}
    with ledger.transaction():
        if certificate:
            ledger.record(REVOCATION, directory, account=account, ca=ca_name, name=names[0] if names else None,
                          identifiers=names, registered_domains=registered_domains(names), detail=serial, data=data)
        if reason == 'keyCompromise':
            ledger.record(KEY_COMPROMISE, ALL_CAS, account=account, ca=ca_name, identifiers=names, detail=key,
                          data=dict(data, directory=directory))


class RevocationBook:
    """The revocations of one CA directory and every compromised key, read from the ledger once."""

    def __init__(self, ledger, directory):
        self.revoked = dict(((e['data'] or {}).get('fingerprint_sha256'), e) for e in ledger.events(REVOCATION, directory))
        self.compromised = dict((e['detail'], e) for e in ledger.events(KEY_COMPROMISE, ALL_CAS))

    def key_problem(self, holder):
        """Why the key of ``holder`` (private key, certificate or CSR) must not be used, or None."""
        event = self.compromised.get(public_key_sha256(holder))
        if event is None:
            return None
        return 'was reported compromised on %s (certificate %s revoked for keyCompromise)' % (
            _when(event['ts']), (event['data'] or {}).get('serial', '?'))

    def certificate_problem(self, leaf):
        """Why ``leaf`` cannot serve any more (revoked, or its key compromised), or None."""
        event = self.revoked.get(fingerprint_sha256(leaf))
        if event is not None:
            reason = (event['data'] or {}).get('reason') or 'unspecified'
            return 'the certificate was revoked (%s) on %s' % (reason, _when(event['ts']))
        problem = self.key_problem(leaf)
        return 'the key of the certificate %s' % problem if problem else None


class LazyBook:
    """A ``RevocationBook`` read on first use, once for every worker thread of a run."""

    def __init__(self, ledger_of_thread, directory):
        self._ledger = ledger_of_thread
        self._directory = directory
        self._book = None
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            if self._book is None:
                self._book = RevocationBook(self._ledger(), self._directory)
            return self._book
