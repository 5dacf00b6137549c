#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_revoke
short_description: Revoke an ACME certificate, by the account key or by the certificate's own key
version_added: 0.1.0
description:
  - Asks the CA to revoke a certificate (RFC 8555 section 7.6), with an RFC 5280 reason given by name.
  - Signed by an account key - the account that ordered the certificate, or one holding valid authorizations for every
    name in it - from O(ca), O(connector), O(connector_definition) with O(ca_definition) (the inventory's
    C(acme_connectors) and C(acme_cas) entries, as the C(sslclm.acme.renewal) role passes them) or the account key
    options; or by the certificate's own private key
    (O(private_key_src) or O(private_key_content)), which needs no account at all, for example when the account key is
    lost.
  - Idempotent. A certificate the CA has already revoked (C(alreadyRevoked)) is V(ok), not changed.
  - The controller-side ledger records each revocation. M(sslclm.acme.acme_enroll) and the C(sslclm.acme.renewal) role
    then replace the certificate on their next run. After O(reason=keyCompromise) the key's SHA-256 is recorded too,
    and no enrollment ever puts that key into a CSR again - not even with C(reuse_key), at any CA.
  - With O(fallback) (the issuer fallback chain of the CA instance), a certificate a fallback CA instance issued is
    revoked there, by its account. Nothing is issued, and no other CA instance is tried.
  - Runs on the controller; keys never leave it.
author:
  - sslclm.acme developers (@sslclm)
extends_documentation_fragment:
  - sslclm.acme.connection
  - sslclm.acme.account_key
  - sslclm.acme.lookup_cache
  - sslclm.acme.state
  - sslclm.acme.action_group
  - sslclm.acme.action_group.controller
  - sslclm.acme.enroll_definitions
  - sslclm.acme.enroll_definitions.fallback
attributes:
  check_mode:
    support: full
    description:
      - Sends nothing. ACME offers no way to ask whether a certificate is revoked, so check mode reports V(changed)
        unless the ledger records the revocation already.
  diff_mode:
    support: full
    description: The certificate's status (C(valid) or C(revoked), with the reason) before and after.
options:
  ca:
    description:
      - The C(ca) object returned by M(sslclm.acme.acme_ca). Its connector (directory, account, TLS settings) is used,
        and its name is recorded in the ledger.
      - Mutually exclusive with O(connector) and O(ca_definition).
    type: dict
  connector:
    description:
      - The C(connector) object returned by M(sslclm.acme.acme_connector). Supplies O(directory), the TLS settings, the
        account key path and the account URL.
      - Mutually exclusive with O(connector_definition).
    type: dict
  certificate_src:
    description:
      - Path on the controller to the certificate to revoke (PEM). A full chain will do - its first certificate is revoked.
    type: path
  certificate_content:
    description:
      - The certificate to revoke as PEM text (see O(certificate_src)).
    type: str
  private_key_src:
    description:
      - Path on the controller to the certificate's own private key. When given, the request is signed with it instead of
        an account key (the JWS carries its public key); the key must belong to the certificate.
    type: path
  private_key_content:
    description:
      - The certificate's own private key as PEM text (see O(private_key_src)). Never logged and never returned.
    type: str
  reason:
    description:
      - Revocation reason (RFC 5280 CRLReason), by name. Unset sends none, which the CA takes as V(unspecified).
      - V(keyCompromise) also marks the key as compromised in the ledger, for every CA.
      - Let's Encrypt accepts V(unspecified), V(keyCompromise), V(affiliationChanged), V(superseded) and
        V(cessationOfOperation); other CAs may accept more.
    type: str
    choices: [unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation,
              certificateHold, removeFromCRL, privilegeWithdrawn, aACompromise]
  state_dir:
    description:
      - Directory of the embedded state's records, where O(fallback) reads the issuers each CA instance is known by
        (the same as O(sslclm.acme.acme_enroll#module:state_dir) of M(sslclm.acme.acme_enroll)). Unused with a
        PostgreSQL state (O(state_url)).
      - Defaults to C($SSLCLM_ACME_STATE_DIR) or C(~/.ansible/sslclm_acme).
    type: path
notes:
  - One of O(certificate_src) and O(certificate_content) is required. Without O(private_key_src) or
    O(private_key_content), the account key is needed (O(account_key_src), O(account_key_content), or the connector's
    key).
  - Pebble (the test CA) does not allow an account that merely holds authorizations for the names to revoke; the issuing
    account and the certificate's key work everywhere.
seealso:
  - module: sslclm.acme.acme_enroll
  - module: sslclm.acme.acme_ca
'''

EXAMPLES = r'''
- name: Revoke a certificate with the account that ordered it, because a newer one superseded it
  sslclm.acme.acme_revoke:
    ca: "{{ le.ca }}"
    certificate_src: /etc/ssl/certs/example.com.fullchain.pem
    reason: superseded
  register: revoked

- name: The key leaked - revoke with the certificate's own key (no account needed); the next enrollment uses a new key
  sslclm.acme.acme_revoke:
    directory: letsencrypt_staging
    certificate_src: /etc/ssl/certs/example.pem
    private_key_src: /etc/ssl/private/example.key
    reason: keyCompromise

- name: Retire a certificate - revoke it with the account and CA instance as the inventory defines them (as the renewal role does)
  sslclm.acme.acme_revoke:
    connector_definition:
      directory: letsencrypt_staging
      account_key_src: "{{ playbook_dir }}/keys/le_staging.key"
      terms_agreed: true
    ca_definition:
      name: le
    certificate_src: /etc/ssl/certs/example.com.fullchain.pem
    reason: cessationOfOperation

- name: Replace the superseded certificate at once (the ledger knows it is revoked; a scheduled converge does the same)
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    domain: example.com
    sans: [www.example.com]
    http01:
      webroot: /var/www/html
    private_key_path: /etc/ssl/private/example.com.key
    fullchain_path: /etc/ssl/certs/example.com.fullchain.pem
  when: revoked is changed
'''

RETURN = r'''
certificate:
  description: The certificate revoked. Never key material.
  returned: always
  type: dict
  contains:
    serial:
      description: Serial number in hex.
      type: str
    subject:
      description: Subject common name.
      type: str
    issuer:
      description: Issuer common name.
      type: str
    identifiers:
      description: Names in the certificate.
      type: list
      elements: str
    not_before:
      description: Start of validity (UTC, ISO 8601).
      type: str
    not_after:
      description: End of validity (UTC, ISO 8601).
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate.
      type: str
already_revoked:
  description: V(true) when the CA had revoked the certificate already (in check mode - when the ledger records it).
  returned: always
  type: bool
reason:
  description: The reason given, by name (null when none was sent).
  returned: always
  type: str
  sample: keyCompromise
reason_code:
  description: Its RFC 5280 code.
  returned: always
  type: int
  sample: 1
revoked_by:
  description: V(account) (signed by an account key) or V(certificate_key) (signed by the certificate's own key).
  returned: always
  type: str
account_uri:
  description: The account that signed the request.
  returned: when signed by an account key, outside check mode
  type: str
key_compromised:
  description: V(true) when the key was recorded as compromised (O(reason=keyCompromise)).
  returned: always
  type: bool
directory:
  description: The CA's directory URL.
  returned: always
  type: str
account_actions:
  description: What the task did to the account of O(connector_definition) (for example V(created)).
  sample: [created]
  returned: when O(connector_definition) made a change
  type: list
  elements: str
'''

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ansible_module import SecretSafeModule
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module
from ansible_collections.sslclm.acme.plugins.module_utils.acme.revoke import REVOKE_RULES, revoke, revoke_argument_spec


def main():
    # SecretSafeModule: connector_definition may carry the account key as multi-line PEM text (see ansible_module.py)
    module = SecretSafeModule(argument_spec=revoke_argument_spec(), supports_check_mode=True, **REVOKE_RULES)
    run_module(module, lambda mod: revoke(mod.params, mod.check_mode))


if __name__ == '__main__':
    main()
