# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The options of one certificate of sslclm.acme.acme_enroll, at the top level and as the
    # suboptions of each item of certificates (YAML anchors: written once, documented twice).
    DOCUMENTATION = r'''
options:
  name: &name
    description:
      - Name of the certificate in results and state. Defaults to the first identifier.
    type: str
  identifiers: &identifiers
    description:
      - DNS names (wildcards as C(*.example.com)) and IP addresses the certificate must name.
      - Names are lower-cased and internationalised names converted to punycode; invalid names fail before any request.
      - Mutually exclusive with O(domain).
    type: list
    elements: str
  domain: &domain
    description:
      - The primary domain; with O(sans), an alternative to O(identifiers).
    type: str
  sans: &sans
    description:
      - Further names next to O(domain).
    type: list
    elements: str
  validation: &validation
    description:
      - Validation method for every identifier. Defaults to the CA instance's C(default_validation).
      - A wildcard needs V(dns-01) or V(dns-persist-01); an IP address can use neither.
      - V(dns-persist-01) (draft-ietf-acme-dns-persist) writes nothing to DNS - a persistent TXT record at
        C(_validation-persist.<name>), set once, authorizes the account (see O(dns_persist01)). It needs no O(dns01)
        provider and no DNS secret. Where the CA offers no V(dns-persist-01) challenge for an authorization, the next
        method the CA instance allows (in its C(validation_methods) order) that fits the identifier is used, with a
        warning and C(validation_fallbacks) in the result.
    type: str
    choices: [http-01, dns-01, tls-alpn-01, dns-persist-01]
  validation_overrides: &validation_overrides
    description:
      - Per-identifier validation methods, a mapping of identifier to method. For example, map C(*.example.com) and
        C(example.com) to V(dns-01) while other names use O(validation).
    type: dict
  http01: &http01
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
  dns01: &dns01
    description:
      - How O(step=auto) publishes DNS-01 TXT records, through the DNS API named by O(dns01.provider).
      - The values of apex and wildcard share one name and are written together; values already on the name are kept.
        Cleanup, on success and on failure, removes exactly the values this task added.
      - If C(_acme-challenge.<name>) is a CNAME (acme-dns style delegation), the TXT record is written at the end of the
        CNAME chain, in the zone that holds that target (O(dns01.follow_cname)).
      - After writing, the task waits until every authoritative nameserver of the zone serves the values
        (O(dns01.propagation)); the error names the server that lags.
      - Needs the Python package C(dnspython) on the controller, C(boto3) for V(route53) and C(dns-lexicon) for
        V(lexicon) (C(pip install dns-lexicon); C(docs/dns-providers.md) lists every provider and its options).
    type: dict
    suboptions:
      provider:
        description:
          - The DNS API.
          - V(rfc2136) sends RFC 2136 dynamic updates, signed with a TSIG key, to a primary server (BIND, Knot, PowerDNS, Windows).
          - V(route53) uses Amazon Route 53 through boto3.
          - V(cloudflare) uses the Cloudflare v4 API with an API token. It is kept beside lexicon's Cloudflare provider
            because it takes O(dns01.api_url) (a gateway, proxy or test API), finds the zone with one search by name
            where lexicon lists every zone of the account, deletes only the record ids it created, reports Cloudflare's
            own error codes and messages, and needs no extra Python package.
          - V(lexicon) uses one of the about 90 DNS APIs of the C(dns-lexicon) library (O(dns01.lexicon_provider),
            O(dns01.lexicon_options)) - PowerDNS, Gandi, OVH, DigitalOcean, Hetzner, Linode, GoDaddy, Azure, Google Cloud DNS...
            The zone is found here (O(dns01.zone), else the SOA of the name through O(dns01.nameservers)), never guessed
            from the public suffix list; each removal is read back, and errors name the provider, never show a traceback.
          - V(command) runs a program of your own for each value, C(PROGRAM present FQDN VALUE) and later
            C(PROGRAM cleanup FQDN VALUE) (see O(dns01.command)), like lego's C(exec) provider.
          - V(challtestsrv) is the DNS of the local test CA (pebble-challtestsrv); it has no propagation to check.
        type: str
        choices: [challtestsrv, cloudflare, command, lexicon, rfc2136, route53]
        required: true
      zone:
        description:
          - The zone (domain name) to write into, instead of finding it.
          - V(rfc2136) finds it by asking O(dns01.server) for the SOA of the name, V(route53) picks the public hosted zone
            with the longest matching name, V(cloudflare) looks up each parent name of the record among the token's zones,
            V(lexicon) asks O(dns01.nameservers) for the SOA of the name. V(command) does not use it.
        type: str
      zone_id:
        description:
          - V(route53) hosted zone id (C(Z0123…) or C(/hostedzone/Z0123…)), or V(cloudflare) zone id, instead of looking the zone up.
        type: str
      ttl:
        description:
          - TTL in seconds of the TXT records created (V(route53) keeps the TTL of an existing record set; V(command)
            leaves it to the program).
        type: int
        default: 60
      timeout:
        description:
          - Seconds one DNS API request may take. V(route53) also waits this long for its change to become C(INSYNC).
          - V(lexicon) applies it to every HTTP request of the provider that sets no time limit of its own.
          - V(command) stops each run of the program after this many seconds (TERM, KILL 5 s later).
        type: int
        default: 60
      proxy:
        description:
          - An HTTP proxy for every request of the DNS API, C(http://host:port) or C(http://user:password@host:port) (Basic
            credentials); HTTPS APIs are tunnelled with C(CONNECT). Never logged; messages name only scheme, host and port.
          - V(cloudflare), V(route53) and V(lexicon) (its providers built on C(requests)) take it. V(rfc2136) sends DNS, not
            HTTP, V(command) runs your program (give it C(HTTPS_PROXY) in O(dns01.command_env)), and the lexicon providers
            C(auto), C(ddns), C(gransy), C(inwx), C(localzone), C(qcloud), C(route53), C(softlayer) do not use C(requests) -
            with these, a set O(dns01.proxy) fails the task before any change rather than being bypassed.
          - When set, it wins over C(HTTPS_PROXY) / C(HTTP_PROXY) / C(NO_PROXY); when omitted, those apply as before. A proxy
            that cannot be reached or refuses the credentials fails the task, naming it, before any record is written.
        type: str
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
      command:
        description:
          - V(command) program and leading arguments, as a list (never a shell command line). For each TXT value it runs
            C(<command...> present <fqdn> <value>) before validation and C(<command...> cleanup <fqdn> <value>) after it,
            on success and on failure - also for a value whose C(present) failed or timed out. C(<fqdn>) is the record
            name with a trailing dot (C(_acme-challenge.example.com.)), as lego's C(exec) provider passes it.
          - The program must publish the value beside any others on the name, remove only the value it is given, and
            exit 0; any other exit status or running out of O(dns01.timeout) fails the task with its output (stderr and
            stdout, secrets masked).
          - Its standard input is closed; it inherits the environment of the task plus O(dns01.command_env).
          - Required for V(command).
        type: list
        elements: str
      command_env:
        description:
          - V(command) environment variables for the program, such as the credentials of your DNS API. Every value is
            treated as a secret - never logged and masked in errors - so pass settings that are not secret as arguments.
        type: dict
      # BEGIN lexicon options: generated by scripts/lexicon_providers.py, do not edit by hand
      lexicon_provider:
        description:
          - For V(lexicon), the dns-lexicon provider - one of the 90 of dns-lexicon 3.25.2 (C(docs/dns-providers.md)
            lists the options of each) - aliyun, arvancloud, aurora, azure, cloudflare, cloudns, cloudxns, conoha,
            constellix, ddns, desec, devnomads, digitalocean, dinahosting, directadmin, dnsimple, dnsmadeeasy,
            dnspark, dnspod, dnsservices, dreamhost, duckdns, dynu, easydns, easyname, euserv, exoscale,
            flexibleengine, gandi, gehirn, glesys, godaddy, googleclouddns, gransy, gratisdns, henet, hetzner,
            hostingde, hover, httpnet, infoblox, infomaniak, internetbs, inwx, ionos, joker, linode, linode4,
            localzone, luadns, memset, misaka, mythicbeasts, namecheap, namecom, namesilo, netcup, nfsn, njalla,
            nsone, oci, onapp, online, ovh, plesk, pointhq, porkbun, powerdns, qcloud, rackspace, rage4, rcodezero,
            regfish, route53, safedns, sakuracloud, scaleway, softlayer, timeweb, transip, ultradns, valuedomain,
            vercel, vultr, wedos, yandex, yandexcloud, zeit, zilore, zonomi.
          - Required for V(lexicon).
        type: str
      lexicon_options:
        description:
          - For V(lexicon), the options of O(dns01.lexicon_provider), named as dns-lexicon names them (its command
            line option C(--auth-token) is C(auth_token)). Each provider takes only its own.
          - Options that carry a secret are never logged. Any of them can also come from the environment of the task
            as C(LEXICON_<PROVIDER>_<OPTION>), for example C(LEXICON_GANDI_AUTH_TOKEN) (an AWX credential injects it
            there); a value given here wins.
          - Booleans, numbers and choices are checked against the provider's own definition; an option left out gets
            the provider's default.
        type: dict
        suboptions:
          api_key: {description: 'ionos. Secret, never logged.', type: raw}
          api_protocol: {description: 'gandi.', type: raw}
          auth_2fa: {description: 'dnsimple. Secret, never logged.', type: raw}
          auth_access_key: {description: 'route53.', type: raw}
          auth_access_secret: {description: 'route53. Secret, never logged.', type: raw}
          auth_account: {description: 'rackspace.', type: raw}
          auth_api_key: {description: 'aurora, netcup, rackspace and 3 more. Secret, never logged.', type: raw}
          auth_api_password: {description: 'netcup. Secret, never logged.', type: raw}
          auth_application_key: {description: 'ovh. Secret, never logged.', type: raw}
          auth_application_secret: {description: 'ovh. Secret, never logged.', type: raw}
          auth_client_id: {description: 'azure.', type: raw}
          auth_client_ip: {description: 'namecheap.', type: raw}
          auth_client_secret: {description: 'azure. Secret, never logged.', type: raw}
          auth_config_file: {description: 'oci.', type: raw}
          auth_consumer_key: {description: 'ovh. Secret, never logged.', type: raw}
          auth_customer_id: {description: 'netcup.', type: raw}
          auth_entrypoint: {description: 'ovh, zonomi.', type: raw}
          auth_fingerprint: {description: 'oci.', type: raw}
          auth_id: {description: 'cloudns.', type: raw}
          auth_key: {description: 'exoscale, godaddy, internetbs and 2 more. Secret, never logged.', type: raw}
          auth_key_content: {description: 'oci. Secret, never logged.', type: raw}
          auth_key_file: {description: 'oci.', type: raw}
          auth_key_id: {description: 'aliyun.', type: raw}
          auth_key_is_global: {description: 'transip.', type: raw}
          auth_pass: {description: 'wedos. Secret, never logged.', type: raw}
          auth_pass_phrase: {description: 'oci. Secret, never logged.', type: raw}
          auth_password: {description: 'cloudns, conoha, desec and 15 more. Secret, never logged.', type: raw}
          auth_profile: {description: 'oci.', type: raw}
          auth_psw: {description: 'infoblox. Secret, never logged.', type: raw}
          auth_region: {description: 'conoha, oci.', type: raw}
          auth_sandbox: {description: 'namecheap.', type: raw}
          auth_secret: {description: 'aliyun, exoscale, gehirn and 3 more. Secret, never logged.', type: raw}
          auth_secret_key: {description: 'aurora, scaleway. Secret, never logged.', type: raw}
          auth_server: {description: 'onapp.', type: raw}
          auth_service_account_info: {description: 'googleclouddns. Secret, never logged.', type: raw}
          auth_subid: {description: 'cloudns.', type: raw}
          auth_subscription_id: {description: 'azure.', type: raw}
          auth_subuser: {description: 'cloudns.', type: raw}
          auth_tenancy: {description: 'oci.', type: raw}
          auth_tenant_id: {description: 'azure, conoha.', type: raw}
          auth_token: {description: 'arvancloud, cloudflare, cloudxns and 54 more. Secret, never logged.', type: raw}
          auth_totp_secret: {description: 'hover. Secret, never logged.', type: raw}
          auth_type: {description: 'oci.', type: raw}
          auth_user: {description: 'infoblox, oci.', type: raw}
          auth_username: {description: 'cloudflare, cloudxns, conoha and 33 more.', type: raw}
          cloud_id: {description: 'yandexcloud.', type: raw}
          ddns_server: {description: 'ddns.', type: raw}
          dns_zone_id: {description: 'yandexcloud.', type: raw}
          endpoint: {description: 'directadmin.', type: raw}
          filename: {description: 'localzone.', type: raw}
          folder_id: {description: 'yandexcloud.', type: raw}
          ib_host: {description: 'infoblox.', type: raw}
          ib_view: {description: 'infoblox.', type: raw}
          pdns_disable_notify: {description: 'powerdns.', type: raw}
          pdns_server: {description: 'powerdns.', type: raw}
          pdns_server_id: {description: 'powerdns.', type: raw}
          plesk_server: {description: 'plesk.', type: raw}
          port: {description: 'cloudns.', type: raw}
          private_zone: {description: 'googleclouddns, route53.', type: raw}
          resource_group: {description: 'azure.', type: raw}
          secret_id: {description: 'qcloud.', type: raw}
          secret_key: {description: 'qcloud. Secret, never logged.', type: raw}
          sleep_time: {description: 'rackspace.', type: raw}
          weight: {description: 'cloudns.', type: raw}
          zone_id: {description: 'cloudflare, flexibleengine, route53.', type: raw}
      # END lexicon options
  tls_alpn01: &tls_alpn01
    description: How O(step=auto) answers TLS-ALPN-01; the module runs a responder for the duration of the task.
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
  key_type: &key_type
    description: Type of the fresh private key made for each issuance. Defaults to the CA instance's C(key_type).
    type: str
    choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
  private_key_path: &private_key_path
    description: Where the certificate's private key is written (mode 0600, atomically). Required unless a CSR is given.
    type: path
  reuse_key:
    description:
      - Keep the key already at O(private_key_path) instead of making a fresh one.
      - A key reported compromised (a certificate with it revoked by M(sslclm.acme.acme_revoke) for C(keyCompromise)) is
        never reused - a new key is made, and a warning and RV(reuse_key_refused) say so - so that the revoked certificate
        is replaced rather than left in service. A CSR whose key was reported compromised is refused.
    type: bool
    default: false
  csr_path: &csr_path
    description: A CSR (PEM or DER) to use instead of a key made by the module. It must request exactly the identifiers.
    type: path
  csr_content: &csr_content
    description: A CSR as PEM text (see O(csr_path)).
    type: str
  cert_path: &cert_path
    description: Where the certificate (leaf only) is written.
    type: path
  chain_path: &chain_path
    description: Where the intermediate chain is written.
    type: path
  fullchain_path: &fullchain_path
    description: Where the certificate followed by its chain is written. One of O(cert_path) and O(fullchain_path) is required.
    type: path
  create_directories:
    description: Make the missing directories of the certificate's paths (mode 0700) when it is written; without it a missing one is an error before any order.
    type: bool
    default: false
  dns_persist01: &dns_persist01
    description:
      - The identifiers validated with V(dns-persist-01). Their records are computed from the connector's account URL
        and the CA instance's issuer domain name (C(ca.dns_persist)), returned as C(dns_persist_records) (also in check
        mode) and, before any order, checked on every authoritative nameserver of their zone (the preflight). A
        missing or wrong record - another account, another CA, an expired C(persistUntil), no C(policy=wildcard) for a
        wildcard - fails the task naming the record to publish, before the CA is asked. A C(persistUntil) within 30
        days gives a warning.
      - Nothing is written to DNS. Publish the records once - by DNS change management, or with the playbook
        C(sslclm.acme.dns_persist_publish) / module M(sslclm.acme.acme_dns_persist).
      - Needs the Python package C(dnspython) on the controller for the preflight.
    type: dict
    suboptions:
      persist_until:
        description:
          - C(persistUntil) of the records shown in C(dns_persist_records), as UNIX seconds or an ISO 8601 UTC date or time
            (V(2027-06-30) or V(2027-06-30T00:00:00Z)). The preflight accepts any record that is not yet expired.
        type: str
      policy_wildcard:
        description:
          - Show C(policy=wildcard) in every record, which also authorizes subdomains of the name. Records of wildcard
            identifiers always carry it.
        type: bool
        default: false
      preflight:
        description: Check the records on every authoritative nameserver before ordering.
        type: bool
        default: true
      nameservers:
        description:
          - Resolvers (C(ip) or C(ip:port)) that find the zone of each record and its nameservers' addresses. Default is
            the controller's system resolver.
        type: list
        elements: str
      servers:
        description: Authoritative servers (C(ip) or C(ip:port)) to ask instead of those the zone's NS records name.
        type: list
        elements: str
      prior_key_thumbprints:
        description:
          - Draft-02 CAs only, whose C(accounturi) is a hash over the account key - JWK thumbprints of earlier keys of the
            account. Records computed with them still validate after a key rollover, so the preflight accepts them too.
        type: list
        elements: str
  current_certificate: &current_certificate
    description:
      - The certificate (PEM, with its chain) that the hosts serve now, as found on them. When given, the renewal decision
        uses it instead of the files at O(cert_path) / O(fullchain_path) - deployed certificates are the truth, so a run on
        a fresh execution environment with no local state still decides correctly.
      - A certificate at the destination that is sound, not due and newer than what the hosts serve was issued by an
        earlier run and not deployed yet (a deploy that failed, a concurrent run); the result says C(pending_deploy) and
        no order is made.
    type: str
  deployed_certificates: &deployed_certificates
    description:
      - Every distinct certificate (PEM) that the hosts serving this certificate have, as the renewal role finds them
        on the hosts; like O(current_certificate) for a fleet. An empty list means no host has one yet.
      - Hosts that disagree are brought to the certificate at the destination when it is sound and newest; otherwise
        a new certificate is ordered (replacing the newest one they serve).
    type: list
    elements: str
  force:
    description: Issue even when the existing certificate is current.
    type: bool
    default: false
  preferred_chain: &preferred_chain
    description:
      - Common name of the topmost issuer of the chain to prefer among the CA's alternate chains.
        Defaults to the CA instance's C(preferred_chain).
    type: str
  profile: &profile
    description:
      - ACME profile for the order. Defaults to the CA instance's C(profile).
      - A profile the CA does not advertise is not sent - the order uses the CA instance's profile (or the CA's default)
        and a warning says so - unless the CA instance has C(profile_required), which makes it an error before any order.
    type: str
  certificates:
    description:
      - Many certificates in one task, processed concurrently (O(max_workers)); each failure is isolated and reported
        per certificate, and the task fails at the end if any failed.
      - Each item takes the per-certificate options below, as documented for the top level; options given at the top
        level are their defaults (an item's O(dns01), O(http01) or O(tls_alpn01) replaces the top-level one whole).
    type: list
    elements: dict
    suboptions:
      name: *name
      identifiers: *identifiers
      domain: *domain
      sans: *sans
      validation: *validation
      validation_overrides: *validation_overrides
      http01: *http01
      dns01: *dns01
      dns_persist01: *dns_persist01
      tls_alpn01: *tls_alpn01
      key_type: *key_type
      private_key_path: *private_key_path
      reuse_key:
        description: Keep the key already at O(private_key_path) instead of making a fresh one (never a key reported compromised).
        type: bool
      csr_path: *csr_path
      csr_content: *csr_content
      cert_path: *cert_path
      chain_path: *chain_path
      fullchain_path: *fullchain_path
      create_directories:
        description: Create the missing directories of this certificate's paths, mode 0700 (see O(create_directories)).
        type: bool
      current_certificate: *current_certificate
      deployed_certificates: *deployed_certificates
      force:
        description: Issue even when the existing certificate is current.
        type: bool
      preferred_chain: *preferred_chain
      profile: *profile
'''
