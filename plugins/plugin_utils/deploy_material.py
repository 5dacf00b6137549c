# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``acme_deploy`` ships, checked on the controller before anything reaches a host.

Controller-side only (``cryptography``, via ``x509.py`` and ``keys.py``); used by the
action plugin ``plugins/action/acme_deploy.py``. It refuses a private key that does not
match the certificate and a chain that does not link, normalises the PEM text, and
describes certificates for results and diffs - never key material.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import DeployError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import load_private_key
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import (
    cert_identifiers,
    chain_links,
    describe,
    key_matches,
    load_certificates,
    not_after,
    to_pem,
)

try:
    import cryptography  # noqa: F401, pylint: disable=unused-import
except ImportError:
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True

DIFF_FIELDS = (('subject', 'subject'), ('identifiers', 'SANs'), ('serial', 'serial'), ('issuer', 'issuer'),
               ('not_before', 'not_before'), ('not_after', 'not_after'), ('fingerprint_sha256', 'sha256'))


class Material:
    """Normalised PEM text plus what results show of it."""

    def __init__(self, leaf, chain, key_pem):
        self.leaf = leaf
        self.chain = chain
        self.leaf_pem = to_pem(leaf).decode('ascii')
        self.chain_pem = ''.join(to_pem(c).decode('ascii') for c in chain)
        self.key_pem = key_pem
        self.description = describe(leaf, chain)
        self.warnings = []

    def default_server_name(self):
        """SNI for ``verify``: the subject CN if it is a plain DNS name of the certificate, else the
        first such name in sorted order; None for certificates with only wildcards and IPs."""
        names = sorted(i[4:] for i in cert_identifiers(self.leaf) if i.startswith('dns:') and '*' not in i)
        subject = self.description['subject'].lower()
        if subject in names:
            return subject
        return names[0] if names else None


def _certificates(text, option):
    try:
        certs = load_certificates(text)
    except ValueError:
        raise DeployError('%s is not valid PEM certificate data' % option)
    if not certs:
        raise DeployError('%s holds no PEM certificate' % option)
    return certs


def _names(cert):
    d = describe(cert)
    return '%s (issued by %s)' % (d['subject'], d['issuer'])


def prepare(params):
    """``Material`` from the content options (``*_src`` already read), or ``DeployError``."""
    if not HAS_CRYPTOGRAPHY:
        raise DeployError('acme_deploy checks certificates on the controller and needs the Python package '
                          'cryptography there (pip install -r requirements.txt of sslclm.acme)')
    if params.get('fullchain'):
        certs = _certificates(params['fullchain'], 'fullchain')
        leaf, chain = certs[0], certs[1:]
    else:
        certs = _certificates(params.get('certificate') or '', 'certificate')
        if len(certs) > 1:
            raise DeployError('certificate holds %d certificates: give the leaf as certificate and the rest as chain, '
                              'or all of them as fullchain' % len(certs))
        leaf = certs[0]
        chain = _certificates(params['chain'], 'chain') if params.get('chain') else []
    if chain and not chain_links(leaf, chain):
        raise DeployError('the chain does not link: each certificate must be issued by the next one, but the order is %s; '
                          'refusing to deploy, nothing was written' % ' -> '.join(_names(c) for c in [leaf] + chain))
    if params.get('chain_path') and not chain:
        raise DeployError('chain_path is set but there is no chain (only the leaf certificate was given)')
    key_pem = None
    if params.get('private_key'):
        key_text = params['private_key']
        try:
            key = load_private_key(key_text, 'private_key')
        except AcmeInputError as exc:
            raise DeployError(exc.msg)
        if not key_matches(key, leaf):
            d = describe(leaf)
            raise DeployError('the private key does not match the certificate (%s, serial %s): refusing to deploy, '
                              'nothing was written' % (d['subject'], d['serial']))
        key_pem = key_text.strip() + '\n'
    material = Material(leaf, chain, key_pem)
    if not_after(leaf) < datetime.datetime.now(datetime.timezone.utc):
        material.warnings.append('The certificate being deployed expired on %s' % material.description['not_after'])
    return material


def describe_pem(pem):
    """``describe()`` of the first certificate in ``pem``; None when there is none or it does not parse."""
    if not pem or not HAS_CRYPTOGRAPHY:
        return None
    try:
        certs = load_certificates(pem)
    except ValueError:
        return None
    return describe(certs[0]) if certs else None


def diff_text(description):
    """The lines a diff shows of a certificate: names, serial and dates - never key material."""
    if not description:
        return ''
    lines = []
    for field, label in DIFF_FIELDS:
        value = description.get(field)
        if isinstance(value, list):
            value = ', '.join(value)
        lines.append('%s: %s\n' % (label, value))
    return ''.join(lines)
