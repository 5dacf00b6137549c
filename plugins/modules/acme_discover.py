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
  - Never reads private keys.
author:
  - sslclm.acme developers (@sslclm)
attributes:
  check_mode:
    support: full
    description: Reads files; changes nothing.
  diff_mode:
    support: N/A
    description: Nothing changes.
options:
  certificates:
    description:
      - The certificates to look for, each with C(name) and C(path) (the deployed full chain, or the certificate).
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: What does this host serve
  sslclm.acme.acme_discover:
    certificates:
      - name: www
        path: /etc/nginx/tls/www.fullchain.pem
  register: deployed
'''

RETURN = r'''
certificates:
  description: Per certificate name, C(path), C(exists), C(pem) (the certificates found in the file) and C(mtime).
  returned: always
  type: dict
  sample:
    www:
      path: /etc/nginx/tls/www.fullchain.pem
      exists: true
      pem: "-----BEGIN CERTIFICATE-----..."
      mtime: 1795880669.3
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule

MAX_SIZE = 256 * 1024
CERT_BLOCK = re.compile(r'-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----')


def read_certificates(path):
    """The certificate blocks of a PEM file (anything else in it, such as a key, is left out)."""
    with open(path, 'rb') as handle:
        text = handle.read(MAX_SIZE).decode('ascii', 'replace')
    return '\n'.join(CERT_BLOCK.findall(text)) + '\n' if CERT_BLOCK.search(text) else ''


def main():
    module = AnsibleModule(
        argument_spec=dict(certificates=dict(type='list', elements='dict', required=True)),
        supports_check_mode=True,
    )
    found = {}
    for item in module.params['certificates']:
        name, path = item.get('name'), item.get('path')
        if not name or not path:
            module.fail_json(msg='each certificate needs a name and a path, got %r' % (item,))
        entry = {'path': path, 'exists': os.path.isfile(path), 'pem': '', 'mtime': None}
        if entry['exists']:
            try:
                entry['pem'] = read_certificates(path)
                entry['mtime'] = os.stat(path).st_mtime
            except (IOError, OSError) as exc:
                module.fail_json(msg='cannot read %s: %s' % (path, exc))
        found[name] = entry
    module.exit_json(changed=False, certificates=found)


if __name__ == '__main__':
    main()
