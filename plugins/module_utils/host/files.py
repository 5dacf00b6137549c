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

SELINUX_ATTRIBUTE = 'security.selinux'


class SymbolicLink:
    """Content for ``atomic_write_many`` that is a symbolic link to ``target`` (a backup or a restore of one)."""

    def __init__(self, target):
        self.target = target


def atomic_write(path, content, mode=0o600, durable=True):
    """Write ``content`` (bytes) to ``path`` so readers see the old or the new file, never half.

    The temporary file lives in the destination directory (same filesystem, so the
    rename is atomic), is created with ``mode`` already applied, is fsynced (unless not
    ``durable``: see ``atomic_write_many``), and is removed if anything fails.
    """
    atomic_write_many([(path, content, mode)], durable)


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


def _temporary_beside(path, create):
    """``create(tmp_path)`` for a free hidden name in ``path``'s directory → that name.

    Not ``tempfile``: every host's deploy would import it (with ``shutil`` and ``random``) for one name.
    """
    directory = os.path.dirname(os.path.abspath(path))
    for unused in range(100):
        tmp_path = os.path.join(directory, '.%s.%s.tmp' % (os.path.basename(path), os.urandom(6).hex()))
        try:
            return create(tmp_path)
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, 'no free temporary name beside %s' % path)


def _stage_link(path, target):
    def link(tmp_path):
        os.symlink(target, tmp_path)
        return tmp_path
    return _temporary_beside(path, link)


def _stage_file(path, content, mode, uid, gid, durable):
    def create(tmp_path):
        # O_EXCL: a name nobody else holds; created 0600 as mkstemp would, the fchmod below gives it its mode
        return os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0), 0o600), tmp_path
    fd, tmp_path = _temporary_beside(path, create)
    try:
        with os.fdopen(fd, 'wb') as handle:
            if uid != -1 or gid != -1:
                os.fchown(handle.fileno(), uid, gid)
            os.fchmod(handle.fileno(), mode)
            handle.write(content)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        _keep_security_context(path, tmp_path)
    except BaseException:
        os.unlink(tmp_path)
        raise
    return tmp_path


def atomic_write_many(items, durable=True):
    """Write several files so that each appears whole, and none changes unless all could be staged.

    ``items`` is ``[(path, bytes, mode)]`` or ``[(path, bytes, mode, uid, gid)]`` (``-1``
    keeps the writer's id); bytes may be a ``SymbolicLink`` instead. Every temporary file is
    written, owned, moded and fsynced first, then all are renamed in order (put the private key
    first: a reader that sees the new certificate then also finds its key). A rename replaces a
    symbolic link at the path itself, never the file it points to.

    ``durable=False`` leaves out the fsyncs (about 10 ms each on some disks): for files whose loss in a
    power cut costs nothing but work done again (an order record), never for keys or certificates.
    """
    staged = []
    try:
        for item in items:
            path, content, mode = item[:3]
            uid, gid = (item[3], item[4]) if len(item) > 4 else (-1, -1)
            if isinstance(content, SymbolicLink):
                staged.append((_stage_link(path, content.target), path))
            else:
                staged.append((_stage_file(path, content, mode, uid, gid, durable), path))
    except BaseException:
        for tmp_path, unused_path in staged:
            try:
                os.unlink(tmp_path)
            except OSError:
                pass
        raise
    for tmp_path, path in staged:
        os.rename(tmp_path, path)
    if durable:
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
