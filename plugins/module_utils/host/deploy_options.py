# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``acme_deploy`` takes, and the checks its options get before anything is written (stdlib).

The action plugin runs ``check_options`` on the controller before reading any file; the
host program runs it again. ``material`` splits the PEM text it was given.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_record import DEFAULT_RECORD_DIR, plain_name, record_path
from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks

# Write order: files holding the key first, so a reader that finds the new certificate
# also finds its key. Each role's content is derived from the same material.
PATH_OPTIONS = ('private_key_path', 'combined_path', 'cert_path', 'chain_path', 'fullchain_path')
KEY_PATH_OPTIONS = ('private_key_path', 'combined_path')
LEAF_PATH_OPTIONS = ('cert_path', 'fullchain_path', 'combined_path')  # files that begin with the leaf
CONTENT_OPTIONS = ('certificate', 'chain', 'fullchain', 'private_key')
SRC_OPTIONS = tuple(option + '_src' for option in CONTENT_OPTIONS)
OCTAL_DIGITS = frozenset('01234567')

MUTUALLY_EXCLUSIVE = [
    ('certificate', 'certificate_src', 'fullchain', 'fullchain_src'),
    ('chain', 'chain_src', 'fullchain', 'fullchain_src'),
    ('private_key', 'private_key_src'),
]
REQUIRED_ONE_OF = [
    PATH_OPTIONS,
]
# state: present needs the certificate; state: absent only the paths to remove
REQUIRED_IF = [
    ('state', 'present', ('certificate', 'certificate_src', 'fullchain', 'fullchain_src'), True),
]


def argument_spec():
    """Options of ``sslclm.acme.acme_deploy``, shared by the module and its action plugin."""
    return dict(
        certificate=dict(type='str'),
        chain=dict(type='str'),
        fullchain=dict(type='str'),
        private_key=dict(type='str', no_log=True),
        certificate_src=dict(type='path'),
        chain_src=dict(type='path'),
        fullchain_src=dict(type='path'),
        private_key_src=dict(type='path'),
        cert_path=dict(type='path'),
        chain_path=dict(type='path'),
        fullchain_path=dict(type='path'),
        private_key_path=dict(type='path'),
        combined_path=dict(type='path'),
        owner=dict(type='str'),
        group=dict(type='str'),
        key_group=dict(type='str', no_log=False),
        follow=dict(type='bool', default=False),
        mode=dict(type='raw', default='0644'),
        key_mode=dict(type='raw', default='0600', no_log=False),
        backup=dict(type='bool', default=True),
        backup_dir=dict(type='path'),
        validate=dict(type='list', elements='str'),
        reload=dict(type='raw'),
        verify=dict(type='dict', options=dict(
            host=dict(type='str', default='localhost'),
            port=dict(type='int', default=443),
            server_name=dict(type='str'),
            timeout=dict(type='int', default=30),
            confirmations=dict(type='int', default=3),
        )),
        command_timeout=dict(type='int', default=60),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        record_name=dict(type='str'),
        record_dir=dict(type='path', default=DEFAULT_RECORD_DIR),
    )


class DeployError(Exception):
    """A deploy that cannot go ahead, or that failed and was rolled back; ``result`` goes to fail_json."""

    def __init__(self, msg, result=None):
        super(DeployError, self).__init__(msg)
        self.msg = msg
        self.result = result or {}


class StepFailed(Exception):
    """A step of a running deploy failed; the deploy rolls back."""


def _given(params, option):
    return bool(params.get(option) or params.get(option + '_src'))


def check_options(params):
    """Checks that need no X.509 parser; the action plugin runs them before reading anything."""
    key_paths = [o for o in KEY_PATH_OPTIONS if params.get(o)]
    if key_paths and not _given(params, 'private_key'):
        raise DeployError('private_key or private_key_src is required with %s' % ' and '.join(key_paths))
    if _given(params, 'private_key') and not key_paths:
        raise DeployError('private_key is given but neither private_key_path nor combined_path says where to write it')
    if params.get('chain_path') and not (_given(params, 'chain') or _given(params, 'fullchain')):
        raise DeployError('chain_path needs the chain: give chain, chain_src, fullchain or fullchain_src')
    paths = [params[o] for o in PATH_OPTIONS if params.get(o)]
    if len(set(paths)) != len(paths):
        raise DeployError('two destination options name the same file')
    parse_mode(params.get('mode', '0644'), 'mode')
    parse_mode(params.get('key_mode', '0600'), 'key_mode')
    reload_argv(params.get('reload'))
    validate = params.get('validate')
    if validate is not None and not [a for a in validate if a]:
        raise DeployError('validate must be a command as a list of arguments, e.g. [nginx, -t]')
    checked_record_path(params)


def checked_record_path(params):
    """The deploy record's path (None without ``record_name``), or DeployError for a name that is no file name."""
    try:
        return record_path(params)
    except ValueError as exc:
        raise DeployError(str(exc))


def _octal_mode_text(text):
    """'644', '0644', '00644' or '4755': 3 or 4 octal digits, with one more leading 0 allowed."""
    digits = text[1:] if len(text) == 5 and text[0] == '0' else text
    return 3 <= len(digits) <= 4 and set(digits) <= OCTAL_DIGITS


def parse_mode(value, option):
    """An octal mode from ``'0644'``/``'644'`` or an int (YAML ``0644``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    elif isinstance(value, str) and _octal_mode_text(value.strip()):
        mode = int(value.strip(), 8)
    else:
        raise DeployError('%s must be an octal mode such as "0644", got %r' % (option, value))
    if mode < 0 or mode > 0o7777:
        raise DeployError('%s %r is not a file mode' % (option, value))
    return mode


def reload_argv(reload):
    """``reload`` as (kind, value): ('command', argv), ('service', name) or (None, None)."""
    if reload is None or reload == '' or reload == []:
        return None, None
    if isinstance(reload, (list, tuple)):
        argv = [str(a) for a in reload]
        if not argv or not argv[0]:
            raise DeployError('reload must be a service name or a non-empty list of arguments')
        return 'command', argv
    if isinstance(reload, str):
        if not plain_name(reload, '_.@:-'):
            raise DeployError('reload %r is not a service name; give a command as a list of arguments, '
                              'e.g. [nginx, -s, reload] (it never runs through a shell)' % reload)
        return 'service', reload
    raise DeployError('reload must be a service name or a list of arguments, not %s' % type(reload).__name__)


def material(params):
    """(leaf PEM, chain PEM, key PEM or None) as bytes, from the content options."""
    if params.get('fullchain'):
        certs = pem_blocks(params['fullchain'])
        if not certs:
            raise DeployError('fullchain holds no PEM certificate')
        leaf, chain = certs[0], certs[1:]
    else:
        certs = pem_blocks(params.get('certificate') or '')
        if not certs:
            raise DeployError('certificate holds no PEM certificate')
        leaf, chain = certs[0], certs[1:] + pem_blocks(params.get('chain') or '')
    key = params.get('private_key')
    if key:
        if 'PRIVATE KEY-----' not in key:
            raise DeployError('private_key is not a PEM private key')
        key = key.strip() + '\n'
    return leaf.encode('ascii'), ''.join(chain).encode('ascii'), key.encode('ascii') if key else None
