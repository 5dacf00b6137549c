# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns-persist-01 (draft-ietf-acme-dns-persist): the persistent record, computed and judged.

One TXT record at ``_validation-persist.<name>`` names the CA (an issuer domain name) and the
account that may validate the name, with ``policy=wildcard`` for wildcards and an optional
``persistUntil``. It is set once; issuance then needs no DNS change. The draft exists in two
incompatible dialects, both supported here:

* draft-01 (acme2certifier 0.46): ``accounturi`` is the account URL itself; the issuer domain
  names are the directory's ``caaIdentities``; the challenge carries ``issuer-domain-names``
  and ``accounturi``.
* draft-02: ``accounturi`` is a hashed URI, ``<accountHashPrefix>sha-256/<b64url(SHA-256(
  len(domain) || domain || thumbprint || account URL))>``; the directory meta carries
  ``issuerDomainNames`` and ``accountHashPrefix``, the challenge ``issuerDomainNames``.

Pure logic: the DNS questions are ``dns_persist_check.py``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import calendar
import datetime
import hashlib
import re
import time

from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import normalize_name, quote_txt
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError

METHOD = 'dns-persist-01'
LABEL = '_validation-persist'
DRAFT_01, DRAFT_02 = 'draft-01', 'draft-02'
HASH_NAME = 'sha-256'  # the algorithm every draft-02 CA must accept
EXPIRY_WARNING_SECONDS = 30 * 86400
_ISO = re.compile(r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]00:?00|UTC)?$', re.I)


def parse_persist_until(value):
    """``persist_until`` as given (UNIX seconds, or an ISO 8601 UTC date / time) → UNIX seconds, or None."""
    if value in (None, ''):
        return None
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    found = _ISO.match(text)
    if not found:
        raise AcmeInputError('persist_until %r is neither UNIX seconds nor an ISO 8601 UTC time (2027-01-31 or '
                             '2027-01-31T00:00:00Z)' % (value,))
    try:
        moment = datetime.datetime(*[int(p) if p else 0 for p in found.groups()[:6]], tzinfo=datetime.timezone.utc)
    except ValueError:
        raise AcmeInputError('persist_until %r is not a valid date' % (value,))
    return calendar.timegm(moment.utctimetuple())


def iso_time(seconds):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def normalize_issuer(name):
    return normalize_name(name)


def record_name(identifier):
    """The validation domain name of an ``Identifier``: a wildcard's is its parent's."""
    return '%s.%s' % (LABEL, identifier.base_domain)


def hashed_account_uri(prefix, domain, thumbprint, account_url):
    """draft-02 §4.1: ``prefix + 'sha-256/' + b64url(SHA-256(len(domain) || domain || thumbprint || account_url))``.

    ``domain`` is the name the record sits at (without the label), or ``*`` for the form that
    any domain may carry."""
    name = normalize_name(domain).encode('ascii') if domain != '*' else b'*'
    if not 0 < len(name) < 256:
        raise AcmeInputError('domain %r cannot be hashed into a dns-persist-01 account URI' % domain)
    digest = hashlib.sha256(bytes(bytearray([len(name)])) + name + thumbprint.encode('ascii')
                            + account_url.encode('ascii')).digest()
    return '%s%s/%s' % (prefix, HASH_NAME, base64.urlsafe_b64encode(digest).decode('ascii').rstrip('='))


class Authority:
    """What binds a record to one account at one CA: dialect, issuer domain names, account URL, key."""

    def __init__(self, dialect, issuer_domain_names, account_uri, thumbprint=None, account_hash_prefix=None):
        self.dialect = dialect
        self.issuer_domain_names = [normalize_issuer(n) for n in issuer_domain_names]
        self.account_uri = account_uri
        self.thumbprint = thumbprint
        self.account_hash_prefix = account_hash_prefix
        if not self.issuer_domain_names:
            raise AcmeInputError('the CA advertises no issuer domain names for dns-persist-01 (directory '
                                 'issuerDomainNames or caaIdentities): set dns_persist_issuer_domain_names on the '
                                 'CA instance (sslclm.acme.acme_ca)')
        if dialect == DRAFT_02 and not (account_hash_prefix and thumbprint):
            raise AcmeInputError('the CA speaks dns-persist-01 draft-02 but its directory has no accountHashPrefix '
                                 '(or the connector no key thumbprint): the hashed accounturi cannot be computed')

    @property
    def issuer_domain_name(self):
        """The name our records use: the first the CA (or the override) names."""
        return self.issuer_domain_names[0]

    def account_value(self, domain):
        """The ``accounturi`` a record for ``domain`` carries."""
        if self.dialect == DRAFT_01:
            return self.account_uri
        return hashed_account_uri(self.account_hash_prefix, domain, self.thumbprint, self.account_uri)

    def accepted_account_values(self, domain, prior_thumbprints=()):
        """{accounturi: note} the CA accepts for this account at ``domain`` (note: None, or why it is only tolerated)."""
        if self.dialect == DRAFT_01:
            return {self.account_uri: None}
        found = {}
        for thumbprint in list(prior_thumbprints) + [self.thumbprint]:
            note = None if thumbprint == self.thumbprint else 'computed with a prior account key %s' % thumbprint
            for name in (domain, '*'):
                found[hashed_account_uri(self.account_hash_prefix, name, thumbprint, self.account_uri)] = note
        return found

    def describe(self):
        return {'dialect': self.dialect, 'issuer_domain_name': self.issuer_domain_name,
                'issuer_domain_names': list(self.issuer_domain_names), 'account_uri': self.account_uri,
                'account_hash_prefix': self.account_hash_prefix}


def directory_dialect(directory):
    """draft-02 when the directory meta names ``issuerDomainNames`` or ``accountHashPrefix``, else draft-01."""
    return DRAFT_02 if directory.get('issuer_domain_names') or directory.get('account_hash_prefix') else DRAFT_01


def authority_for(ca):
    """The ``Authority`` of a ``ca`` object of ``sslclm.acme.acme_ca`` (issuer names overridable by its policy)."""
    directory = ca.get('directory') or {}
    connector = ca.get('connector') or {}
    dialect = directory_dialect(directory)
    names = (ca.get('policy') or {}).get('dns_persist_issuer_domain_names') or (
        directory.get('issuer_domain_names') if dialect == DRAFT_02 else directory.get('caa_identities')) or []
    return Authority(dialect, names, connector.get('account_uri'), connector.get('key_thumbprint'),
                     directory.get('account_hash_prefix'))


def record_value(issuer, account_value, wildcard=False, persist_until=None):
    parts = [issuer, 'accounturi=%s' % account_value]
    if wildcard:
        parts.append('policy=wildcard')
    if persist_until is not None:
        parts.append('persistUntil=%d' % persist_until)
    return '; '.join(parts)


def plan_records(identifiers, authority, persist_until=None, policy_wildcard=False):
    """One record per validation domain name (apex and wildcard share one: it then carries policy=wildcard).

    → [{record_name, domain, identifiers, wildcard, value, zone_line}], in the identifiers' order."""
    records = {}
    for ident in identifiers:
        if ident.type != 'dns':
            raise AcmeInputError('%s: an IP address cannot be validated with dns-persist-01' % ident.value)
        entry = records.setdefault(record_name(ident), {'record_name': record_name(ident), 'domain': ident.base_domain,
                                                        'identifiers': [], 'wildcard': bool(policy_wildcard)})
        entry['identifiers'].append(ident.value)
        entry['wildcard'] = entry['wildcard'] or ident.is_wildcard
    for entry in records.values():
        entry['value'] = record_value(authority.issuer_domain_name, authority.account_value(entry['domain']),
                                      entry['wildcard'], persist_until)
        entry['zone_line'] = '%s. IN TXT %s' % (entry['record_name'], quote_txt(entry['value']))
    return list(records.values())


def public_records(records):
    """The records a DNS administrator must create, as results show them."""
    return [dict((k, r[k]) for k in ('record_name', 'identifiers', 'value', 'zone_line')) for r in records]


def parse_record(text):
    """An issue-value (RFC 8659 §4.2) → (issuer, {lower-case tag: value}); None when malformed."""
    parts = [part.strip() for part in str(text).strip().strip('"').split(';')]
    issuer = normalize_issuer(parts[0])
    if not issuer or '=' in issuer or ' ' in issuer:
        return None
    params = {}
    for part in parts[1:]:
        if not part:
            continue
        tag, sep, value = part.partition('=')
        tag = tag.strip().lower()
        if not sep or not tag or tag in params:
            return None
        params[tag] = value.strip()
    return issuer, params


class Expectation:
    """What a record at one name must say for this account: the issuer, the account, wildcard policy, not expired."""

    def __init__(self, authority, domain, wildcard, issuer_domain_names=None, prior_thumbprints=(), now=None):
        self.authority = authority
        self.domain = domain
        self.wildcard = wildcard
        self.issuers = [normalize_issuer(n) for n in issuer_domain_names or authority.issuer_domain_names]
        self.accounts = authority.accepted_account_values(domain, prior_thumbprints)
        self.now = time.time() if now is None else now

    def judge(self, text):
        """→ (ok, reason, persist_until): reason says why a record does not authorize (or a tolerance when it does)."""
        parsed = parse_record(text)
        if parsed is None:
            return False, 'is not an issue-value ("issuer; accounturi=...")', None
        issuer, params = parsed
        if issuer not in self.issuers:
            return False, 'names the issuer %s, not this CA (%s)' % (issuer, ', '.join(self.issuers)), None
        account = params.get('accounturi')
        if not account:
            return False, 'has no accounturi', None
        if account not in self.accounts:
            return False, 'authorizes another account (accounturi=%s, not %s)' % (
                account, self.authority.account_value(self.domain)), None
        until = params.get('persistuntil')
        if until is not None and not until.isdigit():
            return False, 'has a persistUntil that is not UNIX seconds (%s)' % until, None
        until = int(until) if until is not None else None
        if until is not None and until <= self.now:
            return False, 'expired: persistUntil=%d was %s' % (until, iso_time(until)), until
        if self.wildcard and params.get('policy', '').lower() != 'wildcard':
            return False, 'has no policy=wildcard, which a wildcard certificate needs', until
        return True, self.accounts[account], until

    def best(self, values):
        """The verdict on what one server serves: (ok, detail, persist_until) of the record that authorizes, else why none does."""
        verdicts = [(text,) + self.judge(text) for text in values]
        good = sorted((v for v in verdicts if v[1]), key=lambda v: -(v[3] if v[3] is not None else float('inf')))
        if good:
            return True, good[0][2], good[0][3]
        if not values:
            return False, 'no TXT record', None
        ours = [v for v in verdicts if not v[2].startswith(('names the issuer', 'is not an issue'))] or verdicts
        return False, '; '.join('"%s" %s' % (v[0], v[2]) for v in ours), None


def expiry_warning(name, until, now=None):
    """A warning when ``persistUntil`` is within 30 days, else None."""
    now = time.time() if now is None else now
    if until is not None and until - now < EXPIRY_WARNING_SECONDS:
        return ('%s: the dns-persist-01 record expires in %d day(s) (persistUntil=%d, %s): publish it with a later '
                'persistUntil before then' % (name, max(0, int((until - now) // 86400)), until, iso_time(until)))
    return None


def challenge_dialect(challenge):
    """draft-02 when the challenge names ``issuerDomainNames``, else draft-01 (``issuer-domain-names``, ``accounturi``)."""
    return DRAFT_02 if 'issuerDomainNames' in challenge else DRAFT_01


def challenge_issuers(challenge, authority):
    """The issuer domain names a dns-persist-01 challenge accepts; checks it against the account and the records."""
    if challenge_dialect(challenge) != authority.dialect:
        raise AcmeError('The CA sent a dns-persist-01 challenge of %s, but its directory is %s: the records computed '
                        'from the directory would not validate' % (challenge_dialect(challenge), authority.dialect),
                        hint='Draft-02 CAs advertise issuerDomainNames and accountHashPrefix in the directory meta')
    names = challenge.get('issuerDomainNames') or challenge.get('issuer-domain-names') or []
    if not names or len(names) > 10:
        raise AcmeError('The CA sent a malformed dns-persist-01 challenge (%d issuer domain names)' % len(names))
    stated = challenge.get('accounturi')
    if stated and authority.dialect == DRAFT_01 and stated != authority.account_uri:
        raise AcmeError('The CA binds this dns-persist-01 challenge to the account %s, but the connector\'s account is '
                        '%s: records made for one do not validate the other' % (stated, authority.account_uri),
                        hint='The CA may build its account URLs from another host name (acme2certifier: server_name)')
    return [normalize_issuer(n) for n in names]
