# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The destination files of a deploy: what each must hold, what it holds now, and its backup name.

Owners and groups are resolved by name on the host (stdlib ``pwd``/``grp``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import (
    KEY_PATH_OPTIONS,
    PATH_OPTIONS,
    DeployError,
    parse_mode,
)

try:
    import grp
    import pwd
except ImportError:  # not on POSIX; owner/group then cannot be resolved by name
    grp = pwd = None

BACKUP_SUFFIX = '.bak'


def _numeric_id(value, lookup, what):
    """-1 (keep) for no value; a number as is; a name through ``lookup`` (``pwd.getpwnam``/``grp.getgrnam``)."""
    if value is None or value == '':
        return -1
    if str(value).isdigit():
        return int(value)
    try:
        return lookup(value)[2]
    except (KeyError, TypeError):
        raise DeployError('%s %s: no such %s on this host' % (what, value, 'user' if what == 'owner' else 'group'))


def _uid(owner):
    return _numeric_id(owner, pwd.getpwnam if pwd else None, 'owner')


def _gid(group):
    return _numeric_id(group, grp.getgrnam if grp else None, 'group')


class Target:
    """One destination file: what it must contain, its mode and owner."""

    def __init__(self, option, path, content, mode, uid, gid):
        self.option = option
        self.path = path
        self.content = content
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.existing = None
        self.state = None
        self.backup = None


class Existing:
    def __init__(self, content, mode, uid, gid):
        self.content = content
        self.mode = mode
        self.uid = uid
        self.gid = gid


def _real_destination(path, option):
    """The file to replace: symlinks are followed (a link stays a link)."""
    real = os.path.realpath(path)
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        raise DeployError('%s: directory %s does not exist (create it first)' % (option, directory))
    if os.path.exists(real) and not os.path.isfile(real):
        raise DeployError('%s: %s exists and is not a regular file' % (option, real))
    return real


def read_existing(path):
    try:
        with open(path, 'rb') as handle:
            st = os.fstat(handle.fileno())
            return Existing(handle.read(), st.st_mode & 0o7777, st.st_uid, st.st_gid)
    except FileNotFoundError:
        return None
    except (IOError, OSError) as exc:
        raise DeployError('Cannot read %s: %s' % (path, exc.strerror or exc))


def build_targets(params, leaf, chain, key):
    mode, key_mode = parse_mode(params['mode'], 'mode'), parse_mode(params['key_mode'], 'key_mode')
    uid, gid = _uid(params.get('owner')), _gid(params.get('group'))
    contents = {
        'private_key_path': key,
        'combined_path': leaf + chain + (key or b''),
        'cert_path': leaf,
        'chain_path': chain,
        'fullchain_path': leaf + chain,
    }
    targets = []
    for option in PATH_OPTIONS:
        if params.get(option):
            path = _real_destination(params[option], option)
            targets.append(Target(option, path, contents[option], key_mode if option in KEY_PATH_OPTIONS else mode,
                                  uid, gid))
    if len(set(t.path for t in targets)) != len(targets):
        raise DeployError('two destination options resolve to the same file')
    return targets


def file_state(target):
    existing = target.existing
    if existing is None:
        return 'created'
    if existing.content != target.content:
        return 'updated'
    if existing.mode != target.mode or target.uid not in (-1, existing.uid) or target.gid not in (-1, existing.gid):
        return 'attributes'
    return 'unchanged'


def backup_path(target, backup_dir):
    """``backup_dir/NAME.bak``, or beside the file as the dotfile ``.NAME.bak``: services that load
    every file of a directory (HAProxy ``crt DIR``) skip dotfiles, so a backup is never served."""
    name = os.path.basename(target.path) + BACKUP_SUFFIX
    if backup_dir:
        return os.path.join(backup_dir, name)
    return os.path.join(os.path.dirname(target.path), '.' + name)
