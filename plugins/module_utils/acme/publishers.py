# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing challenge material from the controller (``step: auto``), and removing it again.

Every publisher records what it placed so ``cleanup`` removes exactly that, on
success and on failure.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.acme.challenges import HTTP01_PREFIX, checked_token
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import DnsLookup
from ansible_collections.sslclm.acme.plugins.module_utils.dns.propagation import PropagationCheck
from ansible_collections.sslclm.acme.plugins.module_utils.dns.registry import make_provider
from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_alpn_responder import TlsAlpnResponder


class WebrootPublisher:
    """HTTP-01 token files under ``<webroot>/.well-known/acme-challenge/``."""

    def __init__(self, webroot):
        if not webroot:
            raise AcmeInputError('http01.webroot is required for http01.mode webroot')
        self.directory = os.path.join(webroot, HTTP01_PREFIX.strip('/'))
        self.written = []

    def publish(self, challenges):
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, 0o755, exist_ok=True)
        for ch in challenges:
            path = os.path.join(self.directory, checked_token(ch['token']))
            atomic_write(path, ch['key_authorization'].encode('ascii'), mode=0o644)
            self.written.append(path)

    def cleanup(self):
        for path in self.written:
            try:
                os.unlink(path)
            except OSError:
                pass
        self.written = []


class StatelessPublisher:
    """HTTP-01 answered by a stateless agent that knows the account thumbprint: nothing to place."""

    def publish(self, challenges):
        pass

    def cleanup(self):
        pass


class DnsPublisher:
    """DNS-01 TXT records through a provider; values for one name go in together.

    An ``_acme-challenge`` name that is a CNAME (acme-dns style delegation) is followed and
    the TXT written at its target. After writing, the propagation check waits until every
    authoritative nameserver serves the values. ``cleanup`` removes exactly the values the
    provider added, also after a failure.
    """

    _locks_guard = threading.Lock()
    _locks = {}  # record name -> lock: certificates of one task may share a name (read-modify-write APIs)

    def __init__(self, options):
        options = dict(options or {})
        self.provider = make_provider(options)
        public = self.provider.public_dns
        propagation = options.get('propagation') or {}
        self.lookup = DnsLookup(options.get('nameservers'))
        self.follow_cname = public if options.get('follow_cname') is None else options['follow_cname']
        enabled = propagation.get('enabled')
        if enabled is None:
            enabled = public or bool(propagation.get('servers') or propagation.get('resolvers'))
        self.propagation = PropagationCheck(
            self.lookup, timeout=propagation.get('timeout') or 120, servers=propagation.get('servers'),
            resolvers=propagation.get('resolvers')) if enabled else None
        self.added = {}
        self.waited = None

    @classmethod
    def _lock_for(cls, name):
        with cls._locks_guard:
            return cls._locks.setdefault(name, threading.Lock())

    def _target(self, record_name):
        if not self.follow_cname:
            return record_name
        try:
            return self.lookup.cname_target(record_name)
        except LookupFailed as exc:
            raise AcmeError('Cannot tell whether %s is a CNAME: %s' % (record_name, exc),
                            hint='Set dns01.nameservers to resolvers that answer, or dns01.follow_cname: false')

    def publish(self, challenges):
        by_name = {}
        for ch in challenges:
            by_name.setdefault(ch['record_name'], []).append(ch['txt_value'])
        written = {}
        for name, values in by_name.items():
            target = self._target(name)
            with self._lock_for(target):
                added = self.provider.add_txt(target, values)
            self.added.setdefault(target, []).extend(added)
            written.setdefault(target, []).extend(values)
        if self.propagation is not None:
            self.waited = self.propagation.wait(written)

    def cleanup(self):
        errors = []
        for name, values in self.added.items():
            try:
                with self._lock_for(name):
                    self.provider.remove_txt(name, values)
            except AcmeError as exc:
                errors.append(exc.msg)
        self.added = {}
        if errors:
            raise AcmeError('Removing challenge TXT records failed: %s' % '; '.join(errors))


class TlsAlpnPublisher:
    """TLS-ALPN-01 answered by a responder this module runs for the duration."""

    _lock = threading.Lock()
    _responders = {}

    def __init__(self, options):
        options = options or {}
        self.address = options.get('listen_address') or '0.0.0.0'
        self.port = int(options.get('listen_port') or 443)
        self.responder = None
        self.sni_names = []

    def _acquire(self):
        """One responder per address/port, shared by the certificates of one run."""
        key = (self.address, self.port)
        with self._lock:
            entry = self._responders.get(key)
            if entry is None:
                responder = TlsAlpnResponder(self.address, self.port)
                try:
                    responder.start()
                except (OSError, IOError) as exc:
                    raise AcmeError('Cannot start the TLS-ALPN-01 responder on %s:%s: %s' % (self.address, self.port, exc))
                entry = self._responders[key] = [responder, 0]
            entry[1] += 1
            return entry[0]

    def _release(self):
        key = (self.address, self.port)
        with self._lock:
            entry = self._responders.get(key)
            if entry is not None:
                entry[1] -= 1
                if entry[1] <= 0:
                    entry[0].stop()
                    del self._responders[key]

    def publish(self, challenges):
        if not challenges:
            return
        if self.responder is None:
            self.responder = self._acquire()
        for ch in challenges:
            self.responder.add(ch['sni'], ch['cert_pem'], ch['key_pem'])
            self.sni_names.append(ch['sni'])

    def cleanup(self):
        if self.responder is not None:
            for name in self.sni_names:
                self.responder.remove(name)
            self._release()
        self.responder = None
        self.sni_names = []


def make_publishers(params):
    """method → publisher for ``step: auto``; a method the task cannot publish itself gets none."""
    http = params.get('http01') or {}
    publishers = {}
    mode = http.get('mode') or ('webroot' if http.get('webroot') else 'stateless')
    publishers['http-01'] = WebrootPublisher(http.get('webroot')) if mode == 'webroot' else StatelessPublisher()
    if params.get('dns01'):
        publishers['dns-01'] = DnsPublisher(params['dns01'])
    publishers['tls-alpn-01'] = TlsAlpnPublisher(params.get('tls_alpn01'))
    return publishers
