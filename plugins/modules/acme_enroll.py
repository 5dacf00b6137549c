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
    create the order, complete a challenge per identifier (HTTP-01, DNS-01 or TLS-ALPN-01), finalize with a CSR,
    download the certificate (choosing the preferred chain) and write key, certificate, chain and full chain atomically.
  - Before answering a challenge it checks that what the CA will fetch is really there (token URL, TXT record,
    TLS-ALPN certificate), so a mistake costs no failed validation at the CA.
  - Cleans up every challenge artifact it placed, on success and on failure.
  - Idempotent. An existing certificate that names exactly the requested identifiers, matches its key, has a chain
    that verifies, and is not due under the CA instance's renewal policy leaves the task unchanged, with no order.
  - O(step=order) returns the challenge material for roles to publish on remote hosts. O(step=finalize) continues
    B(that) order. Either step resumes the same order after an interruption.
  - Runs on the controller (C(delegate_to) V(localhost)); the account key never leaves it.
author:
  - sslclm.acme developers (@sslclm)
extends_documentation_fragment:
  - sslclm.acme.connection
  - sslclm.acme.account_key
attributes:
  check_mode:
    support: full
    description: Reports whether each certificate would be issued, and why, without creating an order.
  diff_mode:
    support: none
    description: The result describes the certificate before and after; files are not diffed.
  action_group:
    support: full
    description: Use C(group/sslclm.acme.acme) in C(module_defaults) to set the CA connection options once.
    membership:
      - sslclm.acme.acme
options:
  ca:
    description:
      - The C(ca) object returned by M(sslclm.acme.acme_ca). Supplies the account, the policy (allowed validation
        methods, key type, preferred chain, profile, renewal thresholds) and the connection settings.
    type: dict
    required: true
  name:
    description:
      - Name of the certificate in results and state. Defaults to the first identifier.
    type: str
  identifiers:
    description:
      - DNS names (wildcards as C(*.example.com)) and IP addresses the certificate must name.
      - Names are lower-cased and internationalised names converted to punycode; invalid names fail before any request.
      - Mutually exclusive with O(domain).
    type: list
    elements: str
  domain:
    description:
      - The primary domain; with O(sans), an alternative to O(identifiers).
    type: str
  sans:
    description:
      - Further names next to O(domain).
    type: list
    elements: str
  validation:
    description:
      - Validation method for every identifier. Defaults to the CA instance's C(default_validation).
      - A wildcard needs V(dns-01); an IP address cannot use V(dns-01).
    type: str
    choices: [http-01, dns-01, tls-alpn-01]
  validation_overrides:
    description:
      - Per-identifier validation methods, a mapping of identifier to method. For example, map C(*.example.com) and
        C(example.com) to V(dns-01) while other names use O(validation).
    type: dict
  http01:
    description:
      - How O(step=auto) answers HTTP-01.
    type: dict
    suboptions:
      mode:
        description:
          - V(webroot) writes the key authorization to C(<webroot>/.well-known/acme-challenge/<token>) on the controller
            (a web server there serves it). V(stateless) places nothing, because a responder of the
            C(sslclm.acme.acme_agent) role that knows the account thumbprint answers every token.
          - Defaults to V(webroot) when O(http01.webroot) is set, else V(stateless).
        type: str
        choices: [webroot, stateless]
      webroot:
        description: Directory served as the web root of the name on port 80.
        type: path
  dns01:
    description:
      - How O(step=auto) publishes DNS-01 TXT records, through the DNS API named by O(dns01.provider).
      - The values of apex and wildcard share one name and are written together; values already on the name are kept.
        Cleanup, on success and on failure, removes exactly the values this task added.
      - If C(_acme-challenge.<name>) is a CNAME (acme-dns style delegation), the TXT record is written at the end of the
        CNAME chain, in the zone that holds that target (O(dns01.follow_cname)).
      - After writing, the task waits until every authoritative nameserver of the zone serves the values
        (O(dns01.propagation)); the error names the server that lags.
      - Needs the Python package C(dnspython) on the controller, and C(boto3) for V(route53).
    type: dict
    suboptions:
      provider:
        description:
          - The DNS API.
          - V(rfc2136) sends RFC 2136 dynamic updates, signed with a TSIG key, to a primary server (BIND, Knot, PowerDNS, Windows).
          - V(route53) uses Amazon Route 53 through boto3.
          - V(cloudflare) uses the Cloudflare v4 API with an API token.
          - V(challtestsrv) is the DNS of the local test CA (pebble-challtestsrv); it has no propagation to check.
        type: str
        choices: [challtestsrv, cloudflare, rfc2136, route53]
        required: true
      zone:
        description:
          - The zone (domain name) to write into, instead of finding it.
          - V(rfc2136) finds it by asking O(dns01.server) for the SOA of the name, V(route53) picks the public hosted zone
            with the longest matching name, V(cloudflare) looks up each parent name of the record among the token's zones.
        type: str
      zone_id:
        description:
          - V(route53) hosted zone id (C(Z0123…) or C(/hostedzone/Z0123…)), or V(cloudflare) zone id, instead of looking the zone up.
        type: str
      ttl:
        description: TTL in seconds of the TXT records created (V(route53) keeps the TTL of an existing record set).
        type: int
        default: 60
      timeout:
        description:
          - Seconds one DNS API request may take. V(route53) also waits this long for its change to become C(INSYNC).
        type: int
        default: 60
      nameservers:
        description:
          - Resolvers (C(ip) or C(ip:port)) for the look-ups of the DNS-01 publishing - CNAMEs at C(_acme-challenge) names,
            the zone of a name, its NS records and their addresses.
          - Default is the controller's system resolver.
        type: list
        elements: str
      follow_cname:
        description:
          - Follow a CNAME at C(_acme-challenge.<name>) and write the TXT record at its target.
          - Defaults to V(true), except for V(challtestsrv).
        type: bool
      propagation:
        description:
          - Waiting, after writing, until the records are served by every authoritative nameserver of their zone - the
            servers named by the zone's NS records, each asked directly, without recursion.
        type: dict
        suboptions:
          enabled:
            description:
              - Run the check. Defaults to V(true), except for V(challtestsrv) unless O(dns01.propagation.servers) or
                O(dns01.propagation.resolvers) is set.
            type: bool
          timeout:
            description: Seconds to wait for all servers before failing (the records are then removed again).
            type: int
            default: 120
          servers:
            description:
              - Authoritative servers (C(ip) or C(ip:port)) to check instead of those the zone's NS records name.
            type: list
            elements: str
          resolvers:
            description:
              - Recursive resolvers (C(ip) or C(ip:port)) that must return the values too, after the authoritative servers.
              - A resolver that cached the name before the records existed answers from its cache until the negative TTL
                (the zone's SOA minimum) expires.
            type: list
            elements: str
      management_url:
        description: V(challtestsrv) management API URL.
        type: str
      server:
        description:
          - V(rfc2136) primary server that takes the updates - an IP address or host name, optionally with C(:port).
          - Required for V(rfc2136).
        type: str
      port:
        description: V(rfc2136) server port. Defaults to the port in O(dns01.server), else 53.
        type: int
      protocol:
        description: V(rfc2136) transport of the updates.
        type: str
        choices: [tcp, udp]
        default: tcp
      key_name:
        description: V(rfc2136) TSIG key name. Without a key the updates are unsigned (most servers refuse them).
        type: str
      key_algorithm:
        description: V(rfc2136) TSIG algorithm.
        type: str
        choices: [hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512]
        default: hmac-sha256
      key_secret:
        description: V(rfc2136) TSIG secret, base64 as C(tsig-keygen) prints it. Never logged.
        type: str
      aws_access_key_id:
        description:
          - V(route53) access key id. Without it, boto3 finds credentials as usual (environment, O(dns01.aws_profile),
            config files, instance or container role).
        type: str
      aws_secret_access_key:
        description: V(route53) secret access key. Never logged.
        type: str
      aws_session_token:
        description: V(route53) session token for temporary credentials. Never logged.
        type: str
      aws_profile:
        description: V(route53) profile of the AWS config files.
        type: str
      endpoint_url:
        description:
          - V(route53) API endpoint instead of AWS's (a test server, a VPC endpoint). boto3 also reads C(AWS_ENDPOINT_URL).
        type: str
      api_token:
        description:
          - V(cloudflare) API token with the permissions Zone / Zone / Read and Zone / DNS / Edit. Never logged.
          - Required for V(cloudflare).
        type: str
      api_url:
        description: V(cloudflare) API base URL.
        type: str
        default: https://api.cloudflare.com/client/v4
  tls_alpn01:
    description:
      - How O(step=auto) answers TLS-ALPN-01; the module runs a responder for the duration of the task.
    type: dict
    suboptions:
      listen_address:
        description: Address the responder binds.
        type: str
        default: 0.0.0.0
      listen_port:
        description: Port the responder binds (the CA connects to 443).
        type: int
        default: 443
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
  key_type:
    description:
      - Type of the fresh private key made for each issuance. Defaults to the CA instance's C(key_type).
    type: str
    choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
  private_key_path:
    description:
      - Where the certificate's private key is written (mode 0600, atomically). Required unless a CSR is given.
    type: path
  reuse_key:
    description:
      - Keep the key already at O(private_key_path) instead of making a fresh one.
    type: bool
    default: false
  csr_path:
    description:
      - A CSR (PEM or DER) to use instead of a key made by the module. It must request exactly the identifiers.
    type: path
  csr_content:
    description:
      - A CSR as PEM text (see O(csr_path)).
    type: str
  cert_path:
    description: Where the certificate (leaf only) is written.
    type: path
  chain_path:
    description: Where the intermediate chain is written.
    type: path
  fullchain_path:
    description: Where the certificate followed by its chain is written. One of O(cert_path) and O(fullchain_path) is required.
    type: path
  current_certificate:
    description:
      - The certificate (PEM, with its chain) that the hosts serve now, as found on them. When given, the renewal decision
        uses it instead of the files at O(cert_path) / O(fullchain_path) - deployed certificates are the truth, so a run on
        a fresh execution environment with no local state still decides correctly.
    type: str
  force:
    description: Issue even when the existing certificate is current.
    type: bool
    default: false
  preferred_chain:
    description:
      - Common name of the topmost issuer of the chain to prefer among the CA's alternate chains.
        Defaults to the CA instance's C(preferred_chain).
    type: str
  profile:
    description: ACME profile for the order. Defaults to the CA instance's C(profile).
    type: str
  certificates:
    description:
      - Many certificates in one task, processed concurrently (O(max_workers)); each failure is isolated and reported
        per certificate, and the task fails at the end if any failed.
      - Each item takes the per-certificate options O(name), O(identifiers), O(domain), O(sans), O(validation),
        O(validation_overrides), O(http01), O(dns01), O(tls_alpn01), O(key_type), O(private_key_path), O(reuse_key),
        O(csr_path), O(csr_content), O(cert_path), O(chain_path), O(fullchain_path), O(current_certificate), O(force),
        O(preferred_chain) and O(profile); options given at the top level are their defaults.
    type: list
    elements: dict
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
  ledger_path:
    description:
      - The controller-side ledger (SQLite) that keeps rate-limit budgets, CA C(Retry-After) times, failure back-off
        and history. Losing it loses history and budgets, never a certificate.
      - Defaults to C($SSLCLM_ACME_LEDGER) or C(~/.ansible/sslclm_acme/ledger.sqlite).
    type: path
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
  description: When a current certificate is due (its ARI moment, or the policy's threshold), UTC ISO 8601.
  returned: when the certificate is current
  type: str
replaces:
  description: The ARI identifier of the certificate this order replaces (exempt from Let's Encrypt's rate limits).
  returned: when renewing inside the CA's ARI window
  type: str
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
      C(record_name) and C(value); TLS-ALPN-01 items C(sni), C(cert_pem) and C(key_pem) (a throw-away key).
  returned: step order
  type: list
  elements: dict
dns_records:
  description: With O(step=order), DNS-01 values grouped by record name (apex and wildcard share one name).
  returned: step order
  type: list
  elements: dict
certificates:
  description: With O(certificates), one result per certificate, with the keys above plus C(failed) and C(msg).
  returned: with certificates
  type: list
  elements: dict
rate_limit_violations:
  description:
    - Budgets a new order would break, each with C(limit), C(scope), C(count), C(allowed), C(frees_at) and C(message).
      Returned in check mode (the task would fail) and when the task fails because of them.
  returned: when a budget would be broken
  type: list
  elements: dict
failed_count:
  description: With O(certificates), how many failed.
  returned: with certificates
  type: int
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll import enroll
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import (
    account_key_argument_spec,
    connection_argument_spec,
    run_module,
)
from ansible_collections.sslclm.acme.plugins.module_utils.dns.registry import dns01_options, secret_values

METHODS = ['http-01', 'dns-01', 'tls-alpn-01']
KEY_TYPES = ['ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096']


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(account_key_argument_spec())
    argument_spec.update(
        ca=dict(type='dict', required=True),
        name=dict(type='str'),
        identifiers=dict(type='list', elements='str'),
        domain=dict(type='str'),
        sans=dict(type='list', elements='str'),
        validation=dict(type='str', choices=METHODS),
        validation_overrides=dict(type='dict'),
        http01=dict(type='dict', options=dict(
            mode=dict(type='str', choices=['webroot', 'stateless']),
            webroot=dict(type='path'),
        )),
        dns01=dict(type='dict', options=dns01_options()),
        tls_alpn01=dict(type='dict', options=dict(
            listen_address=dict(type='str', default='0.0.0.0'),
            listen_port=dict(type='int', default=443),
        )),
        self_check=dict(type='dict', options=dict(
            enabled=dict(type='bool', default=True),
            nameservers=dict(type='list', elements='str'),
            http_port=dict(type='int', default=80),
            tls_port=dict(type='int', default=443),
            timeout=dict(type='int', default=60),
        )),
        key_type=dict(type='str', choices=KEY_TYPES),
        private_key_path=dict(type='path'),
        reuse_key=dict(type='bool', default=False),
        csr_path=dict(type='path'),
        csr_content=dict(type='str'),
        cert_path=dict(type='path'),
        chain_path=dict(type='path'),
        fullchain_path=dict(type='path'),
        current_certificate=dict(type='str'),
        force=dict(type='bool', default=False),
        preferred_chain=dict(type='str'),
        profile=dict(type='str'),
        certificates=dict(type='list', elements='dict'),
        max_workers=dict(type='int', default=8),
        step=dict(type='str', default='auto', choices=['auto', 'order', 'finalize']),
        timeout=dict(type='int', default=180),
        state_dir=dict(type='path'),
        ledger_path=dict(type='path'),
        rate_limit_override=dict(type='bool', default=False),
        lock_timeout=dict(type='int', default=300),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[('identifiers', 'domain'), ('csr_path', 'csr_content'),
                            ('account_key_src', 'account_key_content')],
        supports_check_mode=True,
    )
    for item in module.params.get('certificates') or []:  # dns01 of a list item passes no argument spec
        module.no_log_values.update(secret_values((item or {}).get('dns01') if isinstance(item, dict) else None))
    run_module(module, lambda mod: enroll(mod.params, mod.check_mode))


if __name__ == '__main__':
    main()
