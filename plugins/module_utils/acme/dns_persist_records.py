# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns-persist-01 records of a CA instance for a set of names, outside an enrollment:
which names use the method, the records a DNS administrator must create, and what the
authoritative servers serve now (``sslclm.acme.acme_dns_persist_info``; the publishing module
``acme_dns_persist`` starts from the same plan)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist import (
    METHOD,
    authority_for,
    parse_persist_until,
    plan_records,
    public_records,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_check import AuthoritativeReader, preflight
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import assign_methods, parse_identifiers
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError


def records_argument_spec():
    """Which records a module works on (doc fragment ``sslclm.acme.dns_persist``)."""
    return dict(
        ca=dict(type='dict', required=True),
        identifiers=dict(type='list', elements='str'),
        certificates=dict(type='list', elements='dict'),
        persist_until=dict(type='str'),
        policy_wildcard=dict(type='bool', default=False),
    )


def lookup_options():
    """Where the records are looked up: ``acme_dns_persist_info`` and ``acme_enroll``'s ``dns_persist01``."""
    return dict(
        nameservers=dict(type='list', elements='str'),
        servers=dict(type='list', elements='str'),
        prior_key_thumbprints=dict(type='list', elements='str', no_log=False),
    )


def _certificate_names(item):
    if item.get('identifiers'):
        return list(item['identifiers'])
    if item.get('domain'):
        return [item['domain']] + list(item.get('sans') or [])
    raise AcmeInputError('every certificates item needs identifiers (or domain and sans): %r' % (item,))


def persist_identifiers(ca, identifiers=None, certificates=None):
    """The identifiers that use dns-persist-01: all of ``identifiers``, and those of ``certificates`` (items shaped as
    ``acme_certificates`` / ``acme_enroll`` certificates) whose method under the CA instance's policy is dns-persist-01."""
    policy = ca.get('policy') or {}
    if not policy or not ca.get('connector'):
        raise AcmeInputError('ca must be the ca object returned by sslclm.acme.acme_ca')
    if METHOD not in (policy.get('validation_methods') or []):
        raise AcmeInputError('the CA instance %s does not allow dns-persist-01: add it to its validation_methods'
                             % ca.get('name'))
    found = parse_identifiers(identifiers) if identifiers else []
    for item in certificates or []:
        idents = parse_identifiers(_certificate_names(item))
        default = item.get('validation') or policy.get('default_validation') or 'http-01'
        methods = assign_methods(idents, default, item.get('validation_overrides'), policy.get('validation_methods'))
        found.extend(i for i in idents if methods[i] == METHOD and i not in found)
    if not found and not certificates:
        raise AcmeInputError('no identifier given (identifiers, or certificates validated with dns-persist-01)')
    return found


def plan(params):
    """(authority, records) of the module options ``ca``, ``identifiers``, ``certificates``, ``persist_until``,
    ``policy_wildcard``."""
    ca = params.get('ca') or {}
    identifiers = persist_identifiers(ca, params.get('identifiers'), params.get('certificates'))
    authority = authority_for(ca)
    records = plan_records(identifiers, authority, parse_persist_until(params.get('persist_until')),
                           bool(params.get('policy_wildcard')))
    return authority, records


def records_info(params):
    """The module result of ``acme_dns_persist_info``: records, and with ``check`` what every authoritative server serves."""
    authority, records = plan(params)
    result = {'changed': False, 'dns_persist': authority.describe(), 'records': public_records(records)}
    if params.get('check'):
        reader = AuthoritativeReader(params.get('nameservers'), params.get('servers'))
        verdicts, warnings = preflight(records, authority, reader, params.get('prior_key_thumbprints') or ())
        for shown, verdict in zip(result['records'], verdicts):
            shown.update((k, verdict[k]) for k in ('status', 'detail', 'servers', 'persist_until'))
        result['all_ok'] = all(v['status'] == 'ok' for v in verdicts)
        result['_warnings'] = warnings
    return result
