# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs of ``acme_connector`` and ``acme_ca`` with their ``AnsibleModule`` rules - one
definition for the module and for the action plugin that runs the same work on the controller
(``plugins/plugin_utils/controller_module.py``)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ca import ca_options
from ansible_collections.sslclm.acme.plugins.module_utils.acme.connector import connector_options
from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import lookup_cache_argument_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import (
    account_key_argument_spec,
    connection_argument_spec,
    connector_argument_spec,
)


def connector_module_spec():
    """``(argument_spec, rules)`` of ``acme_connector``."""
    spec = connection_argument_spec()
    spec.update(account_key_argument_spec())
    spec.update(lookup_cache_argument_spec())
    spec.update(connector_options())
    rules = dict(
        mutually_exclusive=[('account_key_src', 'account_key_content'),
                            ('new_account_key_src', 'new_account_key_content')],
        required_one_of=[('account_key_src', 'account_key_content')],
        required_together=[('eab_kid', 'eab_hmac_key')],
        required_if=[('account_key_generate', True, ('account_key_src',))],
    )
    return spec, rules


def ca_module_spec():
    """``(argument_spec, rules)`` of ``acme_ca``."""
    spec = connection_argument_spec()
    spec.update(account_key_argument_spec())
    spec.update(lookup_cache_argument_spec())
    spec.update(connector_argument_spec())
    spec['connector']['required'] = True
    spec.update(name=dict(type='str', required=True))
    spec.update(ca_options())
    return spec, {}
