# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The dns01 option of the modules that publish dns-persist-01 records through a provider (acme_dns_persist).
    # Its suboptions are those of enroll_certificate's dns01 (the argument spec is dns/registry.py's
    # dns01_options()), copied because a fragment must be a literal string; tests/unit/test_doc_fragments.py
    # keeps the two equal.
    DOCUMENTATION = r'''
options:
  dns01:
    description:
      - The DNS API that writes the records, and how to check them - the same options as M(sslclm.acme.acme_enroll)'s
        O(sslclm.acme.acme_enroll#module:dns01). C(_validation-persist) names are written where they are
        (O(dns01.follow_cname) does not apply).
      - After writing, the task waits until every authoritative nameserver of the zone serves the records
        (O(dns01.propagation)); what a name serves now is read from the same servers.
    type: dict
    required: true
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
'''
