# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a certificate due? The one place that decides, for every caller.

The certificate in use is the one the hosts serve (``current_certificate``, found by the
renewal role) or else the one at the task's destination. It must be replaced when it is
missing, names other identifiers, comes from another CA, has a chain that does not verify
or a key that does not match, or the ledger says it was revoked or its key compromised
(``acme/revocations.py``); a sound certificate is due when the CA's ARI window says so
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
    describe_subject,
    fingerprint_sha256,
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


def _load_file(path):
    try:
        with open(path, 'rb') as handle:
            return load_certificates(handle.read())
    except (IOError, OSError) as exc:
        raise AcmeInputError('cannot read the certificate at %s: %s' % (path, getattr(exc, 'strerror', None) or exc))


def read_stored(spec):
    """(leaf, chain) at the task's destination (the files it writes), or None."""
    path = spec.get('fullchain_path') or spec.get('cert_path')
    certs = _load_file(path) if path and os.path.exists(path) else []
    if not certs:
        return None
    chain = certs[1:]
    if not chain and spec.get('chain_path') and os.path.exists(spec['chain_path']):
        chain = _load_file(spec['chain_path'])
    return certs[0], chain


def read_served(spec):
    """The certificates the hosts serve, as found on them: [(leaf, chain)], newest first; None when the task
    gives none (then the destination files are the certificate in use)."""
    if spec.get('deployed_certificates') is None and not spec.get('current_certificate'):
        return None
    pems = list(spec.get('deployed_certificates') or [])
    if spec.get('current_certificate'):
        pems.append(spec['current_certificate'])
    served = []
    for pem in dict.fromkeys(p for p in pems if p):
        certs = load_certificates(pem)
        if certs:
            served.append((certs[0], certs[1:]))
    return sorted(served, key=lambda pair: not_before(pair[0]), reverse=True)


def unsound(spec, identifiers, existing, known_issuers=frozenset(), check_key=True, revoked=None):
    """Why ``existing`` (leaf, chain) cannot serve as this certificate, or None. The key at the destination is
    only compared with a certificate that is also there (``check_key``): the key of one on the hosts is theirs.
    ``revoked(leaf)``: why the ledger says the certificate is revoked or its key compromised, or None."""
    if existing is None:
        return 'no certificate at the destination'
    leaf, chain = existing[0], existing[1]
    problem = revoked(leaf) if revoked is not None else None
    if problem:
        return problem
    # names first: a placeholder or another name's certificate is that, whoever issued it
    wanted = set('%s:%s' % (i.type, i.value) for i in identifiers)
    have = cert_identifiers(leaf)
    if have != wanted:
        if not have:
            return 'the certificate found names no identifier (%s): a placeholder' % describe_subject(leaf)
        return 'identifiers differ (the certificate found names %s)' % ', '.join(
            sorted(v.split(':', 1)[1] for v in have))
    issuer_id = authority_key_id(leaf)
    if known_issuers and issuer_id not in known_issuers:
        return 'issued by another CA (issuer key id %s is not one this CA issues from)' % issuer_id
    if chain and not chain_links(leaf, chain):
        return 'the stored chain does not verify the certificate'
    key_path = spec.get('private_key_path')
    if check_key and key_path and os.path.exists(key_path) and not csr_given(spec):
        key = load_private_key(read_key_file(key_path, 'the private key'), 'the private key %s' % key_path)
        if not key_matches(key, leaf):
            return 'the private key at %s does not match the certificate' % key_path
    return None


class Decision:
    """What to do about one certificate. ``action``: ``current`` (nothing), ``pending`` (a certificate issued
    earlier, kept at the destination, is to be deployed: no order), or ``issue``. ``existing``: the (leaf, chain)
    in use or to deploy; ``predecessor``: the leaf a new order replaces (ARI ``replaces``), if any."""

    def __init__(self, action, reason, existing=None, predecessor=None):
        self.action = action
        self.reason = reason
        self.existing = existing
        self.predecessor = predecessor


def decide(spec, identifiers, known_issuers, due, revoked=None):
    """The one renewal decision. ``due(leaf)`` → why a sound certificate is due, or None (ARI or thresholds).

    Deployed certificates are the truth: what the hosts serve (``current_certificate`` /
    ``deployed_certificates``) is the certificate in use. A certificate at the destination that is sound,
    not due and newer than what they serve was issued and not yet deployed everywhere (a failed deploy, a
    concurrent run): it is deployed, never ordered again. Without served certificates the destination
    files are the certificate in use (a single ``acme_enroll`` task). A certificate revoked, or with a key
    reported compromised (``revoked``, see ``unsound``), is never current: it is replaced.
    """
    stored = read_stored(spec)
    served = read_served(spec)
    if spec.get('force'):
        previous = served[0] if served else stored
        return Decision('issue', 'forced', predecessor=previous[0] if previous else None)
    stored_problem = unsound(spec, identifiers, stored, known_issuers, revoked=revoked)
    if served is None:
        if stored_problem:
            return Decision('issue', stored_problem, predecessor=_same_names(stored, identifiers))
        why = due(stored[0])
        return Decision('issue', why, predecessor=stored[0]) if why else Decision('current', None, stored)
    newest = served[0] if served else None
    # hosts that serve different certificates, or some none at all (a host new to the group)
    disagree = len(served) > 1 or bool(served) and '' in (spec.get('deployed_certificates') or [])
    if not stored_problem and _newer_and_undeployed(stored, served, disagree) and not due(stored[0]):
        return Decision('pending', 'issued earlier, not yet deployed on every host', stored)
    if disagree:
        return Decision('issue', 'the hosts serve different certificates', predecessor=newest[0])
    served_problem = unsound(spec, identifiers, newest, known_issuers, check_key=False, revoked=revoked)
    if served_problem:
        return Decision('issue', served_problem, predecessor=_same_names(newest, identifiers))
    why = due(newest[0])
    return Decision('issue', why, predecessor=newest[0]) if why else Decision('current', None, newest)


def _newer_and_undeployed(stored, served, disagree):
    """The stored certificate is not served by every host, and no host serves a newer one."""
    if not served:
        return True
    newest = served[0]
    if not disagree and fingerprint_sha256(newest[0]) == fingerprint_sha256(stored[0]):
        return False
    return not_before(stored[0]) >= not_before(newest[0])


def _same_names(existing, identifiers):
    """The leaf of ``existing`` when it names exactly ``identifiers`` (a predecessor a new order may replace)."""
    if existing is None:
        return None
    wanted = set('%s:%s' % (i.type, i.value) for i in identifiers)
    return existing[0] if cert_identifiers(existing[0]) == wanted else None


def served_certificate(pems):
    """The PEM every host serves, or '' when hosts disagree or lack it.

    Deployed certificates are the truth: one certificate served by every host is the one in use.
    """
    distinct = set(pems)
    return distinct.pop() if len(distinct) == 1 else ''
