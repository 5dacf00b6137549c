# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # sslclm.acme.acme_enroll's connector_definition and ca_definition: the options of acme_connector and acme_ca,
    # documented there; here only their names and types (the argument spec is built from the same functions).
    DOCUMENTATION = r'''
options:
  connector_definition:
    description:
    - 'The ACME account, as the inventory defines it for M(sslclm.acme.acme_connector) (C(acme_connectors.<name>)): the
      task finds the account (from the lookup cache when it can, so a converge run asks the CA nothing) or creates it, and
      uses it.'
    - Requires O(ca_definition); give these two instead of O(ca).
    - C(ca_bundle), C(validate_certs), C(request_timeout) and C(proxy) the definition leaves unset are the task's own
      (so C(module_defaults) for the group C(sslclm.acme.acme) apply).
    type: dict
    suboptions:
      directory:
        description:
        - As O(sslclm.acme.acme_connector#module:directory) of M(sslclm.acme.acme_connector).
        type: str
        required: true
      validate_certs:
        description:
        - As O(sslclm.acme.acme_connector#module:validate_certs) of M(sslclm.acme.acme_connector).
        type: bool
      ca_bundle:
        description:
        - As O(sslclm.acme.acme_connector#module:ca_bundle) of M(sslclm.acme.acme_connector).
        type: path
      request_timeout:
        description:
        - As O(sslclm.acme.acme_connector#module:request_timeout) of M(sslclm.acme.acme_connector).
        type: int
      proxy:
        description:
        - As O(sslclm.acme.acme_connector#module:proxy) of M(sslclm.acme.acme_connector).
        - Never logged.
        type: str
      account_key_src:
        description:
        - As O(sslclm.acme.acme_connector#module:account_key_src) of M(sslclm.acme.acme_connector).
        type: path
      account_key_content:
        description:
        - As O(sslclm.acme.acme_connector#module:account_key_content) of M(sslclm.acme.acme_connector).
        - Never logged.
        type: str
      contact:
        description:
        - As O(sslclm.acme.acme_connector#module:contact) of M(sslclm.acme.acme_connector).
        type: list
        elements: str
      terms_agreed:
        description:
        - As O(sslclm.acme.acme_connector#module:terms_agreed) of M(sslclm.acme.acme_connector).
        type: bool
        default: false
      account_key_generate:
        description:
        - As O(sslclm.acme.acme_connector#module:account_key_generate) of M(sslclm.acme.acme_connector).
        type: bool
        default: false
      account_key_type:
        description:
        - As O(sslclm.acme.acme_connector#module:account_key_type) of M(sslclm.acme.acme_connector).
        type: str
        choices:
        - ec256
        - ec384
        - rsa2048
        - rsa3072
        - rsa4096
        default: ec256
      eab_kid:
        description:
        - As O(sslclm.acme.acme_connector#module:eab_kid) of M(sslclm.acme.acme_connector).
        type: str
      eab_hmac_key:
        description:
        - As O(sslclm.acme.acme_connector#module:eab_hmac_key) of M(sslclm.acme.acme_connector).
        - Never logged.
        type: str
      eab_alg:
        description:
        - As O(sslclm.acme.acme_connector#module:eab_alg) of M(sslclm.acme.acme_connector).
        type: str
        choices:
        - HS256
        - HS384
        - HS512
        default: HS256
  ca_definition:
    description:
    - 'The CA instance, as the inventory defines it for M(sslclm.acme.acme_ca) (C(acme_cas.<name>)): its issuance policy,
      checked against the CA''s directory.'
    - Requires O(connector_definition); give these two instead of O(ca).
    type: dict
    suboptions:
      name:
        description:
        - Name of the CA instance, used in reports, the ledger and messages.
        type: str
      connector:
        description:
        - The name of the connector (a key of the inventory's C(acme_connectors)); informational, O(connector_definition)
          is the account used.
        type: str
      validation_methods:
        description:
        - As O(sslclm.acme.acme_ca#module:validation_methods) of M(sslclm.acme.acme_ca).
        type: list
        elements: str
        choices:
        - http-01
        - dns-01
        - tls-alpn-01
        - dns-persist-01
        default:
        - http-01
        - dns-01
        - tls-alpn-01
      default_validation:
        description:
        - As O(sslclm.acme.acme_ca#module:default_validation) of M(sslclm.acme.acme_ca).
        type: str
        choices:
        - http-01
        - dns-01
        - tls-alpn-01
        - dns-persist-01
      key_type:
        description:
        - As O(sslclm.acme.acme_ca#module:key_type) of M(sslclm.acme.acme_ca).
        type: str
        choices:
        - ec256
        - ec384
        - rsa2048
        - rsa3072
        - rsa4096
        default: ec256
      preferred_chain:
        description:
        - As O(sslclm.acme.acme_ca#module:preferred_chain) of M(sslclm.acme.acme_ca).
        type: str
      profile:
        description:
        - As O(sslclm.acme.acme_ca#module:profile) of M(sslclm.acme.acme_ca).
        type: str
      profile_required:
        description:
        - As O(sslclm.acme.acme_ca#module:profile_required) of M(sslclm.acme.acme_ca).
        type: bool
        default: false
      renewal:
        description:
        - As O(sslclm.acme.acme_ca#module:renewal) of M(sslclm.acme.acme_ca).
        type: dict
        suboptions:
          days_before_expiry:
            description:
            - See the option of the same name of the module named above.
            type: int
            default: 30
          lifetime_fraction:
            description:
            - See the option of the same name of the module named above.
            type: float
          use_ari:
            description:
            - See the option of the same name of the module named above.
            type: bool
            default: true
      rate_limits:
        description:
        - As O(sslclm.acme.acme_ca#module:rate_limits) of M(sslclm.acme.acme_ca).
        type: dict
        suboptions:
          certificates_per_registered_domain:
            description:
            - See the option of the same name of the module named above.
            type: int
          duplicate_certificates:
            description:
            - See the option of the same name of the module named above.
            type: int
          failed_validations_per_hour:
            description:
            - See the option of the same name of the module named above.
            type: int
          new_orders_per_3_hours:
            description:
            - See the option of the same name of the module named above.
            type: int
      enforce_rate_limits:
        description:
        - As O(sslclm.acme.acme_ca#module:enforce_rate_limits) of M(sslclm.acme.acme_ca).
        type: bool
        default: true
      max_names:
        description:
        - As O(sslclm.acme.acme_ca#module:max_names) of M(sslclm.acme.acme_ca).
        type: int
        default: 100
      caa_identities:
        description:
        - As O(sslclm.acme.acme_ca#module:caa_identities) of M(sslclm.acme.acme_ca).
        type: list
        elements: str
      dns_persist_issuer_domain_names:
        description:
        - As O(sslclm.acme.acme_ca#module:dns_persist_issuer_domain_names) of M(sslclm.acme.acme_ca).
        type: list
        elements: str
'''

    # sslclm.acme.acme_enroll's fallback: each item has the connector_definition and ca_definition above (a unit test
    # checks that the two say the same; yamllint needs literal strings)
    FALLBACK = r'''
options:
  fallback:
    description:
    - 'Issuer fallback: more CA instances, in order, each as a C(connector_definition) and a C(ca_definition) (the
      same suboptions as O(connector_definition) and O(ca_definition)). Only with O(ca_definition) and
      O(connector_definition).'
    - 'M(sslclm.acme.acme_revoke) revokes the certificate at the CA instance that issued it, by its account: the one of
      the chain whose known issuers (in the state) include the certificate''s issuer; the CA instance of
      O(ca_definition) when none does.'
    - 'M(sslclm.acme.acme_enroll): a certificate goes to the CA instance of O(ca_definition) first; when that one
      cannot issue soon it goes to the next one, in this task (with C(step=auto) only).'
    - 'The next one is tried when the CA is unreachable after retries, answers HTTP 5xx, answers C(rateLimited) with
      a C(Retry-After) (or the ledger remembers one) later than one day before the certificate in use expires (an
      hour from now when there is none), when its local budget (C(rate_limits) of the CA instance) refuses, or when
      CAA forbids it (checked before any order) - never on a failed validation or the back-off after one, bad input
      or another problem document: those would fail at the next CA too.'
    - Each CA instance records its orders and certificates in the ledger under its own name (its budget stays
      right). Each certificate result says which CA instance issued it (C(issuer_ca)) and which were passed over, and
      why (C(fallback)).
    - The next renewal starts from the first CA instance again, unless C(fallback_sticky).
    type: list
    elements: dict
    suboptions:
      connector_definition:
        description:
        - 'The ACME account, as the inventory defines it for M(sslclm.acme.acme_connector) (C(acme_connectors.<name>)): the
          task finds the account (from the lookup cache when it can, so a converge run asks the CA nothing) or creates it, and
          uses it.'
        - Requires O(ca_definition); give these two instead of O(ca).
        - C(ca_bundle), C(validate_certs), C(request_timeout) and C(proxy) the definition leaves unset are the task's own
          (so C(module_defaults) for the group C(sslclm.acme.acme) apply).
        type: dict
        required: true
        suboptions:
          directory:
            description:
            - As O(sslclm.acme.acme_connector#module:directory) of M(sslclm.acme.acme_connector).
            type: str
            required: true
          validate_certs:
            description:
            - As O(sslclm.acme.acme_connector#module:validate_certs) of M(sslclm.acme.acme_connector).
            type: bool
          ca_bundle:
            description:
            - As O(sslclm.acme.acme_connector#module:ca_bundle) of M(sslclm.acme.acme_connector).
            type: path
          request_timeout:
            description:
            - As O(sslclm.acme.acme_connector#module:request_timeout) of M(sslclm.acme.acme_connector).
            type: int
          proxy:
            description:
            - As O(sslclm.acme.acme_connector#module:proxy) of M(sslclm.acme.acme_connector).
            - Never logged.
            type: str
          account_key_src:
            description:
            - As O(sslclm.acme.acme_connector#module:account_key_src) of M(sslclm.acme.acme_connector).
            type: path
          account_key_content:
            description:
            - As O(sslclm.acme.acme_connector#module:account_key_content) of M(sslclm.acme.acme_connector).
            - Never logged.
            type: str
          contact:
            description:
            - As O(sslclm.acme.acme_connector#module:contact) of M(sslclm.acme.acme_connector).
            type: list
            elements: str
          terms_agreed:
            description:
            - As O(sslclm.acme.acme_connector#module:terms_agreed) of M(sslclm.acme.acme_connector).
            type: bool
            default: false
          account_key_generate:
            description:
            - As O(sslclm.acme.acme_connector#module:account_key_generate) of M(sslclm.acme.acme_connector).
            type: bool
            default: false
          account_key_type:
            description:
            - As O(sslclm.acme.acme_connector#module:account_key_type) of M(sslclm.acme.acme_connector).
            type: str
            choices:
            - ec256
            - ec384
            - rsa2048
            - rsa3072
            - rsa4096
            default: ec256
          eab_kid:
            description:
            - As O(sslclm.acme.acme_connector#module:eab_kid) of M(sslclm.acme.acme_connector).
            type: str
          eab_hmac_key:
            description:
            - As O(sslclm.acme.acme_connector#module:eab_hmac_key) of M(sslclm.acme.acme_connector).
            - Never logged.
            type: str
          eab_alg:
            description:
            - As O(sslclm.acme.acme_connector#module:eab_alg) of M(sslclm.acme.acme_connector).
            type: str
            choices:
            - HS256
            - HS384
            - HS512
            default: HS256
      ca_definition:
        description:
        - 'The CA instance, as the inventory defines it for M(sslclm.acme.acme_ca) (C(acme_cas.<name>)): its issuance policy,
          checked against the CA''s directory.'
        - Requires O(connector_definition); give these two instead of O(ca).
        type: dict
        required: true
        suboptions:
          name:
            description:
            - Name of the CA instance, used in reports, the ledger and messages.
            type: str
          connector:
            description:
            - The name of the connector (a key of the inventory's C(acme_connectors)); informational, O(connector_definition)
              is the account used.
            type: str
          validation_methods:
            description:
            - As O(sslclm.acme.acme_ca#module:validation_methods) of M(sslclm.acme.acme_ca).
            type: list
            elements: str
            choices:
            - http-01
            - dns-01
            - tls-alpn-01
            - dns-persist-01
            default:
            - http-01
            - dns-01
            - tls-alpn-01
          default_validation:
            description:
            - As O(sslclm.acme.acme_ca#module:default_validation) of M(sslclm.acme.acme_ca).
            type: str
            choices:
            - http-01
            - dns-01
            - tls-alpn-01
            - dns-persist-01
          key_type:
            description:
            - As O(sslclm.acme.acme_ca#module:key_type) of M(sslclm.acme.acme_ca).
            type: str
            choices:
            - ec256
            - ec384
            - rsa2048
            - rsa3072
            - rsa4096
            default: ec256
          preferred_chain:
            description:
            - As O(sslclm.acme.acme_ca#module:preferred_chain) of M(sslclm.acme.acme_ca).
            type: str
          profile:
            description:
            - As O(sslclm.acme.acme_ca#module:profile) of M(sslclm.acme.acme_ca).
            type: str
          profile_required:
            description:
            - As O(sslclm.acme.acme_ca#module:profile_required) of M(sslclm.acme.acme_ca).
            type: bool
            default: false
          renewal:
            description:
            - As O(sslclm.acme.acme_ca#module:renewal) of M(sslclm.acme.acme_ca).
            type: dict
            suboptions:
              days_before_expiry:
                description:
                - See the option of the same name of the module named above.
                type: int
                default: 30
              lifetime_fraction:
                description:
                - See the option of the same name of the module named above.
                type: float
              use_ari:
                description:
                - See the option of the same name of the module named above.
                type: bool
                default: true
          rate_limits:
            description:
            - As O(sslclm.acme.acme_ca#module:rate_limits) of M(sslclm.acme.acme_ca).
            type: dict
            suboptions:
              certificates_per_registered_domain:
                description:
                - See the option of the same name of the module named above.
                type: int
              duplicate_certificates:
                description:
                - See the option of the same name of the module named above.
                type: int
              failed_validations_per_hour:
                description:
                - See the option of the same name of the module named above.
                type: int
              new_orders_per_3_hours:
                description:
                - See the option of the same name of the module named above.
                type: int
          enforce_rate_limits:
            description:
            - As O(sslclm.acme.acme_ca#module:enforce_rate_limits) of M(sslclm.acme.acme_ca).
            type: bool
            default: true
          max_names:
            description:
            - As O(sslclm.acme.acme_ca#module:max_names) of M(sslclm.acme.acme_ca).
            type: int
            default: 100
          caa_identities:
            description:
            - As O(sslclm.acme.acme_ca#module:caa_identities) of M(sslclm.acme.acme_ca).
            type: list
            elements: str
          dns_persist_issuer_domain_names:
            description:
            - As O(sslclm.acme.acme_ca#module:dns_persist_issuer_domain_names) of M(sslclm.acme.acme_ca).
            type: list
            elements: str
'''

    # acme_enroll only
    FALLBACK_STICKY = r'''
options:
  fallback_sticky:
    description:
    - With O(fallback), start from the CA instance that issued the certificate in use (when it is one of the chain),
      then the others in their order, instead of from the first one.
    type: bool
    default: false
'''
