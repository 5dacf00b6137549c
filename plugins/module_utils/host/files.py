# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic file writes with modes set before the content lands (stdlib only: used on hosts).

A replaced file's SELinux context (its ``security.selinux`` attribute) goes to the new file
before the rename, where the host has SELinux; elsewhere there is nothing to copy.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import tempfile

SELINUX_ATTRIBUTE = 'security.selinux'


class SymbolicLink:
    """Content for ``atomic_write_many`` that is a symbolic link to ``target`` (a backup or a restore of one)."""

    def __init__(self, target):
        self.target = target


def atomic_write(path, content, mode=0o600):
    """Write ``content`` (bytes) to ``path`` so readers see the old or the new file, never half.

    The temporary file lives in the destination directory (same filesystem, so the
    rename is atomic), is created with ``mode`` already applied, is fsynced, and is
    removed if anything fails.
    """
    atomic_write_many([(path, content, mode)])


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _keep_security_context(path, tmp_path):
    """Give ``tmp_path`` the SELinux context of the file it replaces (no-op without SELinux or without a file)."""
    getxattr = getattr(os, 'getxattr', None)
    if getxattr is None or not os.path.isfile(path) or os.path.islink(path):
        return
    try:
        context = getxattr(path, SELINUX_ATTRIBUTE, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOENT):
            return
        raise
    os.setxattr(tmp_path, SELINUX_ATTRIBUTE, context, follow_symlinks=False)


def _stage_link(path, target):
    directory = os.path.dirname(os.path.abspath(path))
    for unused in range(100):
        tmp_path = os.path.join(directory, '.%s.%s.tmp' % (os.path.basename(path), os.urandom(6).hex()))
        try:
            os.symlink(target, tmp_path)
            return tmp_path
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, 'no free temporary name beside %s' % path)


def _stage_file(path, content, mode, uid, gid):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            if uid != -1 or gid != -1:
                os.fchown(handle.fileno(), uid, gid)
            os.fchmod(handle.fileno(), mode)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        _keep_security_context(path, tmp_path)
    except BaseException:
        os.unlink(tmp_path)
        raise
    return tmp_path


def atomic_write_many(items):
    """Write several files so that each appears whole, and none changes unless all could be staged.

    ``items`` is ``[(path, bytes, mode)]`` or ``[(path, bytes, mode, uid, gid)]`` (``-1``
    keeps the writer's id); bytes may be a ``SymbolicLink`` instead. Every temporary file is
    written, owned, moded and fsynced first, then all are renamed in order (put the private key
    first: a reader that sees the new certificate then also finds its key). A rename replaces a
    symbolic link at the path itself, never the file it points to.
    """
    staged = []
    try:
        for item in items:
            path, content, mode = item[:3]
            uid, gid = (item[3], item[4]) if len(item) > 4 else (-1, -1)
            if isinstance(content, SymbolicLink):
                staged.append((_stage_link(path, content.target), path))
            else:
                staged.append((_stage_file(path, content, mode, uid, gid), path))
    except BaseException:
        for tmp_path, unused_path in staged:
            try:
                os.unlink(tmp_path)
            except OSError:
                pass
        raise
    for tmp_path, path in staged:
        os.rename(tmp_path, path)
    for directory in sorted(set(os.path.dirname(os.path.abspath(p)) for unused_tmp, p in staged)):
        _fsync_directory(directory)


def remove_files(paths):
    """Remove ``paths`` that exist and make the removals durable (fsync of their directories)."""
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    for directory in sorted(set(os.path.dirname(os.path.abspath(p)) for p in paths)):
        _fsync_directory(directory)
