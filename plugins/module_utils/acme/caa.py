# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""May this CA issue for these identifiers? The CAA preflight, before any order.

The relevant record set of each DNS identifier (``dns/caa.py``) is read as the CA reads it:
RFC 8659 ``issue`` / ``issuewild`` against the CA's CAA identities (its directory's
``meta.caaIdentities``, or the CA instance's ``caa_identities``), with the RFC 8657 parameters
``accounturi`` and ``validationmethods``. A refusal names the record and sends nothing to the CA.
``ca_allowed`` answers the same question for any CA instance (issuer fallback).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.dns.caa import relevant_caa
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import DnsLookup
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

# Property tags a CA knows (RFC 8659, RFC 9495, the CA/B Forum's issuevmc): a critical record with any
# other tag forbids issuance outright.
KNOWN_TAGS = ('issue', 'issuewild', 'iodef', 'contactemail', 'contactphone', 'issuemail', 'issuevmc')
LOOKUP_FAILURE_ACTIONS = ('warn', 'fail')
_LABEL = r'[A-Za-z0-9](?:-*[A-Za-z0-9])*'
_ISSUER = re.compile(r'^%s(?:\.%s)*$' % (_LABEL, _LABEL))
_PARAMETER = re.compile(r'^(%s)\s*=\s*([\x21-\x3a\x3c-\x7e]*)$' % _LABEL)


def parse_issue_value(value):
    """``'ca.example; accounturi=https://…'`` → (issuer domain name, lower case, '' for none; {tag: value}).

    Raises ``ValueError`` when the value does not follow RFC 8659 §4.2: such a record authorizes nobody.
    """
    issuer, unused, rest = value.partition(';')
    issuer = issuer.strip()
    if issuer and not _ISSUER.match(issuer):
        raise ValueError('%r is not an issuer domain name' % issuer)
    parameters = {}
    parts = [p.strip() for p in rest.split(';')] if rest.strip() else []
    for index, part in enumerate(parts):
        if not part and index == len(parts) - 1:
            continue  # a trailing ";"
        match = _PARAMETER.match(part)
        if not match:
            raise ValueError('%r is not a parameter (tag=value)' % part)
        parameters[match.group(1).lower()] = match.group(2)
    return issuer.lower(), parameters


def ca_identities(ca):
    """The CAA identities of a CA instance: its own ``caa_identities``, else what its directory advertises."""
    policy = ca.get('policy') or {}
    found = policy.get('caa_identities') or (ca.get('directory') or {}).get('caa_identities') or []
    return [str(i).strip().rstrip('.').lower() for i in found if str(i).strip()]


class Verdict:
    """``allowed``: True, False, or None (cannot tell); ``reason`` says why, naming the record."""

    def __init__(self, allowed, reason, record=None):
        self.allowed = allowed
        self.reason = reason
        self.record = record


def _match(record, identities, account_uri, method):
    """None when ``record`` (an issue/issuewild record) allows this CA, else why not."""
    try:
        issuer, parameters = parse_issue_value(record.value)
    except ValueError as exc:
        return 'the record %s is malformed (%s) and allows no CA' % (record.text(), exc)
    if issuer not in identities:
        return 'the record %s names %s' % (record.text(), issuer or 'no CA at all')
    wanted = parameters.get('accounturi')
    if wanted is not None and wanted != account_uri:
        return 'the record %s allows this CA only for the account %s, not %s' % (
            record.text(), wanted, account_uri or '(an account not yet registered)')
    allowed_methods = parameters.get('validationmethods')
    if allowed_methods is not None and method not in [m.strip() for m in allowed_methods.split(',')]:
        return 'the record %s allows this CA only with %s, not %s' % (record.text(), allowed_methods, method)
    return None


def evaluate(relevant, wildcard, identities, account_uri, method):
    """The RFC 8659 §4 decision for one identifier, given its relevant set (``dns.caa.RelevantSet``)."""
    where = relevant.where()
    if not relevant.records:
        return Verdict(True, '%s: any CA may issue' % where)
    for record in relevant.records:
        if record.critical and record.tag not in KNOWN_TAGS:
            return Verdict(False, '%s has the critical record %s, whose tag no CA knows: no CA may issue'
                           % (where, record.text()), record.text())
    tag = 'issuewild' if wildcard and any(r.tag == 'issuewild' for r in relevant.records) else 'issue'
    properties = [r for r in relevant.records if r.tag == tag]
    if not properties:
        return Verdict(True, '%s has no %s record: any CA may issue' % (where, tag))
    if not identities:
        if all(_names_nobody(r) for r in properties):
            return Verdict(False, '%s allows no CA at all (%s)' % (where, '; '.join(r.text() for r in properties)),
                           properties[0].text())
        return Verdict(None, '%s restricts issuance (%s), and the CA\'s CAA identities are unknown: its directory '
                       'advertises none; give the CA instance caa_identities'
                       % (where, '; '.join(r.text() for r in properties)))
    reasons = []
    for record in properties:
        why = _match(record, identities, account_uri, method)
        if why is None:
            return Verdict(True, '%s allows this CA: %s' % (where, record.text()), record.text())
        reasons.append(why)
    return Verdict(False, '%s does not allow this CA (CAA identities %s): %s'
                   % (where, ', '.join(identities), '; '.join(reasons)), properties[0].text())


def _names_nobody(record):
    try:
        return parse_issue_value(record.value)[0] == ''
    except ValueError:
        return True


class CaaForbidden(AcmeError):
    """CAA does not allow this CA for an identifier; nothing was sent to the CA."""

    def __init__(self, ca_name, refused):
        self.refused = refused
        super(CaaForbidden, self).__init__(
            'Refused before contacting the CA: CAA does not allow the CA instance %s to issue for %s. %s' % (
                ca_name, ', '.join(r['identifier'] for r in refused), ' '.join(r['reason'] for r in refused)),
            hint='Add a CAA issue record for this CA (acme_ca returns the values as caa_issue_values), or order from a CA '
                 'the record allows')

    def to_result(self):
        result = super(CaaForbidden, self).to_result()
        result['caa_violations'] = self.refused
        return result


class _Remembered:
    """A look-up that asks each question once per run (answers and failures kept): the names of a run share parents.

    Thread-safe: a worker waits only for a question another worker is asking, never for the other questions."""

    def __init__(self, lookup):
        self.lookup = lookup
        self.answers = {}
        self._guard = threading.Lock()
        self._asking = {}  # question -> the lock its asker holds

    def resolve(self, qname, rdtype):
        return self._once((qname, rdtype), lambda: self.lookup.resolve(qname, rdtype))

    def plain_caa(self, qname):
        """``DnsLookup.plain_caa``, once per name (None where the look-up has no stub)."""
        plain_caa = getattr(self.lookup, 'plain_caa', None)
        return self._once((qname, 'CAA, plain'), lambda: plain_caa(qname)) if plain_caa is not None else None

    def _once(self, key, ask):
        with self._guard:
            asking = self._asking.setdefault(key, threading.Lock())
        with asking:
            if key not in self.answers:
                try:
                    self.answers[key] = ask()
                except LookupFailed as exc:
                    self.answers[key] = exc
        if isinstance(self.answers[key], LookupFailed):
            raise self.answers[key]
        return self.answers[key]


class CaaPreflight:
    """The CAA checks of one run: each DNS question asked once (workers asking the same wait for its answer), verdicts
    per CA."""

    def __init__(self, settings=None, default_nameservers=None, lookup=None):
        settings = settings or {}
        self.enabled = settings.get('enabled', True) is not False
        self.on_failure = settings.get('lookup_failure') or 'warn'
        nameservers = settings.get('nameservers') or default_nameservers
        self.lookup = _Remembered(lookup or DnsLookup(nameservers, timeout=float(settings.get('timeout') or 5)))

    def relevant(self, name):
        """The relevant set of ``name``, or the ``LookupFailed`` its look-up raised."""
        try:
            return relevant_caa(self.lookup, name)
        except LookupFailed as exc:
            return exc

    def verdicts(self, ca, identifiers, methods):
        """[{identifier, allowed (True/False/None), reason, caa}] for the DNS identifiers (CAA knows no IPs)."""
        identities, account_uri = ca_identities(ca), (ca.get('connector') or {}).get('account_uri')
        found = []
        for ident in identifiers:
            if ident.type != 'dns':
                continue
            relevant = self.relevant(ident.base_domain)
            if isinstance(relevant, LookupFailed):
                found.append({'identifier': ident.value, 'allowed': None, 'caa': None,
                              'reason': 'CAA not checked: %s' % relevant})
                continue
            verdict = evaluate(relevant, ident.is_wildcard, identities, account_uri, methods.get(ident))
            found.append({'identifier': ident.value, 'allowed': verdict.allowed, 'reason': verdict.reason,
                          'record': verdict.record, 'caa': relevant.to_result()})
        return found

    def check(self, ca, identifiers, methods):
        """→ (verdicts, warnings). Raises ``CaaForbidden`` when a record forbids this CA, and, with
        ``lookup_failure: fail``, ``AcmeError`` when a look-up failed."""
        if not self.enabled:
            return [], []
        found = self.verdicts(ca, identifiers, methods)
        refused = [v for v in found if v['allowed'] is False]
        if refused:
            raise CaaForbidden(ca.get('name') or (ca.get('connector') or {}).get('directory'), refused)
        unknown = [v for v in found if v['allowed'] is None]
        if unknown and self.on_failure == 'fail' and any(v['caa'] is None for v in unknown):
            failed = '; '.join('%s: %s' % (v['identifier'], v['reason']) for v in unknown if v['caa'] is None)
            raise AcmeError('Refused before contacting the CA: %s' % failed,
                            hint='Fix the resolvers (caa_check.nameservers), or set caa_check.lookup_failure: warn to '
                                 'leave the CAA check to the CA')
        return found, ['%s: %s (the CA checks CAA itself)' % (v['identifier'], v['reason']) for v in unknown]


def ca_allowed(preflight, ca, identifiers, methods):
    """Whether CAA allows the CA instance ``ca`` for ``identifiers`` (``methods``: identifier → validation method):
    True, False, or None when it cannot be told (a look-up failed, or the CA's identities are unknown).
    For issuer fallback: try the CA instances in order and take the first that is not False."""
    found = preflight.verdicts(ca, identifiers, methods)
    if any(v['allowed'] is False for v in found):
        return False
    return None if any(v['allowed'] is None for v in found) else True
