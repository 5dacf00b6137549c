# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a certificate due? The one place that decides, for every caller.

The certificate in use is the one the hosts serve (``current_certificate``, found by the
renewal role) or else the one at the task's destination. It must be replaced when it is
missing, names other identifiers, comes from another CA, has a chain that does not verify
or a key that does not match; a sound certificate is due when the CA's ARI window says so
(``acme/ari.py``, when offered and allowed) or else by the policy's thresholds below.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import load_private_key, read_key_file
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import (
    authority_key_id,
    cert_identifiers,
    chain_links,
    key_matches,
    load_certificates,
    load_csr,
    not_after,
    not_before,
)

UTC = datetime.timezone.utc


def iso(moment):
    return moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def renewal_threshold(lifetime, policy):
    """Time before expiry at which a certificate of ``lifetime`` is due.

    ``days_before_expiry`` (30) holds for certificates at least three times that long
    (Let's Encrypt's 90 days); shorter ones renew at a third of their lifetime, and
    under 10 days at half, so a 6-day certificate is not renewed on every run.
    """
    renewal = policy.get('renewal') or {}
    fraction = renewal.get('lifetime_fraction')
    if fraction:
        return lifetime * float(fraction)
    days = datetime.timedelta(days=int(renewal.get('days_before_expiry') or 30))
    if lifetime >= 3 * days:
        return days
    if lifetime < datetime.timedelta(days=10):
        return lifetime / 2
    return lifetime / 3


def renewal_decision(cert, policy, now=None):
    """→ (due, reason, renew_at) from the certificate's own dates and the policy."""
    now = now or datetime.datetime.now(UTC)
    start, end = not_before(cert), not_after(cert)
    renew_at = end - renewal_threshold(end - start, policy)
    if now >= end:
        return True, 'expired on %s' % iso(end), renew_at
    if now >= renew_at:
        return True, 'due: expires %s, renewal window opened %s' % (iso(end), iso(renew_at)), renew_at
    return False, 'not due before %s (expires %s)' % (iso(renew_at), iso(end)), renew_at


def due_reason(leaf, policy, ari_offered, renewal_info, now=None):
    """→ (why the sound certificate ``leaf`` is due or None, renew_at ISO, ARI id to replace or None).

    ARI decides when the CA offers it (``ari_offered``) and the policy allows it (``use_ari``):
    due once this certificate's moment in the CA's window has passed (``acme/ari.py``).
    ``renewal_info(leaf)`` gives that window (cached by the caller); when it fails, the
    thresholds decide and the reason says ARI was unavailable.
    """
    now = now or datetime.datetime.now(UTC)
    due, why, renew_at = renewal_decision(leaf, policy, now)
    if (policy.get('renewal') or {}).get('use_ari', True) is False or not ari_offered or why.startswith('expired'):
        return (why if due else None), iso(renew_at), None
    try:
        info = renewal_info(leaf)
    except AcmeError as error:
        return ((why + ' (ARI unavailable: %s)' % error.msg) if due else None), iso(renew_at), None
    moment = iso(info['moment'])
    if now < info['moment']:
        return None, moment, None
    return ('due per ARI: the CA suggests renewal in %s .. %s; this certificate\'s moment %s has passed'
            % (iso(info['start']), iso(info['end']), moment)), moment, info['cert_id']


def csr_given(spec):
    """True when the task gives the CSR (the key stays the user's)."""
    return bool(spec.get('csr_content') or spec.get('csr_path'))


def user_csr(spec):
    if spec.get('csr_content'):
        return load_csr(spec['csr_content'])
    if spec.get('csr_path'):
        return load_csr(read_key_file(spec['csr_path'], 'the CSR'))
    return None


def read_existing(spec):
    """(leaf, chain) of the certificate in use, or None.

    ``current_certificate`` (PEM found on the hosts that serve it) wins over the files at the
    destination: deployed certificates are the truth.
    """
    if spec.get('current_certificate'):
        certs = load_certificates(spec['current_certificate'])
        return (certs[0], certs[1:]) if certs else None
    path = spec.get('fullchain_path') or spec.get('cert_path')
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, 'rb') as handle:
            certs = load_certificates(handle.read())
    except (IOError, OSError) as exc:
        raise AcmeInputError('cannot read the certificate at %s: %s' % (path, getattr(exc, 'strerror', None) or exc))
    if not certs:
        return None
    chain = certs[1:]
    if not chain and spec.get('chain_path') and os.path.exists(spec['chain_path']):
        with open(spec['chain_path'], 'rb') as handle:
            chain = load_certificates(handle.read())
    return certs[0], chain


def reissue_reason(spec, identifiers, existing, policy, known_issuers=frozenset(), due_reason=None):
    """Why the certificate in use must be replaced, or None when it is fine.

    ``due_reason(leaf)`` decides whether a sound certificate is due (ARI or thresholds).
    """
    if existing is None:
        return 'no certificate at the destination'
    leaf, chain = existing[0], existing[1]
    issuer_id = authority_key_id(leaf)
    if known_issuers and issuer_id not in known_issuers:
        return 'issued by another CA (issuer key id %s is not one this CA issues from)' % issuer_id
    wanted = set('%s:%s' % (i.type, i.value) for i in identifiers)
    have = cert_identifiers(leaf)
    if have != wanted:
        return 'identifiers differ (certificate has %s)' % ', '.join(sorted(v.split(':', 1)[1] for v in have))
    if chain and not chain_links(leaf, chain):
        return 'the stored chain does not verify the certificate'
    key_path = spec.get('private_key_path')
    if key_path and os.path.exists(key_path) and not csr_given(spec):
        key = load_private_key(read_key_file(key_path, 'the private key'), 'the private key %s' % key_path)
        if not key_matches(key, leaf):
            return 'the private key at %s does not match the certificate' % key_path
    if due_reason is not None:
        return due_reason(leaf)
    due, why = renewal_decision(leaf, policy)[:2]
    return why if due else None


def served_certificate(pems):
    """The PEM every host serves, or '' when hosts disagree or lack it (then: issue anew).

    Deployed certificates are the truth: one certificate served by every host is the one in use.
    """
    distinct = set(pems)
    return distinct.pop() if len(distinct) == 1 else ''
