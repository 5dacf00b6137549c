# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue of the controller-side modules: the option specs they share, and errors into ``fail_json``.

Turning the options into a session is ``acme/session.py``; loading the account key, ``keys.py``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.deps import ensure_deps
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError


def connection_argument_spec():
    """Options naming the CA (doc fragment ``sslclm.acme.connection``).

    No defaults in the spec: a value left unset falls back to the ``connector``
    object, then to ``session.CONNECTION_DEFAULTS``.
    """
    return dict(
        directory=dict(type='str'),
        validate_certs=dict(type='bool'),
        ca_bundle=dict(type='path'),
        request_timeout=dict(type='int'),
        proxy=dict(type='str', no_log=True),
    )


def account_key_argument_spec():
    """Options naming the account key (doc fragment ``sslclm.acme.account_key``)."""
    return dict(
        account_key_src=dict(type='path'),
        account_key_content=dict(type='str', no_log=True),
    )


def connector_argument_spec():
    return dict(connector=dict(type='dict'))


def run_module(module, action, needs_deps=True):
    """Run ``action(module)`` → result dict; every ``AcmeError`` becomes a clear ``fail_json``.

    ``needs_deps=False`` for modules that use none of the ACME packages (``acme_notify``).
    """
    if needs_deps:
        ensure_deps(module)
    try:
        result = action(module)
    except AcmeError as error:
        module.fail_json(**error.to_result())
    for warning in result.pop('_warnings', []):
        module.warn(warning)
    if result.get('failed'):
        module.fail_json(**result)
    module.exit_json(**result)
