# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DNS provider interface for DNS-01: find the zone of a name, add our TXT values,
remove exactly those again."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import is_subdomain, normalize_name
from ansible_collections.sslclm.acme.plugins.module_utils.proxy import proxy_from

Zone = collections.namedtuple('Zone', ['name', 'id'])

# Options of dns01 that every provider shares (argument spec entries). The publisher
# reads nameservers, follow_cname and propagation; providers read zone, zone_id, ttl, timeout.
COMMON_OPTIONS = dict(
    zone=dict(type='str'),
    zone_id=dict(type='str'),
    ttl=dict(type='int', default=60),
    timeout=dict(type='int', default=60),
    # an HTTP proxy for the providers that talk HTTP (supports_proxy); the others refuse it
    proxy=dict(type='str', no_log=True),
    nameservers=dict(type='list', elements='str'),
    follow_cname=dict(type='bool'),
    propagation=dict(type='dict', options=dict(
        enabled=dict(type='bool'),
        timeout=dict(type='int', default=120),
        servers=dict(type='list', elements='str'),
        resolvers=dict(type='list', elements='str'),
    )),
)


class DnsProviderError(AcmeError):
    """A DNS API refused or failed; the message carries the provider's own words."""


class DnsProvider:
    """One DNS API. Subclasses set ``name``, ``options`` and ``required`` and implement
    ``_find_zone``, ``add_txt`` and ``remove_txt``.

    Names are fully qualified without the trailing dot. ``add_txt`` gets every value we
    want on a name (apex and wildcard share ``_acme-challenge.<domain>``), keeps the
    values already there and returns the values it really added; it adds all or none.
    ``remove_txt`` removes only the values it is given, which are values ``add_txt``
    returned; other values on the name stay.
    """

    name = 'base'
    # The options this provider reads besides COMMON_OPTIONS: argument spec entries
    # (secrets carry no_log=True). The module's dns01 argument spec is built from these.
    options = {}
    # Options that must be set for this provider.
    required = ()
    # False for the local test CA's DNS: its names have no NS delegation to check, and
    # propagation checks and CNAME following are then off unless configured.
    public_dns = True
    # True for the providers that send every API request through dns01.proxy when it is set
    supports_proxy = False
    # why dns01.proxy cannot apply (providers without supports_proxy)
    proxy_refusal = 'it makes no HTTP requests of its own'

    def __init__(self, options):
        self.config = dict(options or {})
        for option, spec in self.options.items():
            if spec.get('no_log') and isinstance(self.config.get(option), str):
                self.config[option] = _clean_secret(option, self.config[option])
        missing = [option for option in self.required if self.config.get(option) in (None, '')]
        if missing:
            raise AcmeInputError('dns01.provider %s needs %s' % (self.name, ', '.join('dns01.' + m for m in missing)))
        self.proxy = proxy_from(self.config.get('proxy'), 'dns01.proxy')
        if self.proxy is not None and not self.supports_proxy:
            raise AcmeInputError('dns01.proxy is set, but dns01.provider %s cannot use a proxy: %s. Remove dns01.proxy'
                                 % (self.name, self.proxy_refusal))
        self._zones = {}

    def scrub(self, text):
        """``text`` with every secret option's value masked: for messages built from library exceptions,
        which may quote a request (a URL with a key, a header with a token)."""
        text = str(text)
        for option, spec in self.options.items():
            value = self.config.get(option)
            if spec.get('no_log') and isinstance(value, str) and value:
                text = text.replace(value, '********')
        return self.proxy.scrub(text) if self.proxy is not None else text

    @property
    def ttl(self):
        return int(self.config.get('ttl') or 60)

    @property
    def timeout(self):
        return float(self.config.get('timeout') or 60)

    def find_zone(self, record_name):
        """The ``Zone`` (name, provider id) that holds ``record_name``; asked once per name."""
        if record_name not in self._zones:
            self._zones[record_name] = self._find_zone(record_name)
        return self._zones[record_name]

    def _find_zone(self, record_name):
        raise NotImplementedError

    def given_zone(self, record_name):
        """``dns01.zone`` as a ``Zone`` without id, after checking that it holds the name; None when not set."""
        zone = self.config.get('zone')
        if not zone:
            return None
        if not is_subdomain(record_name, zone):
            raise AcmeInputError('%s is not in dns01.zone %s' % (record_name, zone))
        return Zone(normalize_name(zone), None)

    def add_txt(self, record_name, values):
        raise NotImplementedError

    def remove_txt(self, record_name, values):
        raise NotImplementedError


def _clean_secret(option, value):
    """A secret as pasted or read from a file: surrounding white space (a trailing newline) goes; a control
    character or a line break inside it is an error here, not an HTTP library's exception quoting the value."""
    value = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise AcmeInputError('dns01.%s contains a line break or another control character; give the secret alone'
                             % option)
    return value
