# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns-persist-01 in an enrollment: the records to show, the preflight before ordering, the
challenge of each authorization (or the fallback when the CA does not offer it).

Nothing here writes DNS: the records are persistent and set by whoever manages the zone, so a
certificate that uses only dns-persist-01 needs no ``dns01`` provider and no DNS secret.
``enroll.py`` calls it at four points: the base result, check mode, before the order, and per
authorization.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import (
    METHOD,
    Expectation,
    authority_for,
    challenge_issuers,
    parse_persist_until,
    plan_records,
    public_records,
    record_name,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_check import (
    AuthoritativeReader,
    preflight,
    preflight_error,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import method_fits
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError


class PersistValidation:
    """dns-persist-01 for the identifiers of one certificate that use it (``methods``: identifier → method,
    updated in place when an authorization falls back to another method)."""

    def __init__(self, run, spec, identifiers, methods):
        self.run = run
        self.options = spec.get('dns_persist01') or {}
        self.methods = methods
        self.identifiers = [i for i in identifiers if methods[i] == METHOD]
        self.warnings = []
        self.fallbacks = {}
        self._authority = None
        self._records = None

    @property
    def authority(self):
        if self._authority is None:
            self._authority = authority_for(self.run.ca)
        return self._authority

    def records(self):
        if self._records is None:
            self._records = plan_records(self.identifiers, self.authority,
                                         parse_persist_until(self.options.get('persist_until')),
                                         bool(self.options.get('policy_wildcard')))
        return self._records

    def planned(self):
        """``dns_persist_records`` for the result (no DNS question asked)."""
        return {'dns_persist_records': public_records(self.records())} if self.identifiers else {}

    def preflight(self, report_only=False):
        """Ask every authoritative server before ordering; raise naming what to publish unless ``report_only``."""
        if not self.identifiers or self.options.get('preflight') is False:
            return {}
        reader = AuthoritativeReader(self.options.get('nameservers'), self.options.get('servers'))
        verdicts, warnings = preflight(self.records(), self.authority, reader, self.options.get('prior_key_thumbprints') or ())
        self.warnings.extend(warnings)
        error = preflight_error(verdicts)
        if error is not None and not report_only:
            raise error
        return {'dns_persist_preflight': verdicts}

    def choose(self, ident, authz):
        """The method for this authorization: dns-persist-01 where the CA offers it, else the next method the CA
        instance allows that fits the identifier and that the CA offers here - and a warning that says so."""
        method = self.methods.get(ident)
        offered = [c.get('type') for c in authz.get('challenges') or []]
        if method != METHOD or METHOD in offered:
            return method
        allowed = list(self.run.policy.get('validation_methods') or [])
        at = allowed.index(METHOD) if METHOD in allowed else len(allowed)
        for other in allowed[at + 1:] + allowed[:at]:  # the methods after it in the policy's order, then those before
            if other in offered and method_fits(ident, other):
                self.methods[ident] = self.fallbacks[ident.value] = other
                self.warnings.append('%s: the CA offers no dns-persist-01 challenge for this authorization (it offers '
                                     '%s); validating with %s instead' % (ident.value, ', '.join(offered), other))
                return other
        raise AcmeError('%s: the CA offers no dns-persist-01 challenge (it offers %s) and no other method the CA '
                        'instance allows (%s) can validate it'
                        % (ident.value, ', '.join(offered) or 'none', ', '.join(allowed)))

    def material(self, ident, authz_url, authz):
        """The pending dns-persist-01 challenge: nothing to publish, only what the self-check expects to see."""
        challenge = next(c for c in authz['challenges'] if c.get('type') == METHOD)
        issuers = challenge_issuers(challenge, self.authority)
        record = next(r for r in self.records() if r['record_name'] == record_name(ident))
        return {
            'identifier': ident.value,
            'method': METHOD,
            'authz_url': authz_url,
            'challenge_url': challenge.get('url'),
            'challenge_status': challenge.get('status'),
            'token': None,
            'record_name': record['record_name'],
            'txt_value': record['value'],
            'expectation': Expectation(self.authority, record['domain'], ident.is_wildcard, issuers,
                                       self.options.get('prior_key_thumbprints') or ()),
        }

    def outcome(self):
        """What the result reports: the fallbacks, and the warnings (``_warnings``: shown by the module)."""
        found = {}
        if self.fallbacks:
            found['validation_fallbacks'] = dict(self.fallbacks)
            found['validation'] = dict((i.value, m) for i, m in self.methods.items())
        if self.warnings:
            found['_warnings'] = list(self.warnings)
        return found
