#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_enroll
short_description: Enroll certificates with an ACME CA — order, challenges, finalize, download — in one task
version_added: 0.1.0
description:
  - Runs the RFC 8555 flow for one certificate (top-level options) or many at once (O(certificates)) -
    create the order, complete a challenge per identifier (HTTP-01, DNS-01, TLS-ALPN-01 or dns-persist-01), finalize
    with a CSR, download the certificate (choosing the preferred chain) and write key, certificate, chain and full
    chain atomically.
  - Before answering a challenge it checks that what the CA will fetch is really there (token URL, TXT record,
    TLS-ALPN certificate), so a mistake costs no failed validation at the CA.
  - Cleans up every challenge artifact it placed, on success and on failure.
  - Idempotent. An existing certificate that names exactly the requested identifiers, matches its key, has a chain
    that verifies, and is not due under the CA instance's renewal policy leaves the task unchanged, with no order.
  - A certificate revoked with M(sslclm.acme.acme_revoke) (the controller's ledger records it), or one whose key was
    reported compromised, is replaced by the next run - with a new key, never the compromised one.
  - Before ordering, checks that CAA allows this CA to issue for every name (O(caa_check)).
  - O(step=order) returns the challenge material for roles to publish on remote hosts. O(step=finalize) continues
    B(that) order. Either step resumes the same order after an interruption.
  - Runs on the controller (C(delegate_to) V(localhost)); the account key never leaves it.
author:
  - sslclm.acme developers (@sslclm)
extends_documentation_fragment:
  - sslclm.acme.connection
  - sslclm.acme.account_key
  - sslclm.acme.enroll_certificate
  - sslclm.acme.enroll_definitions
  - sslclm.acme.enroll_definitions.fallback
  - sslclm.acme.enroll_definitions.fallback_sticky
  - sslclm.acme.caa_check
  - sslclm.acme.lookup_cache
  - sslclm.acme.state
  - sslclm.acme.action_group
  - sslclm.acme.action_group.controller
attributes:
  check_mode:
    support: full
    description: Reports whether each certificate would be issued, and why, without creating an order.
  diff_mode:
    support: none
    description: The result describes the certificate before and after; files are not diffed.
options:
  ca:
    description:
      - The C(ca) object returned by M(sslclm.acme.acme_ca). Supplies the account, the policy (allowed validation
        methods, key type, preferred chain, profile, renewal thresholds) and the connection settings.
      - Or give O(ca_definition) and O(connector_definition) instead, and this task finds (or creates) the account
        and builds the CA instance itself - one module start where a play needs one.
    type: dict
  self_check:
    description:
      - Checking, before answering, that the CA will see what was published.
    type: dict
    suboptions:
      enabled:
        description: Run the self-check.
        type: bool
        default: true
      nameservers:
        description: Resolvers (C(ip) or C(ip:port)) for name look-ups; default is the system resolver.
        type: list
        elements: str
      http_port:
        description: Port the CA fetches HTTP-01 tokens from.
        type: int
        default: 80
      tls_port:
        description: Port the CA connects to for TLS-ALPN-01.
        type: int
        default: 443
      timeout:
        description: Seconds to wait for the published material to become visible.
        type: int
        default: 60
  max_workers:
    description: Certificates processed at the same time with O(certificates).
    type: int
    default: 8
  step:
    description:
      - V(auto) does everything in this task, publishing challenges itself (see O(http01), O(dns01), O(tls_alpn01)).
      - V(order) creates (or resumes) the order and returns C(challenges) for roles to publish on hosts.
      - V(finalize) self-checks, answers, finalizes and downloads the order V(order) created.
    type: str
    choices: [auto, order, finalize]
    default: auto
  timeout:
    description: Seconds to wait for validation and for finalization.
    type: int
    default: 180
  rate_limit_override:
    description:
      - Order even when the CA instance's rate-limit budget, a C(rateLimited) C(Retry-After) from the CA, or the
        back-off of a failing identifier says not to. For users who know better.
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds to wait for another run enrolling the same certificate (two AWX jobs, a playbook and a timer) before
        failing with a clear message. Only one of them orders; the other then finds the certificate current.
    type: int
    default: 300
  state_dir:
    description:
      - Controller directory where orders in progress are remembered so an interrupted run resumes them.
      - Defaults to C($SSLCLM_ACME_STATE_DIR) or C(~/.ansible/sslclm_acme).
    type: path
seealso:
  - module: sslclm.acme.acme_connector
  - module: sslclm.acme.acme_ca
'''

EXAMPLES = r'''
- name: HTTP-01 through a web root on the controller's web server
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    domain: example.com
    sans: [www.example.com]
    http01:
      webroot: /var/www/html
    private_key_path: /etc/ssl/private/example.com.key
    fullchain_path: /etc/ssl/certs/example.com.fullchain.pem
  register: cert

- name: Apex and wildcard in one certificate over DNS-01, other names over HTTP-01
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [example.com, "*.example.com", shop.example.net]
    validation: http-01
    validation_overrides:
      example.com: dns-01
      "*.example.com": dns-01
    dns01:
      provider: challtestsrv
      management_url: http://127.0.0.1:8055
    http01:
      webroot: /var/www/html
    private_key_path: /etc/ssl/private/example.key
    cert_path: /etc/ssl/certs/example.pem
    chain_path: /etc/ssl/certs/example.chain.pem

- name: Apex and wildcard over DNS-01 with RFC 2136 updates to a BIND primary, signed with TSIG
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [example.org, "*.example.org"]
    validation: dns-01
    dns01:
      provider: rfc2136
      server: ns1.example.org        # the primary; the zone is found by asking it for the SOA
      key_name: acme-key
      key_algorithm: hmac-sha256
      key_secret: "{{ vault_tsig_secret }}"   # from: tsig-keygen -a hmac-sha256 acme-key
      propagation:
        timeout: 300                 # until every server of the zone's NS records has the TXT records
    private_key_path: /etc/ssl/private/example.org.key
    fullchain_path: /etc/ssl/certs/example.org.pem

- name: DNS-01 with Amazon Route 53 (credentials from the environment, a profile or an instance role)
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [shop.example.com, "*.shop.example.com"]
    validation: dns-01
    dns01:
      provider: route53
      aws_profile: dns-admin         # or aws_access_key_id + aws_secret_access_key
    private_key_path: /etc/ssl/private/shop.key
    fullchain_path: /etc/ssl/certs/shop.pem

- name: DNS-01 with Cloudflare, also checked on public resolvers
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [blog.example.net]
    validation: dns-01
    dns01:
      provider: cloudflare
      api_token: "{{ vault_cloudflare_token }}"   # Zone / Zone / Read and Zone / DNS / Edit
      propagation:
        resolvers: [1.1.1.1, 8.8.8.8]
    private_key_path: /etc/ssl/private/blog.key
    fullchain_path: /etc/ssl/certs/blog.pem

- name: DNS-01 through dns-lexicon's PowerDNS provider (any of its ~90, see docs/dns-providers.md); pip install dns-lexicon
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [api.example.com, "*.api.example.com"]
    validation: dns-01
    dns01:
      provider: lexicon
      lexicon_provider: powerdns
      lexicon_options:
        pdns_server: https://pdns.example.com:8081
        auth_token: "{{ vault_pdns_api_key }}"   # never logged; or LEXICON_POWERDNS_AUTH_TOKEN in the environment
    private_key_path: /etc/ssl/private/api.key
    fullchain_path: /etc/ssl/certs/api.pem

- name: DNS-01 through an in-house DNS API - a program run as PROGRAM present|cleanup FQDN VALUE
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [intranet.example.com]
    validation: dns-01
    dns01:
      provider: command
      command: [/usr/local/bin/dns-hook, --view, external]   # an argument list, never a shell line
      command_env:
        DNS_API_TOKEN: "{{ vault_dns_api_token }}"         # every value is a secret: never logged
      timeout: 30                                           # seconds per run of the program
    private_key_path: /etc/ssl/private/intranet.key
    fullchain_path: /etc/ssl/certs/intranet.pem

- name: DNS-01 delegated with a CNAME (_acme-challenge.app.example.com CNAME app.acme.example.net) - written at the target
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [app.example.com]
    validation: dns-01
    dns01:
      provider: rfc2136
      server: 192.0.2.53             # primary of acme.example.net; the key may only change that zone
      key_name: acme-delegated
      key_secret: "{{ vault_delegated_tsig_secret }}"
    private_key_path: /etc/ssl/private/app.key
    fullchain_path: /etc/ssl/certs/app.pem

- name: dns-persist-01 - no DNS provider, no DNS secret; check mode shows the records to create and what DNS serves
  sslclm.acme.acme_enroll:
    ca: "{{ le_persist.ca }}"                  # validation_methods [dns-persist-01, dns-01]
    identifiers: [shop.example.org, "*.shop.example.org"]
    validation: dns-persist-01
    dns_persist01:
      persist_until: "2027-12-31"
    private_key_path: /etc/ssl/private/shop.example.org.key
    fullchain_path: /etc/ssl/certs/shop.example.org.pem
  check_mode: true
  register: shop_persist                       # shop_persist.dns_persist_records[0].zone_line

- name: TLS-ALPN-01 answered by the module's own responder on port 443
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [edge.example.com]
    validation: tls-alpn-01
    tls_alpn01:
      listen_address: 0.0.0.0
      listen_port: 443
    private_key_path: /etc/ssl/private/edge.key
    fullchain_path: /etc/ssl/certs/edge.pem

# In a play over the backends that serve app.example.com (playbook sslclm.acme.enroll_published does all of this)
- name: Two steps - order on the controller
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [app.example.com]
    step: order
    private_key_path: /etc/ssl/private/app.key
    fullchain_path: /etc/ssl/certs/app.pem
  delegate_to: localhost
  run_once: true
  register: app_order

- name: Publish the tokens on every backend
  sslclm.acme.acme_challenge:
    challenges: "{{ app_order.challenges }}"
    http01_dir: /var/www/html/.well-known/acme-challenge

- name: Finalize that order on the controller
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [app.example.com]
    step: finalize
    private_key_path: /etc/ssl/private/app.key
    fullchain_path: /etc/ssl/certs/app.pem
  delegate_to: localhost
  run_once: true

- name: Remove the tokens again
  sslclm.acme.acme_challenge:
    challenges: "{{ app_order.challenges }}"
    http01_dir: /var/www/html/.well-known/acme-challenge
    state: absent

- name: Many certificates in one task
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    http01:
      webroot: /var/www/html
    certificates:
      - name: www
        identifiers: [www.example.com]
        private_key_path: /srv/tls/www.key
        fullchain_path: /srv/tls/www.pem
      - name: api
        identifiers: [api.example.com]
        private_key_path: /srv/tls/api.key
        fullchain_path: /srv/tls/api.pem
'''

RETURN = r'''
name:
  description: The certificate's name.
  returned: single certificate
  type: str
identifiers:
  description: The normalised identifiers.
  returned: single certificate
  type: list
  elements: str
  sample: [example.com, www.example.com]
validation:
  description: Validation method per identifier.
  returned: single certificate
  type: dict
  sample: {example.com: http-01}
reason:
  description: Why the certificate was (or would be) issued, or why not.
  returned: single certificate
  type: str
  sample: no certificate at the destination
renew_at:
  description:
    - When the certificate is due (its ARI moment when the CA offers ARI, or the policy's threshold), UTC ISO 8601.
  returned: when a certificate is current, pending or was issued
  type: str
pending_deploy:
  description:
    - V(true) when the certificate at the destination was issued by an earlier run and is not yet served by every host
      (a failed deploy, a concurrent run); it is the one to deploy, and no order was made.
  returned: when that is so
  type: bool
replaces:
  description: The ARI identifier of the certificate this order replaces (exempt from Let's Encrypt's rate limits).
  returned: when renewing inside the CA's ARI window
  type: str
profile:
  description:
    - The ACME profile the order names - the certificate's own O(profile) where the CA advertises it,
      else the CA instance's profile; a profile the CA does not advertise falls back with a warning (or fails with the
      CA instance's C(profile_required)).
  returned: when a profile applies to a certificate about to be ordered
  type: str
  sample: shortlived
replaces_dropped:
  description: Why the order was made again without C(replaces) (for example C(alreadyReplaced)).
  returned: when that happened
  type: str
order_url:
  description: URL of the order used.
  returned: when an order was made or resumed
  type: str
certificate:
  description: The issued (or current) certificate. Never key material.
  returned: when a certificate was issued or is current
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
    chain_root_issuer:
      description: Issuer of the topmost certificate of the chosen chain.
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
paths:
  description: Files written.
  returned: when a certificate was issued
  type: dict
chain_count:
  description: How many chains the CA offered.
  returned: when a certificate was issued
  type: int
challenges:
  description:
    - With O(step=order), the challenges to publish. HTTP-01 items have C(path) and C(content); DNS-01 items
      C(record_name) and C(value); TLS-ALPN-01 items C(sni), C(cert_pem) and C(key_src), a controller file (0600)
      with the throw-away key of the challenge certificate that M(sslclm.acme.acme_challenge) reads (no result holds
      the key; the file is removed when step finalize ends).
  returned: step order
  type: list
  elements: dict
dns_records:
  description: With O(step=order), DNS-01 values grouped by record name (apex and wildcard share one name).
  returned: step order
  type: list
  elements: dict
dns_persist_records:
  description:
    - The dns-persist-01 records the identifiers validated with V(dns-persist-01) rely on - one per validation domain
      name (apex and wildcard share one), each with C(record_name), C(identifiers), C(value) and C(zone_line). Nothing
      is written to DNS; a DNS administrator creates them once.
  returned: when an identifier uses dns-persist-01
  type: list
  elements: dict
  sample:
    - record_name: _validation-persist.shop.example.org
      identifiers: [shop.example.org, "*.shop.example.org"]
      value: "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123; policy=wildcard"
      zone_line: >-
        _validation-persist.shop.example.org. IN TXT
        "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123; policy=wildcard"
dns_persist_preflight:
  description:
    - In check mode, what every authoritative nameserver serves at each dns-persist-01 record - C(status) V(ok),
      V(missing), V(wrong) or V(error), C(detail), C(servers), C(persist_until). The real run fails before ordering
      unless every record is V(ok).
  returned: check mode, when an identifier uses dns-persist-01
  type: list
  elements: dict
validation_fallbacks:
  description:
    - Identifiers meant for V(dns-persist-01) whose authorization the CA offered no V(dns-persist-01) challenge for,
      mapped to the method used instead (a warning says so too).
  returned: when that happened
  type: dict
  sample: {shop.example.org: dns-01}
certificates:
  description: With O(certificates), one result per certificate, with the keys above plus C(failed) and C(msg).
  returned: with certificates
  type: list
  elements: dict
caa:
  description:
    - The CAA check of each DNS identifier of a certificate about to be ordered - C(identifier), C(allowed) (V(true), or
      V(null) when it could not be told), C(reason), C(record) (the record that decided) and C(caa) (the relevant record
      set - C(name), C(found_at), C(owner) after CNAMEs, C(records)).
  returned: when a certificate was (or would be) ordered
  type: list
  elements: dict
caa_violations:
  description:
    - The identifiers whose CAA records do not allow this CA, with C(identifier), C(reason) (naming the record), C(record)
      and C(caa). The task failed before any order.
  returned: when CAA refused a certificate
  type: list
  elements: dict
  sample:
    - identifier: www.example.com
      allowed: false
      record: 0 issue "letsencrypt.org"
      reason: 'CAA at example.com does not allow this CA (CAA identities pki.goog): the record 0 issue "letsencrypt.org"
        names letsencrypt.org'
reuse_key_refused:
  description:
    - Why O(reuse_key) was not followed - the key at O(private_key_path) was reported compromised (M(sslclm.acme.acme_revoke)
      with C(keyCompromise)) - so a new key was made.
  returned: when that happened
  type: str
rate_limit_violations:
  description:
    - Budgets a new order would break, each with C(limit), C(scope), C(count), C(allowed), C(frees_at) and C(message).
      Returned in check mode (the task would fail) and when the task fails because of them.
  returned: when a budget would be broken
  type: list
  elements: dict
issuer_ca:
  description: With O(fallback), the CA instance (C(ca_definition) name) that issued the certificate, in this run or before
    (null when unknown); C(ca_tried) lists the CA instances tried, C(fallback) those passed over (C(ca), C(reason)).
  returned: with fallback
  type: str
failed_count:
  description: With O(certificates), how many failed.
  returned: with certificates
  type: int
'''

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ansible_module import SecretSafeModule
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll import enroll
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_options import TASK_RULES, enroll_argument_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module


def main():
    module = SecretSafeModule(argument_spec=enroll_argument_spec(), supports_check_mode=True, **TASK_RULES)
    run_module(module, lambda mod: enroll(mod.params, mod.check_mode))


if __name__ == '__main__':
    main()
