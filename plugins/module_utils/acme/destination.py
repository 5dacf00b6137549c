# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files a certificate goes to (``private_key_path``, ``cert_path``, ``chain_path``, ``fullchain_path``):
written atomically, the key first (0600), so a reader that finds the new certificate also finds its key."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.acme.renewal import read_stored
from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write_many
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import load_certificates, not_before, to_pem


def _make_directories(path):
    """The missing directories above ``path``, each 0700 (os.makedirs gives only the last one its mode)."""
    missing = []
    directory = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:  # made meanwhile by a concurrent writer
            pass


def write_certificate(spec, leaf, chain, key_pem=None):
    """Write ``leaf`` (and ``chain``) to the spec's paths, and ``key_pem`` (bytes) when given. Raises OSError."""
    if spec.get('create_directories'):
        for option in ('private_key_path', 'cert_path', 'chain_path', 'fullchain_path'):
            if spec.get(option):
                _make_directories(spec[option])
    leaf_pem = to_pem(leaf)
    chain_pem = b''.join(to_pem(c) for c in chain)
    items = [(spec['private_key_path'], key_pem, 0o600)] if key_pem is not None else []
    for option, content in (('cert_path', leaf_pem), ('chain_path', chain_pem), ('fullchain_path', leaf_pem + chain_pem)):
        if spec.get(option):
            items.append((spec[option], content, 0o644))
    atomic_write_many(items)
    return leaf_pem + chain_pem


def restore_pending(spec, pending):
    """Put ``pending`` - (certificate PEM with its chain, key PEM) issued elsewhere - at the destination when it is
    newer than what is there. → True when it was written."""
    certs = load_certificates(pending[0])
    stored = read_stored(spec)
    if not certs or (stored is not None and not_before(stored[0]) >= not_before(certs[0])):
        return False
    write_certificate(spec, certs[0], certs[1:], pending[1].encode('ascii'))
    return True
