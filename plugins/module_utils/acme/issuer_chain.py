# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CA instances of one ``acme_enroll`` task: its own, then those of ``fallback`` in order.

Each certificate goes to the first CA instance; when it cannot issue soon (``fallback.fallback_reason``)
the next one is tried, in the same run. Each CA instance has its own ``EnrollRun`` (account, budget,
ledger records under its name), made when a certificate first needs it. A CA instance unreachable
(or failing to start) is passed over for the rest of the task's certificates. Every CA instance of the
chain knows the issuers of the others, so a certificate issued by a fallback CA is current for the next
run, not "issued by another CA".
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_run import EnrollRun
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeUnreachable
from ansible_collections.sslclm.acme.plugins.module_utils.acme.fallback import chain_order, fallback_reason, rate_limit_deadline
from ansible_collections.sslclm.acme.plugins.module_utils.acme.renewal import read_served, read_stored
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import authority_key_id, not_after


def _ca_name(definition):
    ca = definition.get('ca_definition') or {}
    return ca.get('name') or ca.get('connector_name') or 'ca'


def in_use(spec):
    """The leaf of the certificate in use: the newest one the hosts serve, else the one at the destination."""
    served = read_served(spec)
    if served:
        return served[0][0]
    stored = read_stored(spec)
    return stored[0] if stored else None


class IssuerChain:
    """The task's CA instances, tried in order for each certificate."""

    def __init__(self, params, check_mode, make_run=EnrollRun):
        self.params = params
        self.check_mode = check_mode
        self.make_run = make_run
        fallback = params.get('fallback') or []
        if fallback and not params.get('ca_definition'):
            raise AcmeInputError('fallback needs ca_definition and connector_definition (not ca): each CA instance of '
                                 'the chain is given by its definitions')
        if fallback and (params.get('step') or 'auto') != 'auto':
            raise AcmeInputError('fallback works with step: auto only (an order made at one CA is finished there)')
        self.definitions = [dict(connector_definition=params.get('connector_definition'),
                                 ca_definition=params.get('ca_definition'))] + list(fallback)
        self.names = [_ca_name(d) for d in self.definitions]
        if len(set(self.names)) != len(self.names):
            raise AcmeInputError('the CA instances of the fallback chain must have distinct names: %s'
                                 % ', '.join(self.names))
        self.directories = [(d.get('connector_definition') or {}).get('directory') for d in self.definitions]
        self.sticky = bool(params.get('fallback_sticky'))
        self._runs = {}
        self.down = {}  # index → why this CA instance is passed over for the rest of the task
        self._lock = threading.Lock()
        self.runs_made = []
        if not fallback:
            self.run_at(0, raise_errors=True)  # no chain: the task fails as it did, before any certificate

    @property
    def has_fallback(self):
        return len(self.definitions) > 1

    def run_at(self, index, raise_errors=False):
        """The ``EnrollRun`` of CA instance ``index`` (made once), or None when it is passed over."""
        with self._lock:
            if index in self.down:
                return None
            if index in self._runs:
                return self._runs[index]
            params = self.params if index == 0 else dict(self.params, **self.definitions[index])
            # a fallback CA instance signs with the key of its own connector definition, never the task's
            params = dict(params, ca=None, account_key_src=None, account_key_content=None) if index else params
            try:
                run = self.make_run(params, self.check_mode)
            except AcmeError as error:
                reason = None if raise_errors else fallback_reason(error, datetime.datetime.now(datetime.timezone.utc))
                if reason is None:
                    raise
                self.down[index] = reason
                return None
            run.chain_directories = [d for d in self.directories if d]
            self._runs[index] = run
            self.runs_made.append(run)
            return run

    def issued_by(self, leaf):
        """The index of the CA instance whose issuers include ``leaf``'s, or None. (The known issuers are in the
        state every CA instance of the chain shares: any of their runs reads them.)"""
        if leaf is None:
            return None
        runs = (self.run_at(index) for index in range(len(self.definitions)))  # made in order, the first that starts
        store = next((run.store for run in runs if run is not None), None)
        if store is None:
            return None
        key_id = authority_key_id(leaf)
        for index, directory in enumerate(self.directories):
            if directory and key_id in store.known_issuers(directory):
                return index
        return None

    def enroll(self, spec, enroll_one):
        """One certificate through the chain: ``enroll_one(run, spec)`` at each CA instance in turn."""
        if not self.has_fallback:
            return enroll_one(self.run_at(0), spec)
        leaf = in_use(spec)
        last = self.issued_by(leaf) if self.sticky else None
        now = datetime.datetime.now(datetime.timezone.utc)
        deadline = rate_limit_deadline(not_after(leaf) if leaf is not None else None, now)
        attempts, error = [], None
        for index in chain_order(len(self.definitions), self.sticky, last):
            run = self.run_at(index)
            if run is None:
                attempts.append({'ca': self.names[index], 'reason': self.down[index]})
                continue
            try:
                result = enroll_one(run, spec)
            except AcmeError as failure:
                reason = fallback_reason(failure, deadline)
                if reason is None:
                    raise self._with_attempts(failure, attempts)
                if isinstance(failure, AcmeUnreachable):
                    self.down[index] = reason
                attempts.append({'ca': self.names[index], 'reason': reason})
                error = failure
                continue
            return self._tag(result, index, attempts, spec)
        raise self._with_attempts(error or AcmeError('no CA instance of the chain could be used'), attempts,
                                  every=True)

    def _tag(self, result, index, attempts, spec):
        if result.get('changed'):
            result['issuer_ca'] = self.names[index]
        else:
            found = self.issued_by(in_use(spec)) if result.get('certificate') else None
            result['issuer_ca'] = self.names[found] if found is not None else None
        result['ca_tried'] = [a['ca'] for a in attempts] + [self.names[index]]
        if attempts:
            result['fallback'] = attempts
            if result.get('changed'):
                passed = '; '.join('%s: %s' % (a['ca'], a['reason']) for a in attempts)
                result['fallback_note'] = 'fallback from %s' % passed
        return result

    @staticmethod
    def _with_attempts(error, attempts, every=False):
        if attempts:
            passed = '; '.join('%s: %s' % (a['ca'], a['reason']) for a in attempts)
            prefix = 'no CA instance of the fallback chain could issue' if every else 'after passing over'
            error.msg = '%s (%s) - %s' % (prefix, passed, error.msg) if not every else '%s: %s' % (prefix, passed)
            error.args = (error.msg,)
            error.fallback = attempts
        return error

    def outcome(self):
        """(account actions, warnings) of every CA instance used."""
        actions, warnings = [], []
        for index in sorted(self._runs):
            run = self._runs[index]
            actions.extend(run.account_actions)
            warnings.extend(run.warnings)
        return actions, warnings
