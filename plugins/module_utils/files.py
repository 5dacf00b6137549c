# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic file writes with modes set before the content lands (stdlib only: used on hosts)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile


def atomic_write(path, content, mode=0o600):
    """Write ``content`` (bytes) to ``path`` so readers see the old or the new file, never half.

    The temporary file lives in the destination directory (same filesystem, so the
    rename is atomic), is created with ``mode`` already applied, is fsynced, and is
    removed if anything fails.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp_path, path)
    except BaseException:
        try:
            os.unlink(tmp_path)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


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
