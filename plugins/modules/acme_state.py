#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_state
short_description: Show, prune and move the state sslclm.acme keeps (SQLite or PostgreSQL)
version_added: 0.2.0
description:
  - Shows where the state is (the embedded SQLite ledger, or a shared PostgreSQL database) and what it holds - events
    per kind, orders in flight.
  - Prunes events older than O(prune_days) whose time has passed (the ledger grows with every run otherwise; budgets
    look back 7 days, back-off 30).
  - Copies an embedded SQLite ledger into the state named by O(state_url) (moving from a control node to AWX or to
    several controllers); events already there are not copied twice.
  - Creates and migrates the PostgreSQL schema when it runs against a new database.
  - Runs on the controller.
author:
  - sslclm.acme developers (@sslclm)
extends_documentation_fragment:
  - sslclm.acme.state
attributes:
  check_mode:
    support: full
    description: Counts what would be pruned or copied; changes nothing.
  diff_mode:
    support: none
    description: The result counts what changed.
options:
  ledger_path:
    description:
      - The embedded SQLite ledger (when no O(state_url)). Defaults to C($SSLCLM_ACME_LEDGER) or
        C(~/.ansible/sslclm_acme/ledger.sqlite).
    type: path
  state_dir:
    description: Directory of the embedded state's locks and records. Defaults to C(~/.ansible/sslclm_acme).
    type: path
  prune_days:
    description: Remove events older than this many days (orders still in flight are kept).
    type: int
  copy_from:
    description: An embedded SQLite ledger file whose events are copied into this state.
    type: path
  forget_certificates:
    description:
      - Names of retired certificates whose orders in flight and pending certificate (issued, not deployed yet) the
        state forgets, so that a certificate later added again under the same name starts afresh - with a new order,
        never a stale pending certificate. The ledger's history (events, budgets) stays.
      - On the embedded state only orders in flight are kept here (a pending certificate is the controller store's
        files); on PostgreSQL both (tables C(sslclm_orders) and C(sslclm_pending)).
      - Each item is a name, or a dict with C(name) and C(identifiers) - then only orders and pending certificates for
        exactly those identifiers go (a database shared by inventories that use the same name for other names keeps
        theirs). Orders recorded before identifiers were kept match by name.
      - The renewal role passes its entries with C(state=absent), names and identifiers.
    type: list
    elements: raw
'''

EXAMPLES = r'''
- name: What the state holds
  sslclm.acme.acme_state:
  register: state

- name: Forget what is pending for two retired certificates
  sslclm.acme.acme_state:
    forget_certificates: [old-api, legacy-www]

- name: Keep 90 days of history
  sslclm.acme.acme_state:
    prune_days: 90

- name: Move this control node's ledger into the shared database (AWX, several controllers)
  sslclm.acme.acme_state:
    state_url: "{{ vault_state_url }}"
    state_encryption_key: "{{ vault_state_key }}"
    copy_from: ~/.ansible/sslclm_acme/ledger.sqlite
  register: moved

- name: Copying twice adds nothing
  sslclm.acme.acme_state:
    state_url: "{{ vault_state_url }}"
    state_encryption_key: "{{ vault_state_key }}"
    copy_from: ~/.ansible/sslclm_acme/ledger.sqlite
'''

RETURN = r'''
state:
  description: Where the state is - C(backend) (V(sqlite) or V(postgresql)), and C(ledger) or C(database), C(state_dir).
  returned: always
  type: dict
events:
  description: Events per kind.
  returned: always
  type: dict
orders_in_flight:
  description: Orders sent and not yet settled (they count against budgets as certificates to be).
  returned: always
  type: int
pruned:
  description: Events removed (or that would be, in check mode).
  returned: with prune_days
  type: int
copied:
  description: Events copied (or that would be, in check mode).
  returned: with copy_from
  type: int
forgotten:
  description: Per name of O(forget_certificates), how many C(orders) in flight and C(pending) certificates were (or, in
    check mode, would be) forgotten.
  returned: with forget_certificates
  type: dict
  sample: {old-api: {orders: 0, pending: 1}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module
from ansible_collections.sslclm.acme.plugins.module_utils.state.admin import manage_state
from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import state_options


def main():
    argument_spec = state_options()
    argument_spec.update(
        ledger_path=dict(type='path'),
        state_dir=dict(type='path'),
        prune_days=dict(type='int'),
        copy_from=dict(type='path'),
        forget_certificates=dict(type='list', elements='raw'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda mod: manage_state(mod.params, mod.check_mode))


if __name__ == '__main__':
    main()
