#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_connector
short_description: Manage an ACME account (a connector) at a CA directory
version_added: 0.1.0
description:
  - Ensures an ACME account exists at a CA directory for an account key, with the given contacts, or is deactivated.
  - Finds an existing account with C(onlyReturnExisting) before creating one, so it is idempotent on any controller.
  - Binds new accounts with External Account Binding (EAB) when the CA requires it (ZeroSSL, Google Trust Services).
  - Rolls the account key over (RFC 8555 section 7.3.5) when O(new_account_key_src) or O(new_account_key_content) is given.
  - Returns a C(connector) object that M(sslclm.acme.acme_ca) and the other modules of the collection take.
  - Runs on the controller; the account key never leaves it.
author:
  - sslclm.acme developers (@sslclm)
extends_documentation_fragment:
  - sslclm.acme.connection
  - sslclm.acme.account_key
  - sslclm.acme.lookup_cache
  - sslclm.acme.state
  - sslclm.acme.action_group
  - sslclm.acme.action_group.controller
attributes:
  check_mode:
    support: full
    description: Reports what would be created, updated, rolled over or deactivated without asking the CA to change anything.
  diff_mode:
    support: full
    description: Shows the account status, contacts, account URL and key thumbprint before and after.
options:
  state:
    description:
      - V(present) finds or creates the account and updates its contacts.
      - V(absent) deactivates the account. ACME cannot reactivate a deactivated account.
    type: str
    choices: [present, absent]
    default: present
  contact:
    description:
      - Contact email addresses (with or without C(mailto:)).
      - When omitted, the contacts of an existing account are left as they are. V([]) removes all contacts.
    type: list
    elements: str
  terms_agreed:
    description:
      - Agree to the CA's terms of service. Required to create an account at a CA that publishes terms.
    type: bool
    default: false
  account_key_generate:
    description:
      - Create the key at O(account_key_src) (mode 0600, written atomically) if the file does not exist.
    type: bool
    default: false
  account_key_type:
    description:
      - Type of a generated account key.
    type: str
    choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
    default: ec256
  new_account_key_src:
    description:
      - Path to a new account key (the file must exist). The account's key is rolled over to it; the old key
        stops working.
      - A rerun with both keys finds the account under the new key and reports no change.
    type: path
  new_account_key_content:
    description:
      - A new account key as PEM text (see O(new_account_key_src)). Never logged.
    type: str
  eab_kid:
    description:
      - External Account Binding key identifier, from the CA.
      - Used only when creating an account.
    type: str
  eab_hmac_key:
    description:
      - External Account Binding HMAC key (base64url), from the CA. Never logged and never returned.
    type: str
  eab_alg:
    description:
      - MAC algorithm of the EAB key.
    type: str
    choices: [HS256, HS384, HS512]
    default: HS256
notes:
  - The account key is read on the controller only; the C(connector) object carries its path, never its content.
  - When the key is given as O(account_key_content), pass it again to later modules (for example through
    C(module_defaults) for the C(group/sslclm.acme.acme) action group).
seealso:
  - module: sslclm.acme.acme_ca
  - name: RFC 8555 section 7.3 (accounts)
    description: Account creation, update, key rollover and deactivation.
    link: https://www.rfc-editor.org/rfc/rfc8555#section-7.3
'''

EXAMPLES = r'''
- name: Account at Let's Encrypt staging, key generated on first run
  sslclm.acme.acme_connector:
    directory: letsencrypt_staging
    account_key_src: "{{ playbook_dir }}/keys/le_staging.key"
    account_key_generate: true
    contact: [admin@example.com]
    terms_agreed: true
  register: le_staging

- name: Account at a CA that requires External Account Binding (ZeroSSL, Google Trust Services)
  sslclm.acme.acme_connector:
    directory: zerossl
    account_key_content: "{{ vault_zerossl_account_key }}"
    contact: [admin@example.com]
    terms_agreed: true
    eab_kid: "{{ vault_zerossl_eab_kid }}"
    eab_hmac_key: "{{ vault_zerossl_eab_hmac }}"

- name: Roll the account key over to a new key
  sslclm.acme.acme_connector:
    directory: letsencrypt_staging
    account_key_src: "{{ playbook_dir }}/keys/le_staging.key"
    new_account_key_src: "{{ playbook_dir }}/keys/le_staging-2027.key"

- name: Deactivate the account
  sslclm.acme.acme_connector:
    directory: letsencrypt_staging
    account_key_src: "{{ playbook_dir }}/keys/le_staging-2027.key"
    state: absent
'''

RETURN = r'''
connector:
  description: The account, as the other modules of the collection take it. Holds no key material.
  returned: always
  type: dict
  contains:
    directory:
      description: Directory URL.
      type: str
      sample: https://acme-staging-v02.api.letsencrypt.org/directory
    account_uri:
      description: The account URL (C(kid)); null when no account exists (state absent, or check mode before creation).
      type: str
      sample: https://acme-staging-v02.api.letsencrypt.org/acme/acct/123456
    status:
      description: V(valid), V(deactivated), V(revoked) or V(absent).
      type: str
      sample: valid
    contact:
      description: The account's contact URIs.
      type: list
      elements: str
      sample: ["mailto:admin@example.com"]
    key_thumbprint:
      description: RFC 7638 thumbprint of the account key; the stateless HTTP-01 responder answers with it.
      type: str
    account_key_src:
      description: Path of the account key when it came from a file (the new key after a rollover).
      type: str
    eab_bound:
      description: Whether the account is bound to an external account.
      type: bool
    terms_of_service:
      description: URL of the CA's terms of service, if it publishes them.
      type: str
    validate_certs:
      description: TLS verification setting used.
      type: bool
    ca_bundle:
      description: CA bundle used to verify the ACME server.
      type: str
    request_timeout:
      description: Request timeout in seconds.
      type: int
    proxy_address:
      description:
        - C(host:port) of the O(proxy) the account was reached through, V(null) without one. Never the proxy's URL or
          credentials - tasks given this connector must be given O(proxy) too.
      type: str
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
  sample: [created]
cached:
  description: True when the account and the directory came from the lookup cache (see O(cache_max_age)), without a
    request to the CA.
  returned: when the cache answered
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.connector import ensure_connector
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_specs import connector_module_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module


def main():
    argument_spec, rules = connector_module_spec()
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **rules)
    run_module(module, lambda mod: ensure_connector(dict(mod.params, _diff=mod._diff), mod.check_mode))


if __name__ == '__main__':
    main()
