# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host has deployed: the certificate blocks of its certificate files, and - where the
certificate has ``verify`` - the leaf its service really serves, by one TLS handshake (stdlib only).

A reload that never happened leaves new files and an old certificate in memory: the handshake
sees it. Never reads more than the certificate blocks (a combined PEM's key stays on the host);
parsing and renewal decisions happen on the controller.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_probe import probe

MAX_SIZE = 256 * 1024
PROBE_TIMEOUT = 5.0


class DiscoverError(Exception):
    def __init__(self, msg):
        super(DiscoverError, self).__init__(msg)
        self.msg = msg


def argument_spec():
    return dict(
        record_dir=dict(type='path'),
        certificates=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            path=dict(type='str', required=True),
            verify=dict(type='dict', options=dict(
                host=dict(type='str', default='localhost'),
                port=dict(type='int', default=443),
                server_name=dict(type='str'),
                timeout=dict(type='int', default=5),
            )),
        )),
        # acme_certificates entries as the inventory holds them (free form: the renewal role's own keys)
        entries=dict(type='list', elements='dict'),
    )


ARGUMENT_RULES = dict(mutually_exclusive=[('certificates', 'entries')], required_one_of=[('certificates', 'entries')])


def item_of_entry(entry):
    """What to read for one ``acme_certificates`` entry: its deployed chain file, and where the service answers
    when its deploy has ``verify``. The renewal role passes its entries as they are (no per-host filter call)."""
    deploy = entry.get('deploy') or {}
    item = {'name': entry.get('name'),
            # a combined PEM (HAProxy) is read for its certificates only, never its key
            'path': (deploy.get('fullchain_path') or deploy.get('fullchain') or deploy.get('cert_path') or deploy.get('cert')
                     or deploy.get('combined_path') or deploy.get('combined'))}
    verify = deploy.get('verify')
    if verify:
        names = [i for i in entry.get('identifiers') or [] if not str(i).startswith('*.')]
        item['verify'] = {'host': verify.get('host') or 'localhost', 'port': verify.get('port') or 443,
                          'server_name': verify.get('server_name') or (names[0] if names else None)}
    return item


def wanted(params):
    """The ``certificates`` to read: given, or made from ``entries``."""
    if params.get('certificates') is not None:
        return params['certificates']
    return [item_of_entry(entry or {}) for entry in params.get('entries') or []]


def read_certificates(path):
    """The certificate blocks of a PEM file (anything else in it, such as a key, is left out)."""
    with open(path, 'rb') as handle:
        return ''.join(pem_blocks(handle.read(MAX_SIZE)))


def discover(certificates):
    """``[{name, path, verify}]`` → ``{name: {path, exists, pem, mtime, served}}``; DiscoverError on bad input or
    I/O. ``served`` (with ``verify``): ``{fingerprint, pem, error}`` of the leaf the service sends now."""
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
        verify = item.get('verify')
        if verify:
            outcome = probe(verify.get('host') or 'localhost', verify.get('port') or 443, verify.get('server_name'),
                            min(float(verify.get('timeout') or PROBE_TIMEOUT), PROBE_TIMEOUT), with_pem=True)
            entry['served'] = {'fingerprint': outcome['fingerprint'], 'pem': outcome.get('pem', ''),
                               'error': outcome['error']}
        found[name] = entry
    return found
