#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_discover
short_description: Read the certificates a host really serves, for renewal decisions
version_added: 0.1.0
description:
  - Reads the deployed certificate files (public PEM only) named by the host's certificate list and returns them,
    so the controller decides renewals from what is deployed - a run on a fresh execution environment with no local
    state still does the right thing.
  - Runs on the managed host with nothing but Python's standard library; parsing happens on the controller.
  - An action plugin runs it as a plain Python program (no module start-up), as M(sslclm.acme.acme_deploy) does - the
    renewal role discovers on every host, every run.
  - Never reads private keys.
author:
  - sslclm.acme developers (@sslclm)
attributes:
  action:
    support: full
    description: The action plugin runs the host side as a plain stdlib Python program.
  check_mode:
    support: full
    description: Reads files; changes nothing.
  diff_mode:
    support: N/A
    description: Nothing changes.
options:
  record_dir:
    description:
      - Where M(sslclm.acme.acme_deploy) keeps its deploy records on this host (its O(sslclm.acme.acme_deploy#module:record_dir)).
        When given, every record there is returned in RV(records), so a certificate this collection deployed here and
        that is no longer in the inventory can be told ("unmanaged"). A directory that does not exist holds none.
    type: path
  certificates:
    description:
      - The certificates to look for.
      - Exactly one of O(certificates) and O(entries) is required.
    type: list
    elements: dict
    suboptions:
      name:
        description: The certificate's name.
        type: str
        required: true
      path:
        description: The deployed full chain, or the certificate.
        type: str
        required: true
      verify:
        description:
          - Where the service serves the certificate. One TLS handshake there (SNI O(certificates[].verify.server_name))
            reads the leaf it really sends, so new files behind a reload that never happened are seen.
        type: dict
        suboptions:
          host:
            description: Host to connect to.
            type: str
            default: localhost
          port:
            description: TLS port.
            type: int
            default: 443
          server_name:
            description: SNI name to send.
            type: str
          timeout:
            description: Seconds for the handshake (at most 5).
            type: int
            default: 5
  entries:
    description:
      - The certificates to look for as the inventory describes them - the C(acme_certificates) entries of the renewal
        role, as they are (C(name), C(identifiers), C(deploy)). Each one's deployed full chain (or certificate, or
        combined PEM) is read; its C(deploy.verify) becomes O(certificates[].verify), the SNI name defaulting to its
        first identifier that is not a wildcard.
      - The action plugin turns them into O(certificates) on the controller; only names and paths reach the host.
      - The renewal role passes its entries this way - a filter call in a per-host task costs every host a plugin
        load.
    type: list
    elements: dict
'''

EXAMPLES = r'''
- name: What does this host serve
  sslclm.acme.acme_discover:
    certificates:
      - name: www
        path: /etc/nginx/tls/www.fullchain.pem
  register: deployed

- name: The same from certificate entries as the inventory holds them (the renewal role passes acme_certificates)
  sslclm.acme.acme_discover:
    entries:
      - name: www
        identifiers: [www.example.com]
        deploy:
          fullchain_path: /etc/nginx/tls/www.fullchain.pem
          private_key_path: /etc/nginx/tls/www.key
  register: deployed_entries
'''

RETURN = r'''
records:
  description:
    - With O(record_dir), per deploy record (by certificate name) - C(files) (option to path, as deployed), C(exists)
      (whether any of them is still there), C(pem) (the certificate blocks of its full chain or certificate file, never
      a key), C(fingerprint_sha256) and C(deployed_at) as recorded, and C(error) for a record that could not be read.
  returned: with record_dir
  type: dict
  sample:
    old:
      files: {fullchain_path: /etc/nginx/tls/old.pem, private_key_path: /etc/nginx/tls/old.key}
      exists: true
      pem: "-----BEGIN CERTIFICATE-----..."
      fingerprint_sha256: 9c2f...
      deployed_at: "2026-11-30T02:00:11Z"
certificates:
  description:
    - Per certificate name, C(path), C(exists), C(pem) (the certificates found in the file) and C(mtime).
    - With C(verify), C(served) too - C(fingerprint) (SHA-256), C(pem) of the leaf the service sent, and C(error) when no
      handshake succeeded.
  returned: always
  type: dict
  sample:
    www:
      path: /etc/nginx/tls/www.fullchain.pem
      exists: true
      pem: "-----BEGIN CERTIFICATE-----..."
      mtime: 1795880669.3
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_record import read_records
from ansible_collections.sslclm.acme.plugins.module_utils.host.discover import (
    ARGUMENT_RULES,
    DiscoverError,
    argument_spec,
    discover,
    wanted,
)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, **ARGUMENT_RULES)
    try:
        found = discover(wanted(module.params))
    except DiscoverError as error:
        module.fail_json(msg=error.msg)
    records = read_records(module.params['record_dir']) if module.params.get('record_dir') else None
    module.exit_json(changed=False, certificates=found, **({'records': records} if records is not None else {}))


if __name__ == '__main__':
    main()
