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
  ca:
    description:
      - The C(ca) object returned by M(sslclm.acme.acme_ca); its C(validation_methods) must allow V(dns-persist-01).
    type: dict
    required: true
  identifiers:
    description:
      - DNS names (wildcards as C(*.example.com)) to make records for.
    type: list
    elements: str
  certificates:
    description:
      - Certificates as in a host's C(acme_certificates) or M(sslclm.acme.acme_enroll)'s O(certificates) - each with
        C(identifiers) (or C(domain) and C(sans)), optional C(validation) and C(validation_overrides). Records are made
        for the names whose method, under the CA instance's policy, is V(dns-persist-01); other keys are ignored.
    type: list
    elements: dict
  persist_until:
    description:
      - C(persistUntil) of the records, as UNIX seconds or an ISO 8601 UTC date or time (V(2027-06-30)).
    type: str
  policy_wildcard:
    description:
      - C(policy=wildcard) in every record (it also authorizes subdomains). Records of wildcard names always carry it.
    type: bool
    default: false
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

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_records import records_info
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ca=dict(type='dict', required=True),
            identifiers=dict(type='list', elements='str'),
            certificates=dict(type='list', elements='dict'),
            persist_until=dict(type='str'),
            policy_wildcard=dict(type='bool', default=False),
            check=dict(type='bool', default=True),
            nameservers=dict(type='list', elements='str'),
            servers=dict(type='list', elements='str'),
            prior_key_thumbprints=dict(type='list', elements='str', no_log=False),
        ),
        required_one_of=[('identifiers', 'certificates')],
        supports_check_mode=True,
    )
    run_module(module, lambda mod: records_info(mod.params))


if __name__ == '__main__':
    main()
