# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Any of dns-lexicon's DNS APIs (about 90) as a DNS-01 provider.

lexicon does the API calls; finding the zone, the propagation check, CNAME delegation and
cleanup stay ours, with the same guarantees as the built-in providers:

- The zone is ``dns01.zone`` or the owner of the SOA of the name (asked through
  ``dns01.nameservers``), and lexicon is told it: lexicon's own guess from the public suffix
  list is wrong for delegated sub-zones and private suffixes, and downloads the list.
- Values already on the name are not added again and never removed; a removal is read back.
- One lexicon client per change, authenticated just before it: some providers (PowerDNS)
  rewrite a whole record set from data read at authentication. Changes to one zone go one at a
  time (PowerDNS on SQLite answers concurrent writes with HTTP 500, other APIs rate-limit), and
  a change that fails on HTTP 429 / 5xx or a connection problem is run again, twice at most:
  each reads what is there before it writes, so running it again is safe.
- Every exception of lexicon or of a provider becomes a ``DnsProviderError`` naming the
  provider, the zone and what failed, with every secret masked (also URL-encoded ones).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import os
import threading
import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError, redact
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProvider, DnsProviderError, Zone
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lexicon_catalog import OPTIONS
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lexicon_support import (
    describe,
    http_status,
    is_transient,
    known_providers,
    load_lexicon,
    pip_command,
    quiet,
)
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import DnsLookup
from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import missing_values, unquote_txt
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed

TRUE_WORDS = ('true', 'yes', 'on', '1')
FALSE_WORDS = ('false', 'no', 'off', '0', '')
# Placeholder domain for the client that only checks the provider name and reads its options.
PROBE_DOMAIN = 'zone.invalid'
# lexicon providers that do not talk HTTP through ``requests`` (DNS updates, a local file, boto3, XML-RPC, SOAP,
# vendor SDKs): dns01.proxy cannot be applied to them, so it is refused rather than silently bypassed.
NO_PROXY_PROVIDERS = ('auto', 'ddns', 'gransy', 'inwx', 'localzone', 'qcloud', 'route53', 'softlayer')


class _Transient(Exception):
    """Carries the ``DnsProviderError`` of a failure worth another try."""

    def __init__(self, error):
        super(_Transient, self).__init__(error.msg)
        self.error = error


def env_name(provider, option):
    """lexicon's own variable name: ``LEXICON_<PROVIDER>_<OPTION>``."""
    return ('LEXICON_%s_%s' % (provider, option)).upper().replace('-', '_')


def _flag(action):
    return action.nargs == 0 and isinstance(action.const, bool)


def coerce(provider, action, value):
    """``value`` (from YAML or the environment) as the provider's option parser would have made it."""
    what = 'dns01.lexicon_options.%s of lexicon provider %s' % (action.dest, provider)
    if isinstance(value, (dict, list, tuple)):
        raise AcmeInputError('%s must be a string, number or boolean' % what)
    if _flag(action):
        word = str(value).strip().lower()
        if isinstance(value, bool) or word in TRUE_WORDS + FALSE_WORDS:
            return value if isinstance(value, bool) else word in TRUE_WORDS
        raise AcmeInputError('%s is a flag: true or false, got %r' % (what, value))
    if callable(action.type):
        try:
            value = action.type(value)
        except (TypeError, ValueError):
            raise AcmeInputError('%s must be a %s, got %r' % (what, getattr(action.type, '__name__', 'value'), value))
    elif isinstance(value, bool):
        value = 'true' if value else 'false'
    elif not isinstance(value, str):
        value = str(value)
    if action.choices and value not in action.choices:
        raise AcmeInputError('%s must be one of %s, got %r' % (what, ', '.join(map(str, action.choices)), value))
    return value


class LexiconProvider(DnsProvider):
    name = 'lexicon'
    options = dict(
        lexicon_provider=dict(type='str'),
        lexicon_options=dict(type='dict', options=dict(
            (option, dict(type='raw', no_log=secret)) for option, secret in sorted(OPTIONS.items()))),
    )
    required = ('lexicon_provider',)
    supports_proxy = True  # every provider built on requests; NO_PROXY_PROVIDERS refuse it
    retry_waits = (1.0, 3.0)  # seconds before the second and the third try of a change
    _zone_locks_guard = threading.Lock()
    _zone_locks = {}  # (provider, zone) -> lock, shared by the certificates of one task

    def __init__(self, options, environ=None, wrap_provider=None, sleep=time.sleep):
        """``environ``: where ``LEXICON_<PROVIDER>_<OPTION>`` values come from (default ``os.environ``);
        ``wrap_provider``: tests may replace lexicon's provider class (``cls -> cls``)."""
        super(LexiconProvider, self).__init__(options)
        self.sleep = sleep
        if self.config.get('zone_id'):
            raise AcmeInputError('dns01.zone_id is an option of the route53 and cloudflare providers; a lexicon provider '
                                 'that takes a zone id has it in dns01.lexicon_options.zone_id')
        self.provider = str(self.config['lexicon_provider']).strip().lower()  # lexicon's names are lower case
        self.label = 'lexicon %s' % self.provider
        if self.proxy is not None and self.provider in NO_PROXY_PROVIDERS:
            raise AcmeInputError('dns01.proxy is set, but lexicon provider %s does not send its requests through the '
                                 'requests library, so it cannot use the proxy. Remove dns01.proxy%s' % (
                                     self.provider, ' (or use dns01.provider route53, which takes it)'
                                     if self.provider == 'route53' else ''))
        self.lexicon = load_lexicon(self.provider)
        self.wrap_provider = wrap_provider
        given = dict((k, v) for k, v in (self.config.get('lexicon_options') or {}).items() if v is not None)
        environ = os.environ if environ is None else environ
        self.secrets = [str(v) for k, v in given.items() if OPTIONS.get(k)]
        self.secrets += [environ[env_name(self.provider, k)] for k, secret in OPTIONS.items()
                         if secret and environ.get(env_name(self.provider, k))]
        self.settings = self._settings(given, environ)

    def _settings(self, given, environ):
        """The provider's options: its defaults, then ``LEXICON_*`` variables, then ``dns01.lexicon_options``."""
        parser = argparse.ArgumentParser(add_help=False)
        self._client(PROBE_DOMAIN).provider_class.configure_parser(parser)
        actions = dict((action.dest, action) for action in parser._actions)  # pylint: disable=protected-access
        unknown = sorted(set(given) - set(actions))
        if unknown:
            raise AcmeInputError('dns01.lexicon_options %s: not an option of lexicon provider %s (its options: %s)' % (
                ', '.join(unknown), self.provider, ', '.join(sorted(actions)) or 'none'))
        settings = {}
        for dest, action in actions.items():
            value = given.get(dest, environ.get(env_name(self.provider, dest)) or None)  # empty: not set, as lexicon reads it
            if value is not None:
                settings[dest] = coerce(self.provider, action, value)
            elif action.default not in (None, False):
                settings[dest] = action.default
        return settings

    def _client(self, zone):
        client_class, resolver_class, dict_source = self.lexicon
        config = resolver_class().with_dict({'provider_name': self.provider, 'domain': zone, 'ttl': self.ttl,
                                             self.provider: getattr(self, 'settings', {})})
        try:
            client = client_class(config)
        except Exception as exc:  # pylint: disable=broad-except  # ProviderNotAvailableError, a provider module failing to import
            raise self._unavailable(exc)
        client.config.add_config_source(dict_source({'domain': zone}), 0)  # the zone we found, whatever lexicon guessed
        if self.wrap_provider is not None:
            client.provider_class = self.wrap_provider(client.provider_class)
        return client

    def _unavailable(self, exc):
        text = redact(describe(exc), self.secrets)
        if 'extra dependencies' in text:
            return AcmeInputError('lexicon provider %s needs packages that are not installed: %s' % (
                self.provider, pip_command(self.provider)))
        known = known_providers()
        if known and self.provider not in known:
            return AcmeInputError('dns01.lexicon_provider %r is not a provider of the installed dns-lexicon (it has: %s)'
                                  % (self.provider, ', '.join(known)))
        return AcmeInputError('lexicon provider %s cannot be set up: %s' % (self.provider, text))

    def _find_zone(self, record_name):
        zone = self.given_zone(record_name)
        if zone:
            return zone
        lookup = DnsLookup(self.config.get('nameservers'), timeout=min(self.timeout, 5.0))
        try:
            return Zone(lookup.zone_of(record_name), None)
        except LookupFailed as exc:
            raise DnsProviderError('Cannot find the zone of %s for %s: %s' % (record_name, self.label, exc),
                                   hint='Set dns01.zone, or dns01.nameservers to resolvers that answer for it')

    def _run(self, zone, operation):
        """``operation(ops)``, alone in its zone, tried again after a transient failure."""
        key = (self.provider, zone.name)
        with self._zone_locks_guard:
            lock = self._zone_locks.setdefault(key, threading.Lock())
        with lock:
            waits = tuple(self.retry_waits)
            for attempt, wait in enumerate(waits + (None,)):
                try:
                    return self._attempt(zone, operation)
                except _Transient as transient:
                    if wait is None:
                        error = transient.error
                        raise DnsProviderError('%s (tried %d times)' % (error.msg, attempt + 1) if attempt else error.msg,
                                               hint=error.hint)
                    self.sleep(wait)
        return None

    def _attempt(self, zone, operation):
        """``operation(ops)`` with a client authenticated for ``zone`` just now; lexicon's errors made ours."""
        client = self._client(zone.name)
        stage = {'authenticated': False}
        with quiet(self.timeout, self.proxy.mapping() if self.proxy is not None else None):
            try:
                with client as ops:
                    stage['authenticated'] = True
                    return operation(ops)
            except AcmeError:
                raise
            except Exception as exc:  # pylint: disable=broad-except  # providers raise anything; no traceback to the user
                error = self._failure(exc, zone, stage['authenticated'])
                raise _Transient(error) if is_transient(exc) else error

    def _failure(self, exc, zone, authenticated):
        detail = self.scrub(redact(describe(exc), self.secrets))
        status = http_status(exc)
        if self.proxy is not None:
            if status == 407 or type(exc).__name__ == 'ProxyError':
                return self.proxy.failure(detail, self.label + ' API')
            detail += self.proxy.via()
        credentials = 'Check the credentials in dns01.lexicon_options (or the %s variables)' % env_name(self.provider, '*')
        if status in (401, 403):
            return DnsProviderError('%s refused the credentials %s (%s)' % (
                self.label, 'for a change in zone %s' % zone.name if authenticated else 'when looking up zone %s' % zone.name,
                detail), hint=credentials + ', and that they may change TXT records in that zone')
        if authenticated:
            return DnsProviderError('%s failed to change TXT records in zone %s: %s' % (self.label, zone.name, detail))
        if status == 404 or type(exc).__name__ == 'AuthenticationError':
            return DnsProviderError('No %s zone the credentials can see is %s (%s)' % (self.label, zone.name, detail),
                                    hint='The zone is dns01.zone, else the SOA owner of the name; the account must hold it. ' + credentials)
        return DnsProviderError('%s failed when looking up zone %s: %s' % (self.label, zone.name, detail))

    @staticmethod
    def _values(ops, record_name):
        return [unquote_txt(str(record.get('content') or '')) for record in ops.list_records('TXT', record_name)]

    def add_txt(self, record_name, values):
        def add(ops):
            added = missing_values(self._values(ops, record_name), values)
            created = []
            try:
                for value in added:
                    if ops.create_record('TXT', record_name, value) is False:
                        raise DnsProviderError('%s did not create TXT %s in zone %s (the provider reported failure)' % (
                            self.label, record_name, zone.name))
                    created.append(value)
            except Exception:
                for value in created:  # all or nothing: take back what this call created
                    try:
                        ops.delete_record(None, 'TXT', record_name, value)
                    except Exception:  # pylint: disable=broad-except  # the first error is the one to report
                        pass
                raise
            return added

        zone = self.find_zone(record_name)
        return self._run(zone, add)

    def remove_txt(self, record_name, values):
        def remove(ops):
            present = self._values(ops, record_name)
            errors = []
            for value in values:
                if value in present:
                    try:
                        ops.delete_record(None, 'TXT', record_name, value)  # content given: only that value goes
                    except Exception as exc:  # pylint: disable=broad-except  # try every value, report all
                        errors.append(redact(describe(exc), self.secrets))
            left = [value for value in values if value in self._values(ops, record_name)]
            if left:
                raise DnsProviderError('%s did not remove TXT %s (%d of our values are still there)%s' % (
                    self.label, record_name, len(left), (': ' + '; '.join(errors)) if errors else ''))

        if values:
            zone = self.find_zone(record_name)
            self._run(zone, remove)
