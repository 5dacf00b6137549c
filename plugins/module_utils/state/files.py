# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an order in progress is remembered, so an interrupted run resumes it.

One small JSON file per (account, identifier set) under ``state_dir``. Losing it
costs one extra order, never a certificate.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write
from ansible_collections.sslclm.acme.plugins.module_utils.state.keys import certificate_id, same_names

DEFAULT_STATE_DIR = os.path.join('~', '.ansible', 'sslclm_acme')


def state_dir(path=None):
    return os.path.expanduser(path or os.environ.get('SSLCLM_ACME_STATE_DIR') or DEFAULT_STATE_DIR)


def _digest(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


class OrderStore:
    def __init__(self, path=None):
        self.state = state_dir(path)
        self.directory = os.path.join(state_dir(path), 'orders')
        self.issuers_directory = os.path.join(state_dir(path), 'issuers')
        self._issuers_on_file = set()  # (directory URL, key id) known to be in the file: not read again

    def _path(self, account_uri, identifiers):
        return os.path.join(self.directory, certificate_id(account_uri, identifiers) + '.json')

    def load(self, account_uri, identifiers):
        try:
            with open(self._path(account_uri, identifiers)) as handle:
                return json.load(handle)
        except (IOError, OSError, ValueError):
            return None

    def save(self, account_uri, identifiers, record):
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, 0o700, exist_ok=True)
        # not durable: a record lost in a power cut costs one order more (load() reads a torn one as none)
        atomic_write(self._path(account_uri, identifiers), json.dumps(record, sort_keys=True).encode('utf-8'), 0o600,
                     durable=False)

    def forget(self, account_uri, identifiers):
        try:
            os.unlink(self._path(account_uri, identifiers))
        except OSError:
            pass

    def forget_name(self, name, identifiers=None, check_mode=False):
        """Forget the orders in flight of certificate ``name`` (a retired certificate; with ``identifiers``, only its
        orders for those names - another inventory may use the name too) → how many there were."""
        count = 0
        for entry in sorted(os.listdir(self.directory)) if os.path.isdir(self.directory) else ():
            path = os.path.join(self.directory, entry)
            try:
                with open(path) as handle:
                    record = json.load(handle)
            except (IOError, OSError, ValueError):
                continue
            if not isinstance(record, dict) or record.get('name') != name:
                continue
            if same_names(record.get('identifiers'), identifiers):
                count += 1
                if not check_mode:
                    os.unlink(path)
        return count

    # Keys of TLS-ALPN-01 challenge certificates between step order and step finalize: results carry
    # their paths, never the keys (acme_challenge reads them on the controller).
    def keep_challenge_key(self, order_url, identifier, key_pem):
        directory = os.path.join(self.state, 'challenge-keys')
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700, exist_ok=True)
        path = os.path.join(directory, '%s-%s.pem' % (_digest(order_url), _digest(identifier)))
        atomic_write(path, key_pem.encode('ascii'), 0o600)
        return path

    def forget_challenge_keys(self, order_url):
        directory = os.path.join(self.state, 'challenge-keys')
        prefix = _digest(order_url) + '-'
        for name in os.listdir(directory) if os.path.isdir(directory) else ():
            if name.startswith(prefix):
                try:
                    os.unlink(os.path.join(directory, name))
                except OSError:
                    pass

    # Issuer key identifiers each CA directory has issued from. They let an idempotence
    # check tell "current" from "current, but from another CA" (staging vs production, a
    # rebuilt test CA). Unknown (fresh controller) means: trust the deployed certificate.
    def _issuers_path(self, directory_url):
        return os.path.join(self.issuers_directory, hashlib.sha256(directory_url.encode('utf-8')).hexdigest()[:32] + '.json')

    def known_issuers(self, directory_url):
        try:
            with open(self._issuers_path(directory_url)) as handle:
                return set(json.load(handle))
        except (IOError, OSError, ValueError):
            return set()

    _issuer_lock = threading.Lock()

    def remember_issuer(self, directory_url, key_id):
        if not key_id:
            return
        with self._issuer_lock:  # worker threads of one run read-modify-write the same file
            self._remember_issuer(directory_url, key_id)

    def _remember_issuer(self, directory_url, key_id):
        if (directory_url, key_id) in self._issuers_on_file:
            return  # every certificate of a run from the same issuer: the file is read once, not per certificate
        known = self.known_issuers(directory_url)
        if key_id not in known:
            if not os.path.isdir(self.issuers_directory):
                os.makedirs(self.issuers_directory, 0o700, exist_ok=True)
            atomic_write(self._issuers_path(directory_url), json.dumps(sorted(known | {key_id})).encode('utf-8'), 0o600)
        self._issuers_on_file.add((directory_url, key_id))
