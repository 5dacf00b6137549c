# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait until every authoritative nameserver of a zone serves our TXT values.

A CA's resolver may ask any of the zone's authoritative servers; a provider API that
says "done" while one secondary still serves the old zone is the most common cause of
failed DNS-01 validations. So each server named by the zone's NS records is asked
directly (no recursion, answer must be authoritative) until all of them return every
value, or the deadline passes and the error names the servers that lag. Recursive
resolvers can be added to the check (they may have cached the old answer).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.checks import CheckResult, wait_for
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import (
    is_authoritative,
    parse_servers,
    query,
    rcode_text,
    server_label,
    soa_serial,
    txt_values,
)

FIRST_INTERVAL = 0.5
MAX_INTERVAL = 2.0
QUERY_TIMEOUT = 5.0


class Target:
    """One server to ask: an authoritative nameserver, or a recursive resolver."""

    def __init__(self, label, server, authoritative, zone=None):
        self.label = label
        self.server = server
        self.authoritative = authoritative
        self.zone = zone


class PropagationCheck:
    """``wait({record name: [values]})`` returns the seconds waited or raises ``AcmeError``.

    ``lookup`` (a ``DnsLookup``) finds zones and their NS addresses; ``servers`` replaces
    that discovery with a fixed list of authoritative servers; ``resolvers`` are recursive
    resolvers that must return the values too.
    """

    def __init__(self, lookup, timeout=120, servers=None, resolvers=None, ask=query, clock=time.monotonic, sleep=time.sleep):
        self.lookup = lookup
        self.timeout = float(timeout)
        self.servers = parse_servers(servers) if servers else None
        self.resolvers = parse_servers(resolvers) if resolvers else []
        self.ask = ask
        self.clock = clock
        self.sleep = sleep

    def targets(self, name):
        """The servers that must serve ``name``: authoritative ones (given or discovered), then resolvers."""
        if self.servers:
            found = [Target('%s' % server_label(s), s, True) for s in self.servers]
        else:
            try:
                zone = self.lookup.zone_of(name)
                found = [Target('%s (%s)' % (ns_name, address), (address, 53), True, zone)
                         for ns_name, address in self.lookup.nameserver_addresses(zone)]
            except LookupFailed as exc:
                raise AcmeError('Cannot find the authoritative nameservers for %s: %s' % (name, exc),
                                hint='Check dns01.nameservers (the resolvers used for this look-up), or list the '
                                     'servers in dns01.propagation.servers')
        return found + [Target('resolver %s' % server_label(s), s, False) for s in self.resolvers]

    def _problem(self, target, name, values):
        """None when ``target`` serves every value at ``name``, else what it serves instead."""
        try:
            response = self.ask(target.server, name, 'TXT', timeout=QUERY_TIMEOUT, recursion=not target.authoritative)
        except LookupFailed as exc:
            return str(exc)
        if target.authoritative and not is_authoritative(response):
            return 'answered %s without authority for %s (not an authoritative server of its zone)' % (
                rcode_text(response), name)
        if rcode_text(response) not in ('NOERROR', 'NXDOMAIN'):
            return 'answered %s' % rcode_text(response)
        have = txt_values(response, name)
        missing = [v for v in values if v not in have]
        if not missing:
            return None
        if not have:
            return 'has no TXT record at %s (%s)' % (name, rcode_text(response))
        return 'serves %d TXT value(s) at %s but lacks %d of our %d' % (len(have), name, len(missing), len(values))

    def _serials(self, targets):
        """``'zone serials: ns1 (ip) 5, ns2 (ip) 3'`` for the discovered servers of one zone: it shows who lags."""
        found = []
        for target in targets:
            if target.zone and target.authoritative:
                try:
                    response = self.ask(target.server, target.zone, 'SOA', timeout=QUERY_TIMEOUT, recursion=False)
                    serial = soa_serial(response, target.zone)
                except LookupFailed:
                    serial = None
                found.append('%s %s' % (target.label, 'unknown' if serial is None else serial))
        return ' (zone %s serials: %s)' % (targets[0].zone, ', '.join(found)) if found else ''

    def wait(self, records):
        """Poll every (name, server) pair not yet in sync, with growing intervals, until the deadline."""
        start = self.clock()
        targets = dict((name, self.targets(name)) for name in sorted(records))
        # (name, server, problem) of the pairs not yet in sync; a pair in sync is not asked again.
        state = {'lagging': [(name, target, None) for name in sorted(records) for target in targets[name]]}

        def poll():
            checked = [(name, target, self._problem(target, name, records[name])) for name, target, dummy in state['lagging']]
            state['lagging'] = [entry for entry in checked if entry[2] is not None]
            return CheckResult(not state['lagging'], None, None)

        if wait_for(poll, self.timeout, first_interval=FIRST_INTERVAL, max_interval=MAX_INTERVAL,
                    sleep=self.sleep, clock=self.clock).ok:
            return self.clock() - start
        lagging = state['lagging']
        details = []
        for name in sorted(set(name for name, target, problem in lagging)):
            details.append('; '.join('%s %s' % (target.label, problem) for lag_name, target, problem in lagging
                                     if lag_name == name) + self._serials(targets[name]))
        raise AcmeError(
            'DNS-01 records did not propagate within %ds: %s' % (self.timeout, '; '.join(details)),
            hint='A lagging server still serves an older copy of the zone: check zone transfers (NOTIFY, allow-transfer, '
                 'SOA refresh) or the provider\'s status, or raise dns01.propagation.timeout. Servers listed in '
                 'dns01.propagation.servers must be authoritative for the zone')
