#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_challenge
short_description: Publish or remove ACME challenge material on a host
version_added: 0.1.0
description:
  - Places the HTTP-01 token files and TLS-ALPN-01 challenge certificates that
    M(sslclm.acme.acme_enroll) returns with O(sslclm.acme.acme_enroll#module:step=order) into the directories
    the C(sslclm.acme.acme_agent) responder (or a web server) serves, and removes exactly those again.
  - Every token and name from the CA is validated before it becomes part of a path; one bad item means nothing
    is written.
  - Runs on the managed host with nothing but Python's standard library.
  - DNS-01 items are ignored (DNS records are published from the controller).
author:
  - sslclm.acme developers (@sslclm)
attributes:
  check_mode:
    support: full
    description: Reports which files would be written or removed.
  diff_mode:
    support: none
    description: Challenge files are short-lived; their paths are returned instead.
options:
  challenges:
    description:
      - The C(challenges) list returned by M(sslclm.acme.acme_enroll) with O(sslclm.acme.acme_enroll#module:step=order),
        or the C(challenges) of one item of its C(certificates) result.
    type: list
    elements: dict
    required: true
    suboptions:
      identifier:
        description: The identifier the challenge is for.
        type: str
      method:
        description: The validation method.
        type: str
        required: true
        choices: [http-01, dns-01, tls-alpn-01]
      token:
        description: The CA's token (checked to be base64url before it names a file).
        type: str
      path:
        description: HTTP-01 URL path.
        type: str
      content:
        description: HTTP-01 key authorization (the file's content).
        type: str
      record_name:
        description: DNS-01 record name (DNS-01 items are not written on hosts).
        type: str
      value:
        description: DNS-01 TXT value.
        type: str
      sni:
        description: TLS-ALPN-01 server name.
        type: str
      cert_pem:
        description: TLS-ALPN-01 challenge certificate.
        type: str
      key_src:
        description:
          - TLS-ALPN-01 challenge certificate key, a file on the controller (0600) that acme_enroll wrote; the action
            plugin reads it and gives it to the host as O(challenges[].key_pem). Results never carry the key.
        type: path
      key_pem:
        description: TLS-ALPN-01 challenge certificate key as PEM text, instead of O(challenges[].key_src). Never logged.
        type: str
  state:
    description:
      - V(present) writes the material (HTTP-01 files mode 0644, TLS-ALPN-01 keys 0640); V(absent) removes it.
      - Every file takes the group of its directory, so the agent of the role C(sslclm.acme.acme_agent), an unprivileged
        user of that group, reads the keys and nobody else does.
    type: str
    choices: [present, absent]
    default: present
  http01_dir:
    description:
      - Directory served as C(/.well-known/acme-challenge/) (the agent's challenge directory, or
        C(<webroot>/.well-known/acme-challenge)).
    type: path
  tls_alpn01_dir:
    description:
      - Directory the agent loads TLS-ALPN-01 challenge certificates from.
    type: path
'''

EXAMPLES = r'''
- name: Order on the controller
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [www.example.com]
    step: order
    private_key_path: /etc/ssl/private/www.key
    fullchain_path: /etc/ssl/certs/www.pem
  delegate_to: localhost
  run_once: true
  register: www_order

- name: Publish on every backend
  sslclm.acme.acme_challenge:
    challenges: "{{ www_order.challenges }}"
    http01_dir: /var/lib/sslclm-acme/http01

- name: Remove again
  sslclm.acme.acme_challenge:
    challenges: "{{ www_order.challenges }}"
    http01_dir: /var/lib/sslclm-acme/http01
    state: absent
'''

RETURN = r'''
paths:
  description: Files written (V(present)) or removed (V(absent)), or that would be in check mode.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.host.challenge_files import (
    ChallengeFileError,
    argument_spec,
    planned_files,
    publish,
    remove,
)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    try:
        files = planned_files(params['challenges'], params['http01_dir'], params['tls_alpn01_dir'],
                              publishing=params['state'] == 'present')
        if params['state'] == 'present':
            paths = publish(files, module.check_mode)
        else:
            paths = remove(files, module.check_mode)
    except (ChallengeFileError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=bool(paths), paths=paths)


if __name__ == '__main__':
    main()
