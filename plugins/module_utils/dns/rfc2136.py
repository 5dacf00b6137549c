# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 2136 dynamic updates (BIND, Knot, PowerDNS, Windows DNS …) signed with TSIG (RFC 8945), via dnspython."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProvider, DnsProviderError, Zone
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lookup import (
    DnsLookup,
    parse_servers,
    query,
    rcode_text,
    require_dnspython,
    server_label,
    txt_values,
)
from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import (
    missing_values,
    quote_txt,
    relative_name,
)

try:
    import dns.exception
    import dns.query
    import dns.tsig
    import dns.update
except ImportError:  # reported by require_dnspython()
    pass

TSIG_ALGORITHMS = ['hmac-md5', 'hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512']

# What an update's response code means for the user (RFC 2136 §2.2, RFC 8945 §5.3).
RCODE_HINTS = {
    'REFUSED': 'the server does not allow this update: it was unsigned, or the key may not change TXT records at '
               'this name (update-policy / allow-update)',
    'NOTAUTH': 'the server is not authoritative (a primary) for the zone, or it rejected the TSIG signature',
    'NOTZONE': 'the name is outside the zone given in dns01.zone',
    'SERVFAIL': 'the server failed while applying the update; see its log',
}


class Rfc2136Provider(DnsProvider):
    name = 'rfc2136'
    proxy_refusal = 'RFC 2136 updates are DNS messages to the primary server, not HTTP'
    options = dict(
        server=dict(type='str'),
        port=dict(type='int'),
        protocol=dict(type='str', choices=['tcp', 'udp'], default='tcp'),
        key_name=dict(type='str', no_log=False),
        key_algorithm=dict(type='str', choices=TSIG_ALGORITHMS, default='hmac-sha256', no_log=False),
        key_secret=dict(type='str', no_log=True),
    )
    required = ('server',)

    def __init__(self, options):
        super(Rfc2136Provider, self).__init__(options)
        config = self.config
        try:
            require_dnspython()
            self.server = parse_servers([config['server']])[0]
        except LookupFailed as exc:
            raise AcmeInputError('dns01 provider rfc2136: %s' % exc)
        self.server = (self.server[0], int(config.get('port') or self.server[1]))
        self.label = server_label(self.server)
        self.keyring = None
        if config.get('key_name') or config.get('key_secret'):
            if not (config.get('key_name') and config.get('key_secret')):
                raise AcmeInputError('dns01.key_name and dns01.key_secret go together (a TSIG key has both)')
            try:
                base64.b64decode(config['key_secret'], validate=True)
            except (binascii.Error, ValueError):
                raise AcmeInputError('dns01.key_secret must be the base64 secret of the TSIG key (as tsig-keygen prints it)')
            self.keyring = dns.tsig.Key(config['key_name'], config['key_secret'], config.get('key_algorithm') or 'hmac-sha256')

    def _find_zone(self, record_name):
        zone = self.given_zone(record_name)
        if zone:
            return zone
        try:
            return Zone(DnsLookup([self.label], timeout=self.timeout, recursion=False).zone_of(record_name), None)
        except LookupFailed as exc:
            raise DnsProviderError('Cannot find the zone of %s on %s: %s' % (record_name, self.label, exc),
                                   hint='Set dns01.zone')

    def _current(self, record_name):
        try:
            return txt_values(query(self.server, record_name, 'TXT', timeout=self.timeout, recursion=False), record_name)
        except LookupFailed as exc:
            raise DnsProviderError('Cannot read TXT %s from %s: %s' % (record_name, self.label, exc))

    def _send(self, zone, record_name, action, values):
        update = dns.update.UpdateMessage(zone.name, keyring=self.keyring)
        name = relative_name(record_name, zone.name)
        for value in values:
            if action == 'add':
                update.add(name, self.ttl, 'TXT', quote_txt(value))
            else:
                update.delete(name, 'TXT', quote_txt(value))
        what = '%s TXT %s in zone %s at %s' % ('adding' if action == 'add' else 'removing', record_name, zone.name, self.label)
        try:
            if self.config.get('protocol') == 'udp':
                response = dns.query.udp(update, self.server[0], timeout=self.timeout, port=self.server[1])
            else:
                response = dns.query.tcp(update, self.server[0], timeout=self.timeout, port=self.server[1])
        except dns.tsig.PeerError as exc:
            raise DnsProviderError('RFC2136 %s failed: the server rejected the TSIG key %s: %s' % (
                what, self.config.get('key_name'), exc), hint='Check dns01.key_name, dns01.key_algorithm and dns01.key_secret')
        except dns.exception.Timeout:
            raise DnsProviderError('RFC2136 %s failed: no answer within %ss' % (what, self.timeout))
        except (dns.exception.DNSException, OSError, EOFError) as exc:
            raise DnsProviderError('RFC2136 %s failed: %s' % (what, str(exc) or type(exc).__name__))
        rcode = rcode_text(response)
        if rcode != 'NOERROR':
            signed = 'signed with key %s' % self.config['key_name'] if self.keyring else 'unsigned (no dns01.key_name)'
            raise DnsProviderError('RFC2136 %s failed: the server answered %s to the update (%s): %s' % (
                what, rcode, signed, RCODE_HINTS.get(rcode, 'see the server log')))

    def add_txt(self, record_name, values):
        zone = self.find_zone(record_name)
        added = missing_values(self._current(record_name), values)
        if added:
            self._send(zone, record_name, 'add', added)
        return added

    def remove_txt(self, record_name, values):
        if values:
            self._send(self.find_zone(record_name), record_name, 'delete', values)
