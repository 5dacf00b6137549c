# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent gives up root once its ports are bound (stdlib only: runs on hosts).

Binding ports below 1024 needs root (or CAP_NET_BIND_SERVICE); serving challenges needs
neither. ``drop_privileges`` switches group, supplementary groups and user for good - a
later ``setuid(0)`` must fail - and the kernel clears every capability as the user ID
leaves 0. Under systemd the unit starts the agent as its user already, with only
CAP_NET_BIND_SERVICE, and nothing is dropped here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import grp
import os
import pwd

_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38


class PrivilegeError(Exception):
    pass


def resolve(user, group=None):
    """(uid, gid) of ``user`` and ``group`` (default: the user's primary group); PrivilegeError if unknown."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise PrivilegeError('no such user %r' % user)
    if not group:
        return entry.pw_uid, entry.pw_gid
    try:
        return entry.pw_uid, grp.getgrnam(group).gr_gid
    except KeyError:
        raise PrivilegeError('no such group %r' % group)


def _prctl(*calls):
    """Best effort: empty the capability bounding set, set no_new_privs (nothing executed may gain privileges)."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return
    for call in calls:
        prctl(*call)


def _bounding_set_calls():
    return [(_PR_CAPBSET_DROP, bit, 0, 0, 0) for bit in range(64)]


def drop_privileges(user, group=None):
    """Become ``user``:``group`` for good; → (uid, gid). A process that already is that user keeps running as it is."""
    uid, gid = resolve(user, group)
    if os.geteuid() != 0:
        if (os.getuid(), os.geteuid()) != (uid, uid):
            raise PrivilegeError('started as uid %d, not as root or %s: cannot switch to %s' % (os.geteuid(), user, user))
        return uid, gid
    if uid == 0:
        return uid, gid  # asked to stay root
    _prctl(*_bounding_set_calls())  # needs CAP_SETPCAP: before the switch
    os.setgroups([])
    os.setgid(gid)   # real, effective and saved group ID
    os.setuid(uid)   # real, effective and saved user ID; the capabilities go with the 0
    _prctl((_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
    try:
        os.setuid(0)
    except OSError as exc:
        if exc.errno != errno.EPERM:
            raise
    else:
        raise PrivilegeError('the switch to %s was not permanent: setuid(0) still works' % user)
    return uid, gid


def unreadable(paths):
    """Messages for every path in ``paths`` this process cannot list and read; missing ones are not a problem here."""
    problems = []
    for path in paths:
        if not path:
            continue
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                continue
            problems.append('%s: %s' % (path, exc.strerror))
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            problems.append('%s: not readable and searchable' % path)
    return problems
