#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_ledger_info
short_description: Show rate-limit budgets, failures and next allowed times from the sslclm.acme ledger
version_added: 0.1.0
description:
  - Reads the controller-side ledger that M(sslclm.acme.acme_enroll) keeps and reports, for one CA instance,
    how much of each rate-limit budget is used and left, when capacity returns, which identifiers are backing off
    after failed validations, and which C(rateLimited) answers of the CA are still in force.
  - Runs on the controller. Read-only.
author:
  - sslclm.acme developers (@sslclm)
extends_documentation_fragment:
  - sslclm.acme.state
attributes:
  check_mode:
    support: full
    description: Reads the ledger; changes nothing.
  diff_mode:
    support: N/A
    description: Nothing changes.
options:
  ca:
    description:
      - The C(ca) object returned by M(sslclm.acme.acme_ca); its directory, account and rate-limit policy are used.
    type: dict
    required: true
  ledger_path:
    description:
      - The ledger file. Defaults to C($SSLCLM_ACME_LEDGER) or C(~/.ansible/sslclm_acme/ledger.sqlite).
    type: path
'''

EXAMPLES = r'''
- name: Budgets of the Let's Encrypt CA instance
  sslclm.acme.acme_ledger_info:
    ca: "{{ le.ca }}"
  register: budgets

- name: Show what is left per registered domain
  ansible.builtin.debug:
    msg: "{{ item.key }}: {{ item.value.left }} of {{ item.value.limit }} left"
  loop: "{{ budgets.certificates_per_registered_domain | dict2items }}"
'''

RETURN = r'''
ledger_path:
  description: The ledger file read.
  returned: always
  type: str
limits:
  description: The rate-limit budget of the CA instance.
  returned: always
  type: dict
certificates_per_registered_domain:
  description:
    - Per registered domain, certificates issued in the last 7 days (C(used)), C(limit), C(left), C(full_until)
      (when a full budget frees one slot) and C(next_frees_at).
  returned: always
  type: dict
new_orders_per_3_hours:
  description: New orders by the account in the last 3 hours, with C(used), C(limit), C(left), C(full_until).
  returned: always
  type: dict
failed_validations_last_hour:
  description: Failed validations recorded for the account in the last hour.
  returned: always
  type: int
backoff:
  description: Identifiers with failed validations in a row, and when the next attempt is allowed.
  returned: always
  type: list
  elements: dict
ca_rate_limited:
  description: C(rateLimited) answers of the CA whose C(Retry-After) time has not passed.
  returned: always
  type: list
  elements: dict
recent_certificates:
  description: Certificates issued in the last 90 days (at most 50).
  returned: always
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ledger_report import ledger_report
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module
from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import state_options


def main():
    argument_spec = state_options()
    argument_spec.update(ca=dict(type='dict', required=True), ledger_path=dict(type='path'))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda mod: ledger_report(mod.params))


if __name__ == '__main__':
    main()
