# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  directory:
    description:
      - The ACME directory of the CA.
      - A preset name — C(letsencrypt), C(letsencrypt_staging), C(zerossl), C(google), C(google_staging) — or the
        directory URL of any RFC 8555 server.
      - Staging is one switch away - C(letsencrypt_staging) has the same API and far larger rate limits.
      - When omitted, the directory of the C(connector) object is used.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificate of the ACME server.
      - Only turn this off for throw-away test servers; prefer O(ca_bundle) for private CAs.
      - When omitted, the C(connector) value is used, else V(true).
    type: bool
  ca_bundle:
    description:
      - PEM file with the CA certificates that sign the ACME server's TLS certificate (private ACME servers).
      - The environment's C(REQUESTS_CA_BUNDLE) is not consulted when this is set.
      - When omitted, the C(connector) value is used, else the system trust store.
    type: path
  request_timeout:
    description:
      - Seconds to wait for each HTTP request to the CA.
      - Connection errors and server errors are retried with back-off; C(badNonce) is retried up to 16 times.
      - When omitted, the C(connector) value is used, else V(20).
    type: int
  proxy:
    description:
      - An HTTP proxy every request to the CA goes through - the directory, nonces, account, orders, challenges,
        the certificate download and ARI. A URL C(http://host:port), or C(http://user:password@host:port) for a
        proxy that asks for Basic credentials (percent-encode C(@), C(:) and C(/) in them); C(https://) for a proxy
        reached over TLS. HTTPS to the CA is tunnelled with C(CONNECT), so the proxy sees the CA's host and port only.
      - Never logged; messages name the proxy by scheme, host and port only. A proxy that cannot be reached or refuses
        the credentials or the tunnel fails the task with a message naming it, before anything is ordered.
      - When set, it is used for every request, whatever C(HTTPS_PROXY), C(HTTP_PROXY) and C(NO_PROXY) say. When
        omitted, the environment's C(HTTPS_PROXY) / C(HTTP_PROXY) / C(NO_PROXY) apply as in earlier releases.
      - The C(connector) object names the proxy it was made through (C(proxy_address)) but never carries its URL; a task
        given such a connector must be given O(proxy) too (C(module_defaults) for the group C(sslclm.acme.acme) sets it
        once), else it fails rather than going direct.
    type: str
'''

    CONNECTOR = r'''
options:
  connector:
    description:
      - The C(connector) object returned by M(sslclm.acme.acme_connector).
      - Supplies O(directory), the account URL, the account key path and the TLS settings, so tasks need not
        repeat them. Options given on the task win.
    type: dict
'''
