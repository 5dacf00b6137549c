# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Challenge material: key authorizations and what each method publishes (RFC 8555 §8, RFC 8737)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib

from ansible_collections.sslclm.acme.plugins.module_utils.acme.tls_alpn import build_challenge_certificate, sni_for_identifier
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import valid_token

HTTP01_PREFIX = '/.well-known/acme-challenge/'


def checked_token(token):
    """A token from the CA is only used in a path or a file name after this check."""
    if not valid_token(token):
        raise AcmeError('The CA sent a challenge token that is not base64url (%r); refusing to use it' % (token,))
    return token


def key_authorization(token, thumbprint):
    return '%s.%s' % (checked_token(token), thumbprint)


def dns01_record_name(identifier):
    return '_acme-challenge.%s' % identifier.base_domain


def dns01_txt_value(key_auth):
    digest = hashlib.sha256(key_auth.encode('ascii')).digest()
    return base64.urlsafe_b64encode(digest).decode('ascii').rstrip('=')


def http01_path(token):
    return HTTP01_PREFIX + checked_token(token)


def identifier_key(authz):
    """The identifier an authorization is for, as the certificate names it (``*.`` for a wildcard)."""
    ident = authz.get('identifier') or {}
    value = ident.get('value', '')
    return ('*.' + value) if authz.get('wildcard') else value


def challenge_material(ident, method, thumbprint, authz_url, authz):
    """Everything about one pending challenge: what to publish, where, and what the self-check expects."""
    challenge = next((c for c in authz.get('challenges') or [] if c.get('type') == method), None)
    if challenge is None:
        offered = ', '.join(sorted(c.get('type', '?') for c in authz.get('challenges') or []))
        raise AcmeError('The CA offers no %s challenge for %s (it offers %s)' % (method, ident.value, offered or 'none'))
    key_auth = key_authorization(challenge.get('token'), thumbprint)
    item = {
        'identifier': ident.value,
        'method': method,
        'authz_url': authz_url,
        'challenge_url': challenge.get('url'),
        'challenge_status': challenge.get('status'),
        'token': challenge['token'],
        'key_authorization': key_auth,
    }
    if method == 'http-01':
        item['path'] = http01_path(challenge['token'])
    elif method == 'dns-01':
        item['record_name'] = dns01_record_name(ident)
        item['txt_value'] = dns01_txt_value(key_auth)
    else:
        cert_pem, key_pem = build_challenge_certificate(ident.value, key_auth)
        item.update(sni=sni_for_identifier(ident.value), cert_pem=cert_pem.decode('ascii'), key_pem=key_pem.decode('ascii'))
    return item


def public_challenge(item, key_src=None):
    """What ``step: order`` returns per challenge for the roles to publish. Never key material: the key of a
    TLS-ALPN-01 challenge certificate stays in a controller file, ``key_src``, that ``acme_challenge`` reads."""
    public = {'identifier': item['identifier'], 'method': item['method'], 'token': item['token']}
    if item['method'] == 'http-01':
        public.update(path=item['path'], content=item['key_authorization'])
    elif item['method'] in ('dns-01', 'dns-persist-01'):  # dns-persist-01: the record that must be there already
        public.update(record_name=item['record_name'], value=item['txt_value'])
    else:
        public.update(sni=item['sni'], cert_pem=item['cert_pem'], key_src=key_src)
    return public


def dns_records(items):
    """DNS-01 values grouped by record name (apex and wildcard share one name)."""
    records = {}
    for item in items:
        if item['method'] == 'dns-01':
            records.setdefault(item['record_name'], []).append(item['txt_value'])
    return [{'record_name': name, 'values': values} for name, values in sorted(records.items())]
