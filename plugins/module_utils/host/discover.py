# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host has deployed: the certificate blocks of its certificate files (stdlib only).

Never reads more than the certificate blocks (a combined PEM's key stays on the host);
parsing and renewal decisions happen on the controller.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks

MAX_SIZE = 256 * 1024


class DiscoverError(Exception):
    def __init__(self, msg):
        super(DiscoverError, self).__init__(msg)
        self.msg = msg


def argument_spec():
    return dict(certificates=dict(type='list', elements='dict', required=True))


def read_certificates(path):
    """The certificate blocks of a PEM file (anything else in it, such as a key, is left out)."""
    with open(path, 'rb') as handle:
        return ''.join(pem_blocks(handle.read(MAX_SIZE)))


def discover(certificates):
    """``[{name, path}]`` → ``{name: {path, exists, pem, mtime}}``; DiscoverError on bad input or I/O."""
    found = {}
    for item in certificates:
        name, path = (item or {}).get('name'), (item or {}).get('path')
        if not name or not path:
            raise DiscoverError('each certificate needs a name and a path, got %r' % (item,))
        entry = {'path': path, 'exists': os.path.isfile(path), 'pem': '', 'mtime': None}
        if entry['exists']:
            try:
                entry['pem'] = read_certificates(path)
                entry['mtime'] = os.stat(path).st_mtime
            except (IOError, OSError) as exc:
                raise DiscoverError('cannot read %s: %s' % (path, exc))
        found[name] = entry
    return found
