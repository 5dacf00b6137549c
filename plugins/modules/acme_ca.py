#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_ca
short_description: Define a CA instance — an ACME connector plus issuance policy — checked against the CA
version_added: 0.1.0
description:
  - Combines a C(connector) from M(sslclm.acme.acme_connector) with an issuance policy - allowed and default
    validation methods, certificate key type, preferred chain, ACME profile, renewal policy and rate-limit budget.
  - Reads the CA's directory and checks the policy against it (profiles advertised, ARI offered, terms of service,
    CAA identities) so a policy that cannot work fails here, not in the middle of an enrollment.
  - The CA's CAA identities (from its directory, or O(caa_identities)) are what the CAA check of
    M(sslclm.acme.acme_enroll) compares the CAA records of every identifier with before ordering.
  - Returns a C(ca) object for the enrollment and renewal modules. Creates nothing at the CA, so it never reports
    a change.
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
    description: The module only reads the CA's directory; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
options:
  name:
    description:
      - Name of the CA instance, used in reports, the ledger and messages.
    type: str
    required: true
  connector:
    description:
      - The C(connector) object returned by M(sslclm.acme.acme_connector) (its account must be V(valid)).
      - Supplies O(directory) and the TLS settings; options given on the task win.
    type: dict
    required: true
  validation_methods:
    description:
      - Validation methods certificates of this CA instance may use, in order of preference - where the CA offers no
        V(dns-persist-01) challenge for an authorization, the next of them that fits the identifier is used instead.
      - V(dns-persist-01) (draft-ietf-acme-dns-persist) is allowed only when listed. The record of each name names the
        CA by an issuer domain name (the directory's C(issuerDomainNames), or C(caaIdentities) for draft-01 CAs, or
        O(dns_persist_issuer_domain_names)) and the connector's account; C(ca.dns_persist) shows what records say.
    type: list
    elements: str
    choices: [http-01, dns-01, tls-alpn-01, dns-persist-01]
    default: [http-01, dns-01, tls-alpn-01]
  default_validation:
    description:
      - Validation method used when a certificate names none. Must be one of O(validation_methods).
      - When omitted, the first of O(validation_methods).
    type: str
    choices: [http-01, dns-01, tls-alpn-01, dns-persist-01]
  dns_persist_issuer_domain_names:
    description:
      - Issuer domain names for V(dns-persist-01) records instead of those the CA's directory advertises; records use
        the first. For a CA that advertises none, or to pin one of several.
    type: list
    elements: str
  key_type:
    description:
      - Key type of certificate keys generated for this CA instance.
    type: str
    choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
    default: ec256
  preferred_chain:
    description:
      - Common name of the root (or topmost issuer) of the chain to prefer when the CA offers alternate chains.
    type: str
  profile:
    description:
      - ACME certificate profile to request (for example Let's Encrypt's C(classic), C(tlsserver), C(shortlived)).
      - If the CA does not offer it, the module fails when O(profile_required=true), else warns and orders without a profile.
    type: str
  profile_required:
    description:
      - Fail rather than fall back to the CA's default profile when O(profile) is not offered.
    type: bool
    default: false
  renewal:
    description:
      - When certificates of this CA instance are renewed.
    type: dict
    suboptions:
      days_before_expiry:
        description:
          - Renew this many days before expiry (for certificates whose lifetime is at least three times as long).
        type: int
        default: 30
      lifetime_fraction:
        description:
          - Renew when this fraction of the lifetime remains. When unset, certificates shorter than
            3 x O(renewal.days_before_expiry) renew at one third of their lifetime (one half under 10 days).
        type: float
      use_ari:
        description:
          - Follow the CA's ACME Renewal Information (RFC 9773) window when the CA offers it.
        type: bool
        default: true
  rate_limits:
    description:
      - The rate-limit budget this collection keeps to. Defaults are Let's Encrypt's published limits
        (Let's Encrypt staging gets its larger staging limits).
    type: dict
    suboptions:
      certificates_per_registered_domain:
        description: New certificates per registered domain per 7 days (Let's Encrypt default 50).
        type: int
      duplicate_certificates:
        description: Certificates for the exact same set of identifiers per 7 days (Let's Encrypt default 5).
        type: int
      failed_validations_per_hour:
        description: Failed validations per identifier per hour (Let's Encrypt default 5).
        type: int
      new_orders_per_3_hours:
        description: New orders per account per 3 hours (Let's Encrypt default 300).
        type: int
  enforce_rate_limits:
    description:
      - Refuse a request that would exceed O(rate_limits) before contacting the CA. Set to V(false) only if you know better.
    type: bool
    default: true
  max_names:
    description:
      - Most identifiers the CA accepts in one certificate. A certificate with more is refused before any order, with
        this limit in the message. 100 at Let's Encrypt, ZeroSSL and Google Trust Services.
    type: int
    default: 100
  caa_identities:
    description:
      - The domain names this CA recognises in CAA C(issue) records (for Let's Encrypt V(letsencrypt.org)).
      - Normally the CA's directory advertises them (C(meta.caaIdentities)); give them here for a CA whose directory
        does not (private CAs, test CAs). When given, they are the ones the CAA check of M(sslclm.acme.acme_enroll) and
        RV(ca.caa_issue_values) use; a warning says so if the directory advertises others.
    type: list
    elements: str
notes:
  - The account key options are accepted so that one C(module_defaults) block for C(group/sslclm.acme.acme) serves
    every module of the group; this module only reads the CA's directory and does not use the key.
seealso:
  - module: sslclm.acme.acme_connector
'''

EXAMPLES = r'''
- name: Account at Let's Encrypt staging
  sslclm.acme.acme_connector:
    directory: letsencrypt_staging
    account_key_src: "{{ playbook_dir }}/keys/le_staging.key"
    account_key_generate: true
    contact: [admin@example.com]
    terms_agreed: true
  register: le_staging

- name: CA instance with HTTP-01 by default, DNS-01 and TLS-ALPN-01 allowed
  sslclm.acme.acme_ca:
    name: le
    connector: "{{ le_staging.connector }}"
    validation_methods: [http-01, dns-01, tls-alpn-01]
    key_type: ec256
    renewal:
      days_before_expiry: 30
  register: le

- name: A short-lived profile where the CA offers it, else the default profile
  sslclm.acme.acme_ca:
    name: le_short
    connector: "{{ le_staging.connector }}"
    profile: shortlived
    rate_limits:
      certificates_per_registered_domain: 20

- name: CA instance that states its CAA identities (for CAs whose directory advertises none)
  sslclm.acme.acme_ca:
    name: le_caa
    connector: "{{ le_staging.connector }}"
    caa_identities: [letsencrypt.org]

- name: Show the CAA value that allows only this account
  ansible.builtin.debug:
    var: le.ca.caa_issue_values

- name: A fleet renewed over dns-persist-01 (no DNS credentials), DNS-01 where the CA offers no dns-persist-01
  sslclm.acme.acme_ca:
    name: le_persist
    connector: "{{ le_staging.connector }}"
    validation_methods: [dns-persist-01, dns-01]
    dns_persist_issuer_domain_names: [letsencrypt.org]
  register: le_persist

- name: Show what every dns-persist-01 record of this CA instance names
  ansible.builtin.debug:
    var: le_persist.ca.dns_persist
'''

RETURN = r'''
ca:
  description: The CA instance, as M(sslclm.acme.acme_enroll) and the renewal role take it.
  returned: success
  type: dict
  contains:
    name:
      description: The CA instance name.
      type: str
    connector:
      description: The connector object it was built from.
      type: dict
    directory:
      description: What the CA's directory offers.
      type: dict
      contains:
        url:
          description: Directory URL.
          type: str
        terms_of_service:
          description: Terms of service URL.
          type: str
        website:
          description: The CA's website.
          type: str
        caa_identities:
          description: Domain names the CA recognises in CAA records.
          type: list
          elements: str
        external_account_required:
          description: Whether new accounts need External Account Binding.
          type: bool
        profiles:
          description: Profiles the CA advertises, name to description.
          type: dict
        ari:
          description: Whether the CA offers ACME Renewal Information.
          type: bool
        key_change:
          description: Whether the CA offers account key rollover.
          type: bool
        issuer_domain_names:
          description: The directory's C(issuerDomainNames) (dns-persist-01 draft-02; empty for draft-01 CAs).
          type: list
          elements: str
        account_hash_prefix:
          description: The directory's C(accountHashPrefix) (dns-persist-01 draft-02).
          type: str
    policy:
      description: The effective issuance policy.
      type: dict
      sample:
        validation_methods: [http-01, dns-01]
        default_validation: http-01
        key_type: ec256
        preferred_chain: null
        profile: null
        profile_requested: null
        profile_required: false
        renewal: {days_before_expiry: 30, lifetime_fraction: null, use_ari: true}
        rate_limits:
          certificates_per_registered_domain: 50
          duplicate_certificates: 5
          failed_validations_per_hour: 5
          new_orders_per_3_hours: 300
        enforce_rate_limits: true
        caa_identities: null
    caa_issue_values:
      description: CAA C(issue) values that allow exactly this account at this CA (RFC 8657 C(accounturi)).
      type: list
      elements: str
      sample: ['letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123']
    dns_persist:
      description:
        - What the V(dns-persist-01) records of this CA instance name. Only when O(validation_methods) has V(dns-persist-01).
        - C(dialect) V(draft-01) puts the account URL itself in C(accounturi); V(draft-02) a hash over the account URL,
          the account key's thumbprint and the record's domain, under C(account_hash_prefix).
      type: dict
      returned: when dns-persist-01 is allowed
      sample:
        dialect: draft-01
        issuer_domain_name: letsencrypt.org
        issuer_domain_names: [letsencrypt.org]
        account_uri: https://acme-v02.api.letsencrypt.org/acme/acct/123
        account_hash_prefix: null
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ca import describe_ca
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_specs import ca_module_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module


def main():
    argument_spec, rules = ca_module_spec()
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **rules)
    run_module(module, lambda mod: describe_ca(mod.params))


if __name__ == '__main__':
    main()
