# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare provider against the lab's API stand-in (tests/lab/cloudflare_fake.py), called in-process."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import json
import os
import sys
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlsplit

import pytest

pytest.importorskip('dns.message')

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'lab')
sys.path.insert(0, LAB)
import cloudflare_fake  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProviderError, Zone  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.cloudflare import (  # noqa: E402
    CloudflareProvider,
    api_errors,
)

TOKEN, READ_ONLY = 'e' * 40, 'r' * 40
NAME = '_acme-challenge.www.sub.example.com'


class Response:
    def __init__(self, status, body):
        self.status, self.body = status, body

    def getcode(self):
        return self.status

    def read(self):
        return self.body


class Api:
    """An ``open_url`` replacement that hands each request to the stand-in's request handling."""

    def __init__(self, max_per_page=5, fail_after=None):
        self.state = cloudflare_fake.State({'zones': ['example.com', 'sub.example.com', 'example.org'],
                                            'tokens': {TOKEN: 'edit', READ_ONLY: 'read'}, 'name_servers': ['ns.example.com'],
                                            'ns_address': '127.0.0.1', 'max_per_page': max_per_page})
        self.requests = []
        self.fail_after = fail_after  # number of POSTs that succeed before the API breaks

    def __call__(self, url, method='GET', headers=None, timeout=None, data=None):
        parts = urlsplit(url)
        self.requests.append((method, parts.path, parts.query))
        try:
            if method == 'POST' and self.fail_after is not None:
                if self.fail_after == 0:
                    raise cloudflare_fake.ApiError(500, (10001, 'service temporarily unavailable'))
                self.fail_after -= 1
            status, result, info = self.state.handle(method, parts.path, dict(parse_qsl(parts.query)),
                                                     (headers or {}).get('Authorization'), json.loads(data) if data else None)
            document = {'success': True, 'errors': [], 'messages': [], 'result': result}
            if info is not None:
                document['result_info'] = info
        except cloudflare_fake.ApiError as exc:
            body = json.dumps({'success': False, 'errors': exc.errors, 'messages': [], 'result': None}).encode()
            raise HTTPError(url, exc.status, 'error', {}, io.BytesIO(body))
        return Response(status, json.dumps(document).encode())

    def records(self, name=NAME):
        return sorted((r['name'], r['content']) for r in self.state.records.values() if r['name'] == name)

    def create(self, name, content, zone='sub.example.com'):
        zone_id = next(z['id'] for z in self.state.zones.values() if z['name'] == zone)
        return self.state.create(self.state.zones[zone_id], {'type': 'TXT', 'name': name, 'content': content, 'ttl': 60})


def provider(api, **options):
    return CloudflareProvider(dict({'api_token': TOKEN, 'api_url': 'https://api.test/client/v4'}, **options), opener=api)


def test_zone_is_the_longest_parent_name_the_token_sees():
    api = Api()
    zone = provider(api).find_zone(NAME)
    assert zone.name == 'sub.example.com'
    looked_up = [dict(parse_qsl(q))['name'] for m, p, q in api.requests if p.endswith('/zones')]
    assert looked_up == [NAME, 'www.sub.example.com', 'sub.example.com']


def test_zone_by_id_and_by_name():
    api = Api()
    zone_id = provider(api).find_zone('_acme-challenge.example.org').id
    assert provider(api, zone_id=zone_id).find_zone('_acme-challenge.example.org') == Zone('example.org', zone_id)
    assert provider(api, zone='example.com').find_zone(NAME).name == 'example.com'


def test_add_creates_one_quoted_record_per_new_value_and_remove_deletes_only_those():
    api = Api()
    foreign = api.create(NAME, '"foreign"')
    cloudflare = provider(api)
    assert cloudflare.add_txt(NAME, ['v1', 'v2']) == ['v1', 'v2']
    assert api.records() == [(NAME, '"foreign"'), (NAME, '"v1"'), (NAME, '"v2"')]
    cloudflare.remove_txt(NAME, ['v1', 'v2'])
    assert api.records() == [(NAME, '"foreign"')]
    assert foreign['id'] in api.state.records


def test_a_value_already_there_is_seen_through_pagination_and_never_deleted():
    api = Api(max_per_page=2)
    for index in range(5):
        api.create(NAME, '"f%d"' % index)
    leftover = api.create(NAME, '"v1"')   # on page 3 of 3
    cloudflare = provider(api)
    assert cloudflare.add_txt(NAME, ['v1', 'v2']) == ['v2']
    pages = [dict(parse_qsl(q)).get('page') for m, p, q in api.requests if p.endswith('/dns_records') and m == 'GET']
    assert pages == ['1', '2', '3']
    cloudflare.remove_txt(NAME, ['v2'])
    assert leftover['id'] in api.state.records
    assert len(api.records()) == 6


def test_unquoted_foreign_content_counts_as_the_same_value():
    api = Api()
    api.create(NAME, 'v1')
    assert provider(api).add_txt(NAME, ['v1']) == []


def test_a_failure_half_way_takes_back_what_was_created():
    api = Api(fail_after=1)
    with pytest.raises(DnsProviderError, match=r'POST .* failed \(HTTP 500\): 10001: service temporarily unavailable'):
        provider(api).add_txt(NAME, ['v1', 'v2'])
    assert api.records() == []


def test_api_errors_are_reported_verbatim():
    api = Api()
    with pytest.raises(DnsProviderError) as read_only:
        provider(api, api_token=READ_ONLY).add_txt(NAME, ['v1'])
    assert 'failed (HTTP 403): 10000: Authentication error' in read_only.value.msg
    with pytest.raises(DnsProviderError) as malformed:
        provider(api, api_token='short').find_zone(NAME)
    assert malformed.value.msg.endswith('(HTTP 400): 6003: Invalid request headers; 6111: Invalid format for Authorization header')
    with pytest.raises(DnsProviderError, match='7003: Could not route to /zones/nope, perhaps your object identifier is invalid'):
        provider(api, zone_id='nope').find_zone(NAME)
    with pytest.raises(DnsProviderError, match='No Cloudflare zone the API token can see holds _acme-challenge.example.net'):
        provider(api).find_zone('_acme-challenge.example.net')


def test_api_errors_formatting():
    assert api_errors({'errors': [{'code': 1, 'message': 'a', 'error_chain': [{'code': 2, 'message': 'b'}]}, 'plain']}) == \
        '1: a; 2: b; plain'
    assert api_errors(None) == ''


def test_an_answer_that_is_not_json_is_an_error():
    def opener(url, **kwargs):
        return Response(502, b'<html>Bad gateway</html>')
    with pytest.raises(DnsProviderError, match='answered HTTP 502 with a body that is not JSON'):
        provider(opener).find_zone(NAME)


def test_a_token_read_with_its_newline_is_stripped_and_never_quoted():
    """A token from a file lookup keeps its trailing newline; the header must not carry it, and no library
    exception that quotes the header ("Invalid header value b'Bearer ...'") may reach a message."""
    seen = []

    def opener(url, headers=None, **kwargs):
        seen.append(headers['Authorization'])
        raise ValueError('Invalid header value %r' % headers['Authorization'].encode())
    cloudflare = CloudflareProvider({'api_token': 'T0k3n-secret-value\n'}, opener=opener)
    with pytest.raises(DnsProviderError) as info:
        cloudflare.find_zone(NAME)
    assert seen == ['Bearer T0k3n-secret-value']
    assert 'T0k3n-secret-value' not in info.value.msg and '********' in info.value.msg


@pytest.mark.parametrize('token', ['abc\ndef', 'abc\x00def', 'abc\rdef'])
def test_a_token_with_a_control_character_inside_is_refused(token):
    with pytest.raises(AcmeInputError, match='dns01.api_token contains a line break') as info:
        CloudflareProvider({'api_token': token})
    assert 'abc' not in info.value.msg
