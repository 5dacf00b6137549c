# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only checks of dns-persist-01 records: what every authoritative server of a name serves
(the preflight before an order), and what a resolver returns (the self-check before answering).

A CA may ask any authoritative server of the zone, so the preflight asks each one the zone's NS
records name, directly and without recursion, and judges its answer as the CA would
(``dns_persist.Expectation``). Nothing is written anywhere.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import Expectation, expiry_warning
from ansible_collections.sslclm.acme.plugins.module_utils.checks import CheckResult
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import (
    DnsLookup,
    is_authoritative,
    parse_servers,
    query,
    rcode_text,
    server_label,
    txt_values,
)
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import txt_values as resolver_txt_values
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

QUERY_TIMEOUT = 5.0
SEVERITY = {'ok': 0, 'missing': 1, 'wrong': 2, 'error': 3}  # a record's status is its worst server's


class AuthoritativeReader:
    """What each authoritative server of a name serves. ``nameservers``: the resolvers that find the zone
    and its NS addresses (None: the system's); ``servers``: a fixed list of authoritative servers instead."""

    def __init__(self, nameservers=None, servers=None, timeout=QUERY_TIMEOUT, ask=query):
        self.lookup = DnsLookup(nameservers, timeout=timeout, ask=ask)
        self.servers = servers
        self.timeout = timeout
        self.ask = ask

    def targets(self, name):
        """[(label, (ip, port))] of the servers a CA may ask for ``name``."""
        if self.servers:
            return [(server_label(s), s) for s in parse_servers(self.servers)]
        zone = self.lookup.zone_of(name)
        return [('%s (%s)' % (ns_name, address), (address, 53)) for ns_name, address in self.lookup.nameserver_addresses(zone)]

    def values(self, server, name):
        """(TXT values, None) or (None, what went wrong) for one server."""
        try:
            response = self.ask(server, name, 'TXT', timeout=self.timeout, recursion=False)
        except LookupFailed as exc:
            return None, str(exc)
        if not is_authoritative(response):
            return None, 'answered %s without authority (not an authoritative server of the zone)' % rcode_text(response)
        if rcode_text(response) not in ('NOERROR', 'NXDOMAIN'):
            return None, 'answered %s' % rcode_text(response)
        return txt_values(response, name), None


def judge_record(record, expectation, reader):
    """The verdict on one planned record (``dns_persist.plan_records``) from every authoritative server."""
    verdict = {'record_name': record['record_name'], 'identifiers': record['identifiers'], 'value': record['value'],
               'servers': {}, 'persist_until': None, 'status': 'ok'}
    try:
        targets = reader.targets(record['record_name'])
    except LookupFailed as exc:
        verdict.update(status='error', detail='cannot find the authoritative servers of %s: %s' % (record['record_name'], exc))
        return verdict
    problems, untils = {}, []
    for label, server in targets:
        values, problem = reader.values(server, record['record_name'])
        if problem is None:
            ok, detail, until = expectation.best(values)
            if ok:
                untils.append(until)
                verdict['servers'][label] = 'ok' + (' (%s)' % detail if detail else '')
                continue
            status = 'missing' if not values else 'wrong'
        else:
            status, detail = 'error', problem
        verdict['servers'][label] = detail
        problems.setdefault(detail, []).append(label)  # servers that say the same are named together
        verdict['status'] = max(verdict['status'], status, key=SEVERITY.get)
    known = [u for u in untils if u is not None]
    verdict['persist_until'] = min(known) if known and len(known) == len(untils) else None
    verdict['detail'] = '; '.join('%s: %s' % (', '.join(labels), detail) for detail, labels in problems.items()) \
        if problems else 'every authoritative server (%d) serves a record that authorizes this account' % len(targets)
    return verdict


def preflight(records, authority, reader, prior_thumbprints=(), now=None):
    """→ (verdicts, warnings) for the planned records; nothing raised for records that do not authorize."""
    verdicts, warnings = [], []
    for record in records:
        expectation = Expectation(authority, record['domain'], record['wildcard'], prior_thumbprints=prior_thumbprints,
                                  now=now)
        verdict = judge_record(record, expectation, reader)
        warning = expiry_warning(record['record_name'], verdict['persist_until'], now) if verdict['status'] == 'ok' else None
        if warning:
            warnings.append(warning)
        verdicts.append(verdict)
    return verdicts, warnings


def preflight_error(verdicts):
    """An ``AcmeError`` naming every record that does not authorize, and what to publish; None when all do."""
    failing = [v for v in verdicts if v['status'] != 'ok']
    if not failing:
        return None
    parts = ['%s (for %s): %s. Publish: %s. IN TXT "%s"' % (v['record_name'], ', '.join(v['identifiers']), v['detail'],
                                                            v['record_name'], v['value']) for v in failing]
    return AcmeError('dns-persist-01 preflight refused before any order: %s' % ' | '.join(parts),
                     hint='Nothing was sent to the CA. Have the record set at every authoritative server (DNS change '
                          'management, or once with the playbook sslclm.acme.dns_persist_publish), then run again')


def check_visible(item, nameservers=None, timeout=QUERY_TIMEOUT):
    """Self-check before answering: a resolver returns a record that the challenge's issuer names accept."""
    name = item['record_name']
    url = 'dns:%s?type=TXT' % name
    try:
        values = resolver_txt_values(name, nameservers, timeout)
    except LookupFailed as exc:
        return CheckResult(False, str(exc), url)
    ok, detail, until = item['expectation'].best(values)
    if ok:
        return CheckResult(True, 'TXT %s authorizes this account%s' % (name, ' (%s)' % detail if detail else ''), url)
    return CheckResult(False, 'TXT %s: %s' % (name, detail), url)
