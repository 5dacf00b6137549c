# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record a deploy leaves on its host: which certificate this collection put where (stdlib only).

``acme_deploy`` with ``record_name`` writes ``RECORD_DIR/NAME.json`` after a deploy succeeds
(``{"name", "files": {option: path}, "fingerprint_sha256", "deployed_at", "managed_by"}`` - no key
material, no content) and removes it with ``state: absent``. ``acme_discover`` with ``record_dir``
reads them all, so the controller can tell a certificate that is on the host but no longer in
the inventory ("unmanaged") from one that is not there at all.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write, remove_files
from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks

DEFAULT_RECORD_DIR = '/var/lib/sslclm-acme/deployed'
MANAGED_BY = 'sslclm.acme'
ASCII_LETTERS_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
SUFFIX = '.json'
MAX_SIZE = 64 * 1024
LEAF_OPTIONS = ('fullchain_path', 'cert_path', 'combined_path')  # where the certificate of a record is read


def record_path(params):
    """``RECORD_DIR/NAME.json`` for a task with ``record_name``; None without one; ValueError for a bad name."""
    name = params.get('record_name')
    if not name:
        return None
    if not valid_name(name):
        raise ValueError('record_name %r must be letters, digits, ".", "_" or "-" (it names a file)' % name)
    return os.path.join(params.get('record_dir') or DEFAULT_RECORD_DIR, name + SUFFIX)


def plain_name(text, punctuation, longest=None):
    """ASCII letters, digits and ``punctuation``, beginning with a letter or digit, at most ``longest`` long."""
    return bool(text) and (longest is None or len(text) <= longest) and text[0] in ASCII_LETTERS_DIGITS and \
        set(text) <= set(ASCII_LETTERS_DIGITS + punctuation)


def valid_name(name):
    """Letters, digits, ".", "_" and "-", at most 128, starting with a letter or digit (it names a file)."""
    return plain_name(name, '._-', 128)


# json is imported where a record is read or written: a deploy without record_name (most) does not pay for it
def _load(path):
    import json  # pylint: disable=import-outside-toplevel
    try:
        with open(path, 'rb') as handle:
            data = json.loads(handle.read(MAX_SIZE).decode('utf-8'))
    except FileNotFoundError:
        return None
    except (IOError, OSError, ValueError) as exc:
        return {'error': 'cannot read %s: %s' % (path, getattr(exc, 'strerror', None) or exc)}
    return data if isinstance(data, dict) else {'error': '%s is not a record' % path}


def write_record(path, name, files, fingerprint):
    """Write (or keep) the record → True when written; a record that says the same is left as it is."""
    existing = _load(path) or {}
    if (existing.get('name'), existing.get('files'), existing.get('fingerprint_sha256')) == (name, files, fingerprint):
        return False
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    import json  # pylint: disable=import-outside-toplevel
    record = {'name': name, 'files': files, 'fingerprint_sha256': fingerprint, 'managed_by': MANAGED_BY,
              'deployed_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
    atomic_write(path, (json.dumps(record, sort_keys=True, indent=1) + '\n').encode('utf-8'), 0o644)
    return True


def remove_record(path, check_mode):
    """Remove the record at ``path`` → True when there was one."""
    if path is None or not os.path.lexists(path):
        return False
    if not check_mode:
        remove_files([path])
    return True


def _leaf_pem(files):
    for option in LEAF_OPTIONS:
        path = files.get(option)
        if path and os.path.isfile(path):
            try:
                with open(path, 'rb') as handle:
                    blocks = pem_blocks(handle.read(256 * 1024))
            except (IOError, OSError):
                continue
            return ''.join(blocks)
    return ''


def read_records(directory):
    """``{name: {files, fingerprint_sha256, deployed_at, exists, pem}}`` of the records in ``directory`` ({} when
    there is none); ``exists``: whether any of the recorded files is still there, ``pem``: the certificate
    blocks of its certificate file (never a key)."""
    found = {}
    if not directory or not os.path.isdir(directory):
        return found
    for entry in sorted(os.listdir(directory)):
        if not entry.endswith(SUFFIX) or entry.startswith('.'):
            continue
        data = _load(os.path.join(directory, entry)) or {}
        name = data.get('name') or entry[:-len(SUFFIX)]
        files = data.get('files') if isinstance(data.get('files'), dict) else {}
        found[name] = {'files': files, 'fingerprint_sha256': data.get('fingerprint_sha256'),
                       'deployed_at': data.get('deployed_at'), 'error': data.get('error'),
                       'exists': any(os.path.lexists(p) for p in files.values() if p), 'pem': _leaf_pem(files)}
    return found
