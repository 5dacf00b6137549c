# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  account_key_src:
    description:
      - Path on the controller to the ACME account's private key (PEM, unencrypted; EC P-256/P-384 or RSA >= 2048).
      - Mutually exclusive with O(account_key_content).
    type: path
  account_key_content:
    description:
      - The ACME account's private key as PEM text, for example from Ansible Vault or an AWX credential.
      - Never logged and never returned.
      - Mutually exclusive with O(account_key_src).
    type: str
'''
