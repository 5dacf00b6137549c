# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic writes: links replaced not followed, SELinux contexts kept (no SELinux here: the xattr calls are faked),
fsync only where durable."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import stat

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.host import files


def test_the_selinux_context_of_a_replaced_file_goes_to_the_new_one(tmp_path, monkeypatch):
    target = tmp_path / 'www.pem'
    target.write_bytes(b'old')
    contexts = {str(target): b'system_u:object_r:cert_t:s0\x00'}
    set_on = []

    def getxattr(path, name, follow_symlinks=True):
        assert name == files.SELINUX_ATTRIBUTE and follow_symlinks is False
        if path not in contexts:
            raise OSError(errno.ENODATA, 'no attribute')
        return contexts[path]

    def setxattr(path, name, value, follow_symlinks=True):
        set_on.append((os.path.basename(path).startswith('.www.pem.'), name, value))
        contexts[path] = value
    monkeypatch.setattr(files.os, 'getxattr', getxattr, raising=False)
    monkeypatch.setattr(files.os, 'setxattr', setxattr, raising=False)
    files.atomic_write(str(target), b'new', 0o644)
    files.atomic_write(str(tmp_path / 'fresh.pem'), b'new', 0o644)  # nothing to copy from
    assert target.read_bytes() == b'new'
    assert set_on == [(True, files.SELINUX_ATTRIBUTE, b'system_u:object_r:cert_t:s0\x00')]


def test_without_selinux_nothing_is_copied(tmp_path, monkeypatch):
    target = tmp_path / 'www.pem'
    target.write_bytes(b'old')

    def getxattr(path, name, follow_symlinks=True):
        raise OSError(errno.ENOTSUP, 'not supported')
    monkeypatch.setattr(files.os, 'getxattr', getxattr, raising=False)
    files.atomic_write(str(target), b'new', 0o644)
    assert target.read_bytes() == b'new'


def test_a_link_is_written_as_a_link_and_replaces_whatever_is_at_the_path(tmp_path):
    (tmp_path / 'www.pem').write_bytes(b'a file')
    files.atomic_write_many([(str(tmp_path / 'www.pem'), files.SymbolicLink('/elsewhere/www.pem'), 0o644)])
    assert os.readlink(str(tmp_path / 'www.pem')) == '/elsewhere/www.pem'
    assert [n for n in os.listdir(str(tmp_path)) if n.endswith('.tmp')] == []


def fsync_calls(monkeypatch):
    calls = []
    real = os.fsync

    def counting(fd):
        calls.append(fd)
        return real(fd)
    monkeypatch.setattr(os, 'fsync', counting)
    return calls


def test_durable_writes_sync_the_file_and_its_directory_and_others_sync_nothing(tmp_path, monkeypatch):
    calls = fsync_calls(monkeypatch)
    files.atomic_write(str(tmp_path / 'key.pem'), b'key', 0o600)
    assert len(calls) == 2  # the file, then its directory after the rename
    del calls[:]
    files.atomic_write(str(tmp_path / 'order.json'), b'{}', 0o600, durable=False)
    assert calls == []
    assert (tmp_path / 'order.json').read_bytes() == b'{}'
    assert stat.S_IMODE(os.stat(str(tmp_path / 'order.json')).st_mode) == 0o600


def test_temporary_files_are_new_hidden_names_beside_the_target_and_never_left_behind(tmp_path, monkeypatch):
    target = tmp_path / 'fullchain.pem'
    seen = []
    real_rename = os.rename

    def rename(source, destination):
        seen.append(os.path.basename(source))
        return real_rename(source, destination)
    monkeypatch.setattr(os, 'rename', rename)
    files.atomic_write(str(target), b'one', 0o644)
    assert seen[0].startswith('.fullchain.pem.') and seen[0].endswith('.tmp')
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o644

    def failing_fchmod(fd, mode):
        raise OSError(1, 'refused')
    monkeypatch.setattr(os, 'fchmod', failing_fchmod)
    with pytest.raises(OSError):
        files.atomic_write(str(target), b'two', 0o644)
    assert sorted(os.listdir(str(tmp_path))) == ['fullchain.pem'] and target.read_bytes() == b'one'
