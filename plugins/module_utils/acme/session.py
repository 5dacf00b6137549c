# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ACME session: one directory, one transport, optionally one account key.

A session fetches the directory once and is shared by everything a module does in
one run, so nonces and the HTTP connection are reused. ``open_session`` makes one from a
task's connection options (or its ``connector`` object).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os

from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import resolve_directory
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem, AcmeUnreachable
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import RetryPolicy
from ansible_collections.sslclm.acme.plugins.module_utils.proxy import ProxyFailure, proxy_from


CONNECTION_DEFAULTS = {'validate_certs': True, 'ca_bundle': None, 'request_timeout': 20}


class AcmeSession:
    """Directory + transport. ``account_key`` is an ``AccountKey`` or None (read-only use)."""

    def __init__(self, directory, account_key=None, verify=True, timeout=20, policy=None, sleep=None, proxy=None):
        self.directory_url = resolve_directory(directory)
        self.account_key = account_key
        self.proxy = proxy
        self._net_kwargs = {'verify': verify, 'timeout': timeout, 'policy': policy or RetryPolicy(), 'proxy': proxy}
        if sleep is not None:
            self._net_kwargs['sleep'] = sleep
        self._net = None
        self._directory = None

    @property
    def net(self):
        """The transport, made on first use: a session answered from the lookup cache never loads
        requests and the acme client (a good part of a controller module's start-up)."""
        if self._net is None:
            # pylint: disable-next=import-outside-toplevel
            from ansible_collections.sslclm.acme.plugins.module_utils.acme.network import AcmeNetwork
            kwargs = dict(self._net_kwargs)
            if self.account_key is not None:
                kwargs.update(key=self.account_key.jwk, alg=self.account_key.alg)
            self._net = AcmeNetwork(**kwargs)
        return self._net

    @property
    def directory(self):
        """The directory document as a plain dict (fetched once)."""
        if self._directory is None:
            try:
                response = self.net.get(self.directory_url)
            except AcmeProblem as problem:
                raise problem.with_context('Fetching the ACME directory %s failed' % self.directory_url)
            except (AcmeUnreachable, ProxyFailure):
                raise
            except AcmeError as error:
                raise AcmeError('%s is not an ACME directory: %s' % (self.directory_url, error.msg))
            try:
                document = response.json()
            except ValueError:
                document = None
            if not isinstance(document, dict) or 'newNonce' not in document or 'newAccount' not in document:
                raise AcmeError('%s is not an ACME directory (no newNonce/newAccount in its answer)'
                                % self.directory_url)
            self._directory = document
        return self._directory

    def use_directory(self, document):
        """Take a directory document fetched earlier (the lookup cache) instead of asking the CA."""
        self._directory = dict(document)

    @property
    def meta(self):
        return self.directory.get('meta') or {}

    def url(self, resource):
        try:
            return self.directory[resource]
        except KeyError:
            raise AcmeError('The ACME server at %s does not offer %s' % (self.directory_url, resource))

    def offers(self, resource):
        return resource in self.directory

    @property
    def account_uri(self):
        """The account later requests are signed for (None: none yet, or the JWK is embedded)."""
        return self._net.account_uri if self._net is not None else None

    def use_account(self, account_uri):
        """Sign later requests with ``kid`` = account_uri (None: embed the JWK)."""
        self.net.account_uri = account_uri

    def post(self, url, payload):
        """Signed POST of a JSON payload (dict); returns the ``requests`` response."""
        return self.net.post(url, payload, new_nonce_url=self.url('newNonce'))

    def post_as_get(self, url):
        return self.net.post(url, None, new_nonce_url=self.url('newNonce'))

    def describe_directory(self):
        """The directory facts other modules and reports need."""
        meta = self.meta
        return {
            'url': self.directory_url,
            'terms_of_service': meta.get('termsOfService'),
            'website': meta.get('website'),
            'caa_identities': list(meta.get('caaIdentities') or []),
            'external_account_required': bool(meta.get('externalAccountRequired', False)),
            'profiles': dict(meta.get('profiles') or {}),
            'ari': 'renewalInfo' in self.directory,
            'key_change': 'keyChange' in self.directory,
            # dns-persist-01 draft-02 (draft-01 CAs use caaIdentities as the issuer domain names)
            'issuer_domain_names': list(meta.get('issuerDomainNames') or []),
            'account_hash_prefix': meta.get('accountHashPrefix'),
        }


def resolve_connection(params):
    """Connection settings from the task, else the ``connector`` object, else defaults."""
    connector = params.get('connector') or {}
    settings = {}
    for name in ('directory',) + tuple(CONNECTION_DEFAULTS):
        value = params.get(name)
        if value is None:
            value = connector.get(name, CONNECTION_DEFAULTS.get(name))
        settings[name] = value
    if not settings['directory']:
        raise AcmeInputError('directory is required (or a connector object returned by sslclm.acme.acme_connector)')
    settings['proxy'] = params.get('proxy') or None
    if settings['proxy'] is None and connector.get('proxy_address'):
        # the connector object names the proxy it was made through, never its URL (which may hold credentials)
        raise AcmeInputError('The connector was made through the proxy %s; give proxy on this task too (connector '
                             'objects never carry the proxy URL; module_defaults for the group sslclm.acme.acme sets '
                             'it once for every task)' % connector['proxy_address'])
    return settings


def verify_setting(settings):
    """What ``requests`` takes as ``verify``: a CA bundle path, or a boolean."""
    if settings.get('ca_bundle'):
        if not os.path.isfile(settings['ca_bundle']):
            raise AcmeInputError('ca_bundle %s does not exist' % settings['ca_bundle'])
        return settings['ca_bundle'] if settings.get('validate_certs', True) else False
    return bool(settings.get('validate_certs', True))


def open_session(params, account_key=None):
    settings = resolve_connection(params)
    session = AcmeSession(settings['directory'], account_key=account_key, verify=verify_setting(settings),
                          timeout=settings['request_timeout'], proxy=proxy_from(settings['proxy']))
    connector_directory = (params.get('connector') or {}).get('directory')
    if connector_directory and session.directory_url != connector_directory:
        raise AcmeInputError('directory %s differs from the connector\'s directory %s; an account belongs to one CA'
                             % (session.directory_url, connector_directory))
    return session


def reach_key(params):
    """How the task reaches the CA, as far as trust and route go: cached CA answers count only for the same
    settings, so a wrong ``ca_bundle`` or a new proxy fails where it is given, not later in another module.
    The proxy counts by its scheme, host and port: its credentials never reach the cache."""
    settings = resolve_connection(params)
    proxy = proxy_from(settings['proxy'])
    route = ',proxy:%s' % proxy.label if proxy is not None else ''
    verify = verify_setting(settings)
    if isinstance(verify, str):
        try:
            with open(verify, 'rb') as handle:
                return 'ca_bundle:%s%s' % (hashlib.sha256(handle.read()).hexdigest()[:16], route)
        except (IOError, OSError) as exc:
            raise AcmeInputError('cannot read ca_bundle %s: %s' % (verify, getattr(exc, 'strerror', None) or exc))
    return 'validate_certs:%s%s' % (bool(verify), route)
