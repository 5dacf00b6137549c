# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare DNS through the v4 REST API with an API token (permission Zone / DNS / Edit).

One TXT record per value. Records are deleted by the ids this run created, so a value
someone else published, even an equal one, is never touched.

Kept beside dns-lexicon's Cloudflare provider (``provider: lexicon``) because lexicon's has
api.cloudflare.com built in (no gateway, proxy or test API), lists every zone of the account
to find one (this one asks for the zone by name), deletes every record with our content rather
than the ids it created, and turns Cloudflare's error envelope into a bare HTTP status where
this one reports Cloudflare's codes and messages. It also needs no package beyond Ansible.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import ssl
from urllib.error import HTTPError
from urllib.parse import quote, unquote, urlencode, urlsplit
from urllib.request import BaseHandler, HTTPSHandler, ProxyHandler, Request, build_opener

from ansible.module_utils.urls import open_url

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProvider, DnsProviderError, Zone
from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import (
    is_subdomain,
    missing_values,
    normalize_name,
    quote_txt,
    unquote_txt,
    zone_candidates,
)

API_URL = 'https://api.cloudflare.com/client/v4'
PER_PAGE = {'zones': 50, 'dns_records': 100}
MAX_PAGES = 1000


def api_errors(document):
    """``'code: message'`` of each error (and its error_chain) of a Cloudflare response envelope, verbatim."""
    texts = []
    for error in (document or {}).get('errors') or []:
        if isinstance(error, dict):
            texts.append('%s: %s' % (error.get('code'), error.get('message')))
            texts.extend('%s: %s' % (sub.get('code'), sub.get('message')) for sub in error.get('error_chain') or [])
        else:
            texts.append(str(error))
    return '; '.join(texts)


def record_value(record):
    """The TXT value of a dns_records item (its content, with the quotes of character strings removed)."""
    return unquote_txt(record.get('content') or '')


class _ExplicitProxyHandler(BaseHandler):
    """Every request through the explicit ``dns01.proxy``: urllib's ProxyHandler would go direct for the hosts
    ``NO_PROXY`` names. HTTPS goes through a CONNECT tunnel, the Basic credentials in its headers only."""

    handler_order = 100  # before the HTTP(S) handlers, which then open the connection to the proxy

    def __init__(self, proxy):
        parts = urlsplit(proxy.url)
        self.hostport = proxy.address
        self.authorization = None
        if parts.username is not None:
            pair = '%s:%s' % (unquote(parts.username), unquote(parts.password or ''))
            self.authorization = 'Basic ' + base64.b64encode(pair.encode('utf-8')).decode('ascii')

    def _through_proxy(self, req):
        if self.authorization:
            req.add_header('Proxy-authorization', self.authorization)
        req.set_proxy(self.hostport, 'http')
        return None  # not opened here: the next handler connects to the proxy

    http_open = https_open = _through_proxy


def proxied_opener(proxy):
    """``open_url``'s calling convention, every request through ``proxy`` (CONNECT for HTTPS, Basic credentials
    from its URL), the system's trust store for the API's certificate. ``open_url`` itself only knows the
    environment's proxies. urllib speaks plain HTTP to a proxy: an ``https://`` proxy URL would send the
    credentials in clear, so it is refused."""
    if proxy.scheme != 'http':
        raise AcmeInputError('%s: the Cloudflare API is reached through an http:// proxy only (urllib does not speak TLS '
                             'to the proxy, so its credentials would cross the network in clear); got %s'
                             % (proxy.option, proxy.label))
    # ProxyHandler({}): no proxy from the environment besides ours
    opener = build_opener(ProxyHandler({}), _ExplicitProxyHandler(proxy), HTTPSHandler(context=ssl.create_default_context()))

    def open_through_proxy(url, method='GET', headers=None, timeout=None, data=None):
        body = data.encode('utf-8') if isinstance(data, str) else data
        return opener.open(Request(url, data=body, headers=dict(headers or {}), method=method), timeout=timeout)
    return open_through_proxy


class CloudflareProvider(DnsProvider):
    name = 'cloudflare'
    options = dict(
        api_token=dict(type='str', no_log=True),
        api_url=dict(type='str', default=API_URL),
    )
    required = ('api_token',)
    supports_proxy = True

    def __init__(self, options, opener=open_url):
        super(CloudflareProvider, self).__init__(options)
        self.base = (self.config.get('api_url') or API_URL).rstrip('/')
        self.opener = opener if self.proxy is None or opener is not open_url else proxied_opener(self.proxy)
        self.created = {}  # record name -> {value: record id} of the records this run created

    def _request(self, method, path, params=None, body=None):
        """The envelope of one API call; an error envelope (or an unusable answer) raises ``DnsProviderError``."""
        url = self.base + path + ('?' + urlencode(params) if params else '')
        what = 'Cloudflare API %s %s' % (method, path)
        headers = {'Authorization': 'Bearer %s' % self.config['api_token'], 'Accept': 'application/json'}
        if body is not None:
            headers['Content-Type'] = 'application/json'
        try:
            response = self.opener(url, method=method, headers=headers, timeout=self.timeout,
                                   data=json.dumps(body) if body is not None else None)
            status, raw = response.getcode(), response.read()
        except HTTPError as exc:
            status, raw = exc.code, exc.read() if exc.fp is not None else b''
        except Exception as exc:  # pylint: disable=broad-except  # open_url raises many types (URLError, ssl, socket)
            if self.proxy is not None:
                raise self.proxy.failure(str(exc), 'the Cloudflare API')
            raise DnsProviderError('%s failed: %s' % (what, self.scrub(exc)))
        try:
            document = json.loads(raw.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            document = None
        if self.proxy is not None and self.proxy.refused(status, isinstance(document, dict)):
            raise self.proxy.failure('HTTP %s' % status, 'the Cloudflare API')  # Cloudflare's errors are JSON
        if document is None:
            raise DnsProviderError('%s answered HTTP %s with a body that is not JSON%s'
                                   % (what, status, self.proxy.via() if self.proxy is not None else ''))
        if not isinstance(document, dict) or not document.get('success') or status >= 400:
            raise DnsProviderError('%s failed (HTTP %s): %s' % (what, status, api_errors(document) or 'no error given'))
        return document

    def _list(self, path, params):
        """Every item of a paginated list (``result_info.total_pages``)."""
        kind = path.rsplit('/', 1)[-1]
        items, page = [], 1
        while page <= MAX_PAGES:
            document = self._request('GET', path, dict(params, page=page, per_page=PER_PAGE.get(kind, 50)))
            items.extend(document.get('result') or [])
            info = document.get('result_info') or {}
            if page >= int(info.get('total_pages') or 1):
                return items
            page += 1
        raise DnsProviderError('Cloudflare API GET %s: more than %d pages' % (path, MAX_PAGES))

    def _find_zone(self, record_name):
        zone_id = self.config.get('zone_id')
        if zone_id:
            zone = self._request('GET', '/zones/%s' % quote(zone_id, safe=''))['result']
            if not is_subdomain(record_name, zone['name']):
                raise AcmeInputError('%s is not in the Cloudflare zone %s (%s)' % (record_name, zone_id, zone['name']))
            return Zone(normalize_name(zone['name']), zone['id'])
        candidates = [normalize_name(self.config['zone'])] if self.config.get('zone') else zone_candidates(record_name)
        for candidate in candidates:
            for zone in self._list('/zones', {'name': candidate}):
                if normalize_name(zone.get('name')) == candidate:
                    return Zone(candidate, zone['id'])
        raise DnsProviderError('No Cloudflare zone the API token can see holds %s (looked for %s)' % (
            record_name, ', '.join(candidates)), hint='The token needs Zone:Read and DNS:Edit on the zone')

    def _records(self, zone, record_name):
        return self._list('/zones/%s/dns_records' % zone.id, {'type': 'TXT', 'name': record_name})

    def add_txt(self, record_name, values):
        zone = self.find_zone(record_name)
        added = missing_values(self._records(zone, record_name), values, key=record_value)
        created = {}
        try:
            for value in added:
                record = self._request('POST', '/zones/%s/dns_records' % zone.id, body={
                    'type': 'TXT', 'name': record_name, 'content': quote_txt(value), 'ttl': self.ttl,
                    'comment': 'sslclm.acme DNS-01 challenge'})['result']
                created[value] = record['id']
        except AcmeError:
            self._delete(zone, created)  # all or nothing: take back what this call created
            raise
        self.created.setdefault(record_name, {}).update(created)
        return added

    def _delete(self, zone, created):
        errors = []
        for value, record_id in created.items():
            try:
                self._request('DELETE', '/zones/%s/dns_records/%s' % (zone.id, record_id))
            except DnsProviderError as exc:
                errors.append('%s (record %s): %s' % (value, record_id, exc.msg))
        return errors

    def remove_txt(self, record_name, values):
        mine = self.created.get(record_name, {})
        ours = dict((value, mine.pop(value)) for value in values if value in mine)
        errors = self._delete(self.find_zone(record_name), ours)
        if errors:
            raise DnsProviderError('Removing TXT %s from Cloudflare failed: %s' % (record_name, '; '.join(errors)))
