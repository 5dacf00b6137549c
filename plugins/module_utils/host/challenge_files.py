# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Challenge material as files on a host (stdlib only): where each item goes, and checks
that every CA-supplied name is safe before it touches a path.

Files take the group of their directory: the agent serves as an unprivileged user whose
group owns the challenge directories (role ``acme_agent``), so a TLS-ALPN-01 key is
0640 - readable by the agent, by nobody else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write_many
from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import SNI_RE, valid_key_authorization, valid_token


class ChallengeFileError(Exception):
    pass


def argument_spec():
    """Options of ``sslclm.acme.acme_challenge``, shared by the module and its action plugin."""
    return dict(
        challenges=dict(type='list', elements='dict', required=True, options=dict(
            identifier=dict(type='str'),
            method=dict(type='str', required=True, choices=['http-01', 'dns-01', 'tls-alpn-01']),
            token=dict(type='str', no_log=False),
            path=dict(type='str'),
            content=dict(type='str'),
            record_name=dict(type='str'),
            value=dict(type='str'),
            sni=dict(type='str'),
            cert_pem=dict(type='str'),
            key_src=dict(type='path'),
            key_pem=dict(type='str', no_log=True),
        )),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        http01_dir=dict(type='path'),
        tls_alpn01_dir=dict(type='path'),
    )


def planned_files(challenges, http01_dir=None, tls_alpn01_dir=None, publishing=True):
    """[(path, content bytes, mode)] for every HTTP-01 / TLS-ALPN-01 item; DNS-01 items are not host files.

    Everything is validated first: one bad item means nothing is written.
    """
    files = []
    for item in challenges or []:
        method = item.get('method')
        if method == 'http-01':
            token = item.get('token')
            if not valid_token(token):
                raise ChallengeFileError('refusing HTTP-01 token %r: not a base64url ACME token' % (token,))
            content = item.get('content') or ''
            if not valid_key_authorization(content, token):
                raise ChallengeFileError('refusing HTTP-01 content for token %s: not its key authorization' % token)
            if not http01_dir:
                raise ChallengeFileError('http01_dir is required to publish HTTP-01 challenges')
            files.append((os.path.join(http01_dir, token), content.encode('ascii'), 0o644))
        elif method == 'tls-alpn-01':
            sni = item.get('sni')
            if not isinstance(sni, str) or not SNI_RE.match(sni):
                raise ChallengeFileError('refusing TLS-ALPN-01 name %r: not a lowercase DNS name' % (sni,))
            if not tls_alpn01_dir:
                raise ChallengeFileError('tls_alpn01_dir is required to publish TLS-ALPN-01 challenges')
            if publishing and (not item.get('key_pem') or 'PRIVATE KEY-----' not in item['key_pem']):
                raise ChallengeFileError('refusing TLS-ALPN-01 material for %s: no private key (give key_src, the '
                                         'file acme_enroll step: order names)' % sni)
            # key first: the agent only loads a name whose certificate file exists
            files.append((os.path.join(tls_alpn01_dir, sni + '.key.pem'), (item.get('key_pem') or '').encode('ascii'), 0o640))
            files.append((os.path.join(tls_alpn01_dir, sni + '.crt.pem'), item['cert_pem'].encode('ascii'), 0o644))
    return files


def _current(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _directory_group(path):
    try:
        return os.stat(os.path.dirname(path)).st_gid
    except OSError:
        return -1


def publish(files, check_mode=False):
    """Write what differs (content, mode, or group: the directory's); → the paths changed."""
    changed = []
    for path, content, mode in files:
        group = _directory_group(path)
        if _current(path) == content and (os.stat(path).st_mode & 0o777) == mode and group in (-1, os.stat(path).st_gid):
            continue
        changed.append(path)
        if not check_mode:
            directory = os.path.dirname(path)
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o755, exist_ok=True)
                group = _directory_group(path)
            atomic_write_many([(path, content, mode, -1, group)])
    return changed


def remove(files, check_mode=False):
    """Remove exactly these paths where they exist; → the paths removed."""
    removed = []
    for path, unused_content, unused_mode in files:
        if os.path.lexists(path):
            removed.append(path)
            if not check_mode:
                os.unlink(path)
    return removed
