#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_dns_persist_info
short_description: The dns-persist-01 records a DNS administrator must create, and what DNS serves now
version_added: 0.1.0
description:
  - For a CA instance that allows V(dns-persist-01) (draft-ietf-acme-dns-persist), computes for every name the one
    persistent TXT record at C(_validation-persist.<name>) that authorizes the connector's account at that CA - the
    issuer domain name, C(accounturi), C(policy=wildcard) for wildcards and an optional C(persistUntil) - as a value
    and as a zone file line.
  - With O(check=true) (the default) also asks every authoritative nameserver of each record's zone what it serves and
    says whether that authorizes the account (C(ok)), or what is missing or wrong - exactly the preflight
    M(sslclm.acme.acme_enroll) runs before ordering.
  - Read-only; makes no request to the CA and writes nothing. Runs on the controller.
author:
  - sslclm.acme developers (@sslclm)
attributes:
  check_mode:
    support: full
    description: Only reads; the same in check mode.
  diff_mode:
    support: N/A
    description: Nothing changes.
options:
  check:
    description: Ask every authoritative nameserver what it serves at each record.
    type: bool
    default: true
  nameservers:
    description:
      - Resolvers (C(ip) or C(ip:port)) that find each record's zone and nameservers. Default is the system resolver.
    type: list
    elements: str
  servers:
    description: Authoritative servers (C(ip) or C(ip:port)) to ask instead of those the zone's NS records name.
    type: list
    elements: str
  prior_key_thumbprints:
    description:
      - Draft-02 CAs only - JWK thumbprints of earlier account keys whose records the CA still accepts.
    type: list
    elements: str
extends_documentation_fragment:
  - sslclm.acme.dns_persist
notes:
  - Needs C(dnspython) on the controller for O(check=true).
seealso:
  - module: sslclm.acme.acme_dns_persist
  - module: sslclm.acme.acme_ca
'''

EXAMPLES = r'''
- name: The records the DNS team must create for the shop names (printed; nothing is asked of DNS)
  sslclm.acme.acme_dns_persist_info:
    ca: "{{ le_persist.ca }}"
    identifiers: [shop.example.org, "*.shop.example.org", api.example.org]
    persist_until: "2027-12-31"
    check: false
  register: persist_records

- name: Show them as zone file lines
  ansible.builtin.debug:
    msg: "{{ persist_records.records | map(attribute='zone_line') | list }}"

- name: Are they there yet? Every authoritative nameserver of each zone is asked
  sslclm.acme.acme_dns_persist_info:
    ca: "{{ le_persist.ca }}"
    identifiers: [shop.example.org, "*.shop.example.org"]
  register: persist_state

- name: Names whose record is missing or wrong
  ansible.builtin.debug:
    msg: "{{ persist_state.records | rejectattr('status', 'eq', 'ok') | map(attribute='detail') | list }}"
'''

RETURN = r'''
dns_persist:
  description: What the records name - C(dialect), C(issuer_domain_name), C(issuer_domain_names), C(account_uri), C(account_hash_prefix).
  returned: always
  type: dict
records:
  description: One record per validation domain name (an apex and its wildcard share one).
  returned: always
  type: list
  elements: dict
  contains:
    record_name:
      description: The TXT record's name.
      type: str
      sample: _validation-persist.shop.example.org
    identifiers:
      description: The names it validates.
      type: list
      elements: str
    value:
      description: The TXT value.
      type: str
      sample: "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123; policy=wildcard"
    zone_line:
      description: The record as a zone file line (character strings of at most 255 octets).
      type: str
    status:
      description:
        - With O(check) - V(ok) when every authoritative server serves a record that authorizes the account, V(missing)
          when one serves none, V(wrong) when one serves only records that do not (another account or CA, expired,
          no wildcard policy), V(error) when a server could not be asked.
      type: str
    detail:
      description: With O(check), what each server that is not V(ok) serves, or that all are.
      type: str
    servers:
      description: With O(check), per authoritative server what it serves.
      type: dict
    persist_until:
      description: With O(check), the earliest C(persistUntil) of the records that authorize (UNIX seconds), or null.
      type: int
all_ok:
  description: With O(check), whether every record is V(ok).
  returned: when check is true
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_records import (
    lookup_options,
    records_argument_spec,
    records_info,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module


def main():
    argument_spec = records_argument_spec()
    argument_spec.update(lookup_options(), check=dict(type='bool', default=True))
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=[('identifiers', 'certificates')],
        supports_check_mode=True,
    )
    run_module(module, lambda mod: records_info(mod.params))


if __name__ == '__main__':
    main()
