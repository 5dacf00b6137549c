# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CAA records as a CA finds them (RFC 8659 §3): the relevant record set of a name.

The CA asks for CAA at the name itself (a wildcard's base name), following CNAMEs as any
look-up does, and climbs to the parent while the answer is empty, up to but not including
the root. The first non-empty answer is the relevant set; none at all means no restriction.
Whether a set allows a given CA is the CA's business (``acme/caa.py``); this file only finds it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import answer_rrset, cname_of, follow_cnames
from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import normalize_name, zone_candidates
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed

CRITICAL_FLAG = 128  # RFC 8659 §4.1: the issuer critical flag is the most significant bit


class CaaRecord:
    """One CAA resource record: ``flags``, ``tag`` (lower case: tags match case-insensitively), ``value``."""

    __slots__ = ('flags', 'tag', 'value')

    def __init__(self, flags, tag, value):
        self.flags = int(flags)
        self.tag = tag.decode('ascii', 'replace').lower() if isinstance(tag, bytes) else str(tag).lower()
        self.value = value.decode('utf-8', 'replace') if isinstance(value, bytes) else str(value)

    @property
    def critical(self):
        return bool(self.flags & CRITICAL_FLAG)

    def text(self):
        """Zone-file presentation, as users wrote it: ``0 issue "letsencrypt.org"``."""
        return '%d %s "%s"' % (self.flags, self.tag, self.value.replace('\\', '\\\\').replace('"', '\\"'))

    def __repr__(self):
        return 'CaaRecord(%s)' % self.text()


class RelevantSet:
    """The CAA records that govern ``name``: found at ``found_at`` (``name`` or a parent; None when no name up to
    the root has any), held by ``owner`` (where the CNAMEs of ``found_at`` lead; ``found_at`` itself when none)."""

    def __init__(self, name, found_at=None, owner=None, records=()):
        self.name = name
        self.found_at = found_at
        self.owner = owner or found_at
        self.records = list(records)

    def where(self):
        """``CAA at example.com`` or ``CAA at www.example.com (CNAME to cdn.example.net)``."""
        if self.found_at is None:
            return 'no CAA record at %s or any parent' % self.name
        alias = ' (CNAME to %s)' % self.owner if self.owner != self.found_at else ''
        return 'CAA at %s%s' % (self.found_at, alias)

    def to_result(self):
        return {'name': self.name, 'found_at': self.found_at, 'owner': self.owner,
                'records': [r.text() for r in self.records]}


def caa_at(lookup, name):
    """CAA(name) of RFC 8659: (owner, [CaaRecord]) at ``name`` after its CNAMEs; (None, []) when there are none.

    A recursive resolver answers the whole chain at once; when the answer ends in a CNAME without the
    target's records, the target is asked in turn. A plain answer (no alias) read by the stub resolver settles
    it first, where the look-up has one (``DnsLookup.plain_caa``).
    """
    plain_caa = getattr(lookup, 'plain_caa', None)
    plain = plain_caa(name) if plain_caa is not None else None
    if plain is not None:
        return (normalize_name(name), [CaaRecord(*record) for record in plain]) if plain else (None, [])
    found = []

    def next_name(alias):
        """Ask ``alias``; None when the answer holds its CAA records (kept in ``found``) or no further alias."""
        response = lookup.resolve(alias, 'CAA')
        rrset = answer_rrset(response, alias, 'CAA')
        if rrset is not None:
            found.append((normalize_name(rrset.name.to_text()), [CaaRecord(r.flags, r.tag, r.value) for r in rrset]))
            return None
        end = follow_cnames(alias, lambda name: cname_of(response, name))
        return end if end != alias else None

    follow_cnames(name, next_name)
    return found[0] if found else (None, [])


def relevant_caa(lookup, identifier):
    """The relevant CAA record set of a DNS identifier (``*.`` stripped). ``lookup``: a ``DnsLookup``
    (recursive resolvers). Raises ``LookupFailed`` naming the name whose look-up failed."""
    name = normalize_name(identifier[2:] if identifier.startswith('*.') else identifier)
    for candidate in zone_candidates(name):
        try:
            owner, records = caa_at(lookup, candidate)
        except LookupFailed as exc:
            raise LookupFailed('the CAA look-up of %s failed (%s)' % (candidate, exc))
        if records:
            return RelevantSet(name, candidate, owner, records)
    return RelevantSet(name)
