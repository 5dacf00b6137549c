# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private keys at rest in shared state: AES-256-GCM under a key derived from a credential.

``state_encryption_key`` (a passphrase or a random string from an AWX credential) goes through
scrypt with a salt kept in the database, so a weak passphrase still costs an attacker dearly and
two databases never share a key. Each sealed value carries a version byte, its own nonce, and is
bound to its row (the associated data names kind and identity): a ciphertext copied to another row
does not open. A wrong credential is found by a sealed check value before anything is used.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
except ImportError:  # reported by deps.ensure_deps()
    pass

VERSION = b'\x01'
SCRYPT_N = 2 ** 15  # about 0.15 s once per run
CHECK_PLAINTEXT = b'sslclm.acme state key check'


def new_salt():
    return os.urandom(16)


class Sealer:
    """Seals and opens values with the key derived from ``credential`` and ``salt``."""

    def __init__(self, credential, salt):
        if not credential:
            raise StateError('state_encryption_key is empty')
        key = Scrypt(salt=bytes(salt), length=32, n=SCRYPT_N, r=8, p=1).derive(credential.encode('utf-8'))
        self._aead = AESGCM(key)

    @staticmethod
    def _aad(kind, identity):
        return ('sslclm.acme/v1/%s/%s' % (kind, identity)).encode('utf-8')

    def seal(self, kind, identity, plaintext):
        nonce = os.urandom(12)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext, self._aad(kind, identity))

    def open(self, kind, identity, sealed):
        sealed = bytes(sealed)
        if sealed[:1] != VERSION:
            raise StateError('a sealed %s in the shared state has an unknown format' % kind)
        try:
            return self._aead.decrypt(sealed[1:13], sealed[13:], self._aad(kind, identity))
        except InvalidTag:
            raise StateError('a sealed %s in the shared state does not open with this state_encryption_key '
                             '(another key, or the value was moved)' % kind)

    def check_value(self):
        return self.seal('keycheck', '-', CHECK_PLAINTEXT)

    def verify(self, check):
        try:
            ok = self.open('keycheck', '-', check) == CHECK_PLAINTEXT
        except StateError:
            ok = False
        if not ok:
            raise StateError('state_encryption_key is not the key this shared state was sealed with',
                             hint='Give the key the other controllers use (the AWX credential of the state)')
