# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account key thumbprint of a connector definition (see the YAML doc beside)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import load_account_key


def account_thumbprint(definition):
    try:
        key = load_account_key(dict(definition or {}))
    except AcmeError as error:
        raise AnsibleFilterError(error.msg)
    if key is None:
        raise AnsibleFilterError('the connector definition has neither account_key_src nor account_key_content')
    return key.thumbprint


class FilterModule(object):
    def filters(self):
        return {'account_thumbprint': account_thumbprint}
