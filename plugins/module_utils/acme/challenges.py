# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Challenge material: key authorizations and what each method publishes (RFC 8555 §8)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib

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
