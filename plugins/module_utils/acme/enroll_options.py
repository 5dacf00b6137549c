# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of ``sslclm.acme.acme_enroll``: one certificate's options, at the top level and as
the suboptions of every ``certificates`` item (doc fragment ``sslclm.acme.enroll_certificate``).

Items get a full argument spec so that ``AnsibleModule`` knows every secret in them (the
``dns01`` provider secrets) before it logs the invocation: nothing reaches syslog or journald.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ca import ca_options
from ansible_collections.sslclm.acme.plugins.module_utils.acme.caa import LOOKUP_FAILURE_ACTIONS
from ansible_collections.sslclm.acme.plugins.module_utils.acme.connector import connector_options
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_records import lookup_options
from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import lookup_cache_argument_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import (
    account_key_argument_spec,
    connection_argument_spec,
)
from ansible_collections.sslclm.acme.plugins.module_utils.dns.registry import dns01_options
from ansible_collections.sslclm.acme.plugins.module_utils.keys import KEY_TYPES

METHODS = ['http-01', 'dns-01', 'tls-alpn-01', 'dns-persist-01']
CERTIFICATE_KEYS = ('name', 'identifiers', 'domain', 'sans', 'validation', 'validation_overrides', 'http01', 'dns01',
                    'dns_persist01', 'tls_alpn01', 'key_type', 'private_key_path', 'reuse_key', 'csr_path', 'csr_content',
                    'cert_path', 'chain_path', 'fullchain_path', 'create_directories', 'force', 'preferred_chain', 'profile', 'current_certificate',
                    'deployed_certificates')
MUTUALLY_EXCLUSIVE = [('identifiers', 'domain'), ('csr_path', 'csr_content')]
TASK_RULES = dict(
    mutually_exclusive=MUTUALLY_EXCLUSIVE + [('account_key_src', 'account_key_content'), ('ca', 'ca_definition')],
    required_one_of=[('ca', 'ca_definition')],
    required_together=[('ca_definition', 'connector_definition')],
)


def certificate_options(item=False):
    """One certificate's options. ``item``: as a ``certificates`` item, where an unset option means
    "the top-level value", so no option of the item has a default of its own."""
    spec = dict(
        name=dict(type='str'),
        identifiers=dict(type='list', elements='str'),
        domain=dict(type='str'),
        sans=dict(type='list', elements='str'),
        validation=dict(type='str', choices=METHODS),
        validation_overrides=dict(type='dict'),
        http01=dict(type='dict', options=dict(
            mode=dict(type='str', choices=['webroot', 'stateless']),
            webroot=dict(type='path'),
        )),
        dns01=dict(type='dict', options=dns01_options()),
        dns_persist01=dict(type='dict', options=dict(
            persist_until=dict(type='str'),
            policy_wildcard=dict(type='bool', default=False),
            preflight=dict(type='bool', default=True),
            **lookup_options()
        )),
        tls_alpn01=dict(type='dict', options=dict(
            listen_address=dict(type='str', default='0.0.0.0'),
            listen_port=dict(type='int', default=443),
        )),
        key_type=dict(type='str', choices=list(KEY_TYPES)),
        private_key_path=dict(type='path'),
        reuse_key=dict(type='bool', default=False),
        csr_path=dict(type='path'),
        csr_content=dict(type='str'),
        cert_path=dict(type='path'),
        chain_path=dict(type='path'),
        fullchain_path=dict(type='path'),
        create_directories=dict(type='bool', default=False),
        current_certificate=dict(type='str'),
        deployed_certificates=dict(type='list', elements='str'),
        force=dict(type='bool', default=False),
        preferred_chain=dict(type='str'),
        profile=dict(type='str'),
    )
    if item:
        for option in spec.values():
            option.pop('default', None)
    return spec


def definition_options():
    """``connector_definition`` and ``ca_definition``: what the inventory says of an account and a CA instance
    (the options of ``acme_connector`` and ``acme_ca``), so that one task does what three did."""
    connector = connection_argument_spec()
    connector.update(account_key_argument_spec())
    connector.update((k, v) for k, v in connector_options().items()
                     if k not in ('state', 'new_account_key_src', 'new_account_key_content'))
    connector['directory']['required'] = True
    ca = dict(name=dict(type='str'), connector=dict(type='str'))
    ca.update(ca_options())
    return dict(
        connector_definition=dict(type='dict', options=connector,
                                  mutually_exclusive=[('account_key_src', 'account_key_content')],
                                  required_one_of=[('account_key_src', 'account_key_content')],
                                  required_together=[('eab_kid', 'eab_hmac_key')]),
        ca_definition=dict(type='dict', options=ca),
    )


def enroll_argument_spec():
    spec = connection_argument_spec()
    spec.update(account_key_argument_spec())
    spec.update(certificate_options())
    spec.update(
        ca=dict(type='dict'),
        self_check=dict(type='dict', options=dict(
            enabled=dict(type='bool', default=True),
            nameservers=dict(type='list', elements='str'),
            http_port=dict(type='int', default=80),
            tls_port=dict(type='int', default=443),
            timeout=dict(type='int', default=60),
        )),
        caa_check=dict(type='dict', options=dict(
            enabled=dict(type='bool', default=True),
            nameservers=dict(type='list', elements='str'),
            timeout=dict(type='int', default=5),
            lookup_failure=dict(type='str', default='warn', choices=list(LOOKUP_FAILURE_ACTIONS)),
        )),
        certificates=dict(type='list', elements='dict', options=certificate_options(item=True),
                          mutually_exclusive=MUTUALLY_EXCLUSIVE),
        max_workers=dict(type='int', default=8),
        step=dict(type='str', default='auto', choices=['auto', 'order', 'finalize']),
        timeout=dict(type='int', default=180),
        state_dir=dict(type='path'),
        rate_limit_override=dict(type='bool', default=False),
        lock_timeout=dict(type='int', default=300),
    )
    spec.update(lookup_cache_argument_spec())
    spec.update(definition_options())
    spec.update(fallback=dict(type='list', elements='dict', options=fallback_item_options()),
                fallback_sticky=dict(type='bool', default=False))
    return spec


def fallback_item_options():
    """One CA instance of ``fallback``: its ``connector_definition`` and ``ca_definition``, both required."""
    options = definition_options()
    for option in options.values():
        option['required'] = True
    return options
