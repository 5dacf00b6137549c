# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What may become part of a path or a file name on a host: the one pattern of each kind.

ACME tokens, account thumbprints, key authorizations and SNI names come from a CA or from
the controller; each is checked here before it names a file, on the controller (challenge
material) and on hosts (responders, challenge files) alike. Standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# RFC 8555 §8.1: base64url without padding, at least 128 bits of entropy (22 characters); a
# token is never '.', '..' or anything with '/', so it is safe as a file name.
TOKEN_RE = re.compile(r'^[A-Za-z0-9_-]{16,256}$')
# RFC 7638 SHA-256 JWK thumbprint, base64url: 43 characters
THUMBPRINT_RE = re.compile(r'^[A-Za-z0-9_-]{43}$')
KEY_AUTHORIZATION_RE = re.compile(r'^[A-Za-z0-9_-]{16,256}\.[A-Za-z0-9_-]{43}$')
# Lowercase LDH labels, dot-separated, at most 253 characters: no '/', no '..', no leading dot.
SNI_RE = re.compile(r'^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$')


def valid_token(token):
    return isinstance(token, str) and bool(TOKEN_RE.match(token))


def checked_token(token):
    """``token`` when it is a valid ACME token; ValueError otherwise."""
    if not valid_token(token):
        raise ValueError('invalid ACME token %r: 16 to 256 base64url characters' % (token,))
    return token


def valid_key_authorization(value, token):
    return isinstance(value, str) and bool(KEY_AUTHORIZATION_RE.match(value)) and value.startswith(token + '.')


def normalize_sni(name):
    """Lowercase ``name`` without a trailing dot; ValueError unless it is a plain DNS name."""
    if not isinstance(name, str):
        raise ValueError('server name must be a string, got %r' % (name,))
    normalized = name.lower()
    if normalized.endswith('.'):
        normalized = normalized[:-1]
    if not SNI_RE.match(normalized):
        raise ValueError('invalid server name %r: only lowercase letters, digits, "-" and "." '
                         '(DNS labels) are allowed' % (name,))
    return normalized
