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
