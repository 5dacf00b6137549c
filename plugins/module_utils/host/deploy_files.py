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
    """What a destination holds now: a regular file (content, mode, ids), or a symbolic link (``link``: where it
    points) that this deploy replaces without reading or touching what it points to."""

    def __init__(self, content, mode, uid, gid, link=None):
        self.content = content
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.link = link


def _destination(path, option, follow):
    """The path to replace. Without ``follow`` a symbolic link is replaced itself; with it, the link's target,
    which must lie in the link's own directory (a link that leads elsewhere is refused)."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise DeployError('%s: directory %s does not exist (create it first)' % (option, directory))
    if follow and os.path.islink(path):
        real = os.path.realpath(path)
        if os.path.dirname(real) != os.path.realpath(directory):
            raise DeployError('%s: %s is a symbolic link to %s, outside its directory %s; with follow: true only links '
                              'within the directory are followed' % (option, path, real, directory))
        path = real
    if os.path.lexists(path) and not os.path.islink(path) and not os.path.isfile(path):
        raise DeployError('%s: %s exists and is not a regular file' % (option, path))
    return path


def read_existing(path):
    """``Existing`` at ``path`` (never following a link: O_NOFOLLOW), or None."""
    if os.path.islink(path):
        return Existing(None, None, -1, -1, link=os.readlink(path))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0))
    except FileNotFoundError:
        return None
    except (IOError, OSError) as exc:
        raise DeployError('Cannot read %s: %s' % (path, exc.strerror or exc))
    with os.fdopen(fd, 'rb') as handle:
        st = os.fstat(handle.fileno())
        return Existing(handle.read(), st.st_mode & 0o7777, st.st_uid, st.st_gid)


def build_targets(params, leaf, chain, key):
    mode, key_mode = parse_mode(params['mode'], 'mode'), parse_mode(params['key_mode'], 'key_mode')
    uid, gid = _uid(params.get('owner')), _gid(params.get('group'))
    key_gid = _gid(params.get('key_group')) if params.get('key_group') else gid
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
            path = _destination(params[option], option, params.get('follow'))
            is_key = option in KEY_PATH_OPTIONS
            targets.append(Target(option, path, contents[option], key_mode if is_key else mode,
                                  uid, key_gid if is_key else gid))
    if len(set(t.path for t in targets)) != len(targets):
        raise DeployError('two destination options resolve to the same file')
    return targets


def keep_ids(target):
    """Owner and group left unset keep those of the file being replaced (as ``copy`` does)."""
    existing = target.existing
    if existing is not None and existing.link is None:
        if target.uid == -1:
            target.uid = existing.uid
        if target.gid == -1:
            target.gid = existing.gid


def file_state(target):
    existing = target.existing
    if existing is None:
        return 'created'
    if existing.link is not None or existing.content != target.content:
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
