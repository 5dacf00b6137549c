#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_dns_persist
short_description: Publish dns-persist-01 records once through a DNS provider, or remove them on decommission
version_added: 0.1.0
description:
  - Writes the persistent C(_validation-persist.<name>) TXT record that authorizes the connector's account at the CA
    (see M(sslclm.acme.acme_dns_persist_info) for the records) through a DNS provider - RFC 2136 with TSIG, Route 53,
    Cloudflare - for those who do not set them by DNS change management. Run it explicitly, once; issuance and
    renewal with V(dns-persist-01) never write DNS and need no DNS credentials.
  - O(state=present) adds the record where it is missing and removes older records of the same account at the same
    CA (another C(persistUntil) or policy). O(state=absent) removes every record of the account at the CA - the way to
    revoke the authorization on decommission. Records of other accounts and other CAs are never touched.
  - What each name serves is read from the authoritative nameservers of its zone; after writing, the task waits until
    every one of them serves the record (O(dns01.propagation)).
  - Idempotent; check and diff mode. Runs on the controller.
author:
  - sslclm.acme developers (@sslclm)
attributes:
  check_mode:
    support: full
    description: Reads what DNS serves and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: The TXT values of each record name before and after.
options:
  state:
    description: Whether the records are there (V(present)) or gone (V(absent)).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - sslclm.acme.dns_persist
  - sslclm.acme.dns_provider
notes:
  - Needs C(dnspython) on the controller, and C(boto3) for V(route53).
  - The DNS credentials are needed by this task only; keep them out of the renewal inventory.
seealso:
  - module: sslclm.acme.acme_dns_persist_info
  - module: sslclm.acme.acme_ca
'''

EXAMPLES = r'''
- name: Publish the dns-persist-01 records of the shop names once, on the BIND primary (RFC 2136 with TSIG)
  sslclm.acme.acme_dns_persist:
    ca: "{{ le_persist.ca }}"
    identifiers: [shop.example.org, "*.shop.example.org"]
    persist_until: "2027-12-31"
    dns01:
      provider: rfc2136
      server: ns1.example.org
      key_name: persist-admin
      key_secret: "{{ vault_persist_tsig_secret }}"

- name: Decommission - remove the records, so the account can no longer validate these names
  sslclm.acme.acme_dns_persist:
    ca: "{{ le_persist.ca }}"
    identifiers: [shop.example.org, "*.shop.example.org"]
    state: absent
    dns01:
      provider: route53
      aws_profile: dns-admin
'''

RETURN = r'''
records:
  description: One entry per record name, as M(sslclm.acme.acme_dns_persist_info) returns them, with C(action).
  returned: always
  type: list
  elements: dict
  contains:
    record_name:
      description: The TXT record's name.
      type: str
    identifiers:
      description: The names it validates.
      type: list
      elements: str
    value:
      description: The TXT value of the record of this account.
      type: str
    zone_line:
      description: The record as a zone file line.
      type: str
    action:
      description: V(created), V(replaced) (an older record of the account removed), V(removed), V(unchanged) or V(absent).
      type: str
dns_persist:
  description: What the records name (dialect, issuer domain name, account).
  returned: always
  type: dict
propagation_seconds:
  description: Seconds until every authoritative server served the records written.
  returned: when records were written
  type: float
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_publish import publish_records
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_records import records_argument_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module
from ansible_collections.sslclm.acme.plugins.module_utils.dns.registry import dns01_options


def main():
    argument_spec = records_argument_spec()
    argument_spec.update(state=dict(type='str', default='present', choices=['present', 'absent']),
                         dns01=dict(type='dict', required=True, options=dns01_options()))
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=[('identifiers', 'certificates')],
        supports_check_mode=True,
    )
    run_module(module, lambda mod: publish_records(dict(mod.params, _diff=mod._diff), mod.check_mode))


if __name__ == '__main__':
    main()
