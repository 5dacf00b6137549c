# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every controller-side module shares: the connection and account-key
options, turning them into an ``AcmeSession``, and turning errors into ``fail_json``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.acme.deps import ensure_deps
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import AcmeSession
from ansible_collections.sslclm.acme.plugins.module_utils.keys import AccountKey

CONNECTION_DEFAULTS = {'validate_certs': True, 'ca_bundle': None, 'request_timeout': 20}


def connection_argument_spec():
    """Options naming the CA (doc fragment ``sslclm.acme.connection``).

    No defaults in the spec: a value left unset falls back to the ``connector``
    object, then to ``CONNECTION_DEFAULTS``.
    """
    return dict(
        directory=dict(type='str'),
        validate_certs=dict(type='bool'),
        ca_bundle=dict(type='path'),
        request_timeout=dict(type='int'),
    )


def account_key_argument_spec():
    """Options naming the account key (doc fragment ``sslclm.acme.account_key``)."""
    return dict(
        account_key_src=dict(type='path'),
        account_key_content=dict(type='str', no_log=True),
    )


def connector_argument_spec():
    return dict(connector=dict(type='dict'))


def resolve_connection(params):
    """Connection settings from the task, else the ``connector`` object, else defaults."""
    connector = params.get('connector') or {}
    settings = {}
    for name in ('directory',) + tuple(CONNECTION_DEFAULTS):
        value = params.get(name)
        if value is None:
            value = connector.get(name, CONNECTION_DEFAULTS.get(name))
        settings[name] = value
    if not settings['directory']:
        raise AcmeInputError('directory is required (or a connector object returned by sslclm.acme.acme_connector)')
    return settings


def verify_setting(settings):
    """What ``requests`` takes as ``verify``: a CA bundle path, or a boolean."""
    if settings.get('ca_bundle'):
        if not os.path.isfile(settings['ca_bundle']):
            raise AcmeInputError('ca_bundle %s does not exist' % settings['ca_bundle'])
        return settings['ca_bundle'] if settings.get('validate_certs', True) else False
    return bool(settings.get('validate_certs', True))


def open_session(params, account_key=None):
    settings = resolve_connection(params)
    session = AcmeSession(settings['directory'], account_key=account_key, verify=verify_setting(settings),
                          timeout=settings['request_timeout'])
    connector_directory = (params.get('connector') or {}).get('directory')
    if connector_directory and session.directory_url != connector_directory:
        raise AcmeInputError('directory %s differs from the connector\'s directory %s; an account belongs to one CA'
                             % (session.directory_url, connector_directory))
    return session


def read_key_file(path, what):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise AcmeInputError('Cannot read %s %s: %s' % (what, path, exc.strerror or exc))


def load_account_key(params, src_option='account_key_src', content_option='account_key_content'):
    """The ``AccountKey`` named by the task (or by the connector's key path), or None."""
    content = params.get(content_option)
    src = params.get(src_option) or (params.get('connector') or {}).get(src_option)
    if content:
        return AccountKey.from_pem(content, source=content_option)
    if src:
        return AccountKey.from_pem(read_key_file(src, 'the account key'), source='the account key %s' % src)
    return None


def run_module(module, action):
    """Run ``action(module)`` → result dict; every ``AcmeError`` becomes a clear ``fail_json``."""
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
