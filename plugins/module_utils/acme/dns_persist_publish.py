# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing dns-persist-01 records once through a DNS provider, and removing them on decommission
(``sslclm.acme.acme_dns_persist``). Never part of issuance or renewal.

What a name serves is read from its authoritative servers. ``present`` adds the record and removes
older records of the same account at the same CA (another ``persistUntil`` or policy); ``absent``
removes every record of the account at the CA. Records of other accounts or other CAs are never
touched. After writing, the task waits until every authoritative server serves the record.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import parse_record, public_records
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_check import AuthoritativeReader
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_records import plan
from ansible_collections.sslclm.acme.plugins.module_utils.dns.propagation import PropagationCheck
from ansible_collections.sslclm.acme.plugins.module_utils.dns.registry import make_provider
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError


def served_values(reader, name):
    """Every TXT value any authoritative server of ``name`` serves (a lagging server's old record counts too)."""
    try:
        targets = reader.targets(name)
    except LookupFailed as exc:
        raise AcmeError('Cannot find the authoritative servers of %s: %s' % (name, exc),
                        hint='Set dns01.nameservers to resolvers that answer, or dns01.propagation.servers')
    found = []
    for label, server in targets:
        values, problem = reader.values(server, name)
        if problem:
            raise AcmeError('Cannot read TXT %s from %s: %s' % (name, label, problem))
        found.extend(v for v in values if v not in found)
    return found


def ours(value, authority, domain):
    """A record of this account (its current key) naming one of this CA's issuer domain names."""
    parsed = parse_record(value)
    return bool(parsed) and parsed[0] in authority.issuer_domain_names and \
        parsed[1].get('accounturi') in authority.accepted_account_values(domain)


def changes_for(records, authority, reader, state):
    """[(record, current values, values to add, values to remove)] for every record."""
    planned = []
    for record in records:
        current = served_values(reader, record['record_name'])
        wanted = [record['value']] if state == 'present' else []
        add = [v for v in wanted if v not in current]
        remove = [v for v in current if ours(v, authority, record['domain']) and v not in wanted]
        planned.append((record, current, add, remove))
    return planned


def publish_records(params, check_mode):
    """The module result: which records were created, replaced, removed or left as they were."""
    authority, records = plan(params)
    dns01 = dict(params.get('dns01') or {})
    provider = make_provider(dns01)  # checks the provider options, also in check mode
    propagation = dns01.get('propagation') or {}
    reader = AuthoritativeReader(dns01.get('nameservers'), propagation.get('servers'))
    planned = changes_for(records, authority, reader, params.get('state') or 'present')
    shown, before, after, written = public_records(records), {}, {}, {}
    for entry, (record, current, add, remove) in zip(shown, planned):
        entry['action'] = ('replaced' if add and remove else 'created' if add else 'removed' if remove else
                           'unchanged' if record['value'] in current else 'absent')
        before[record['record_name']] = current
        after[record['record_name']] = [v for v in current if v not in remove] + add
        if check_mode or not (add or remove):
            continue
        if add:
            provider.add_txt(record['record_name'], add)
            written[record['record_name']] = add
        if remove:
            provider.remove_txt(record['record_name'], remove)
    result = {'changed': any(add or remove for dummy, dummy, add, remove in planned), 'records': shown,
              'dns_persist': authority.describe()}
    if written and propagation.get('enabled') is not False:
        result['propagation_seconds'] = round(PropagationCheck(
            reader.lookup, timeout=propagation.get('timeout') or 120, servers=propagation.get('servers'),
            resolvers=propagation.get('resolvers')).wait(written), 2)
    if params.get('_diff'):
        result['diff'] = {'before': before, 'after': after}
    return result
