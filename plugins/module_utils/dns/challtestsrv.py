# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pebble-challtestsrv's management API: the DNS of the local test CA (tests and the demo)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible.module_utils.urls import open_url

from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProvider, DnsProviderError, Zone


class ChalltestsrvProvider(DnsProvider):
    name = 'challtestsrv'
    options = dict(management_url=dict(type='str'))
    public_dns = False
    proxy_refusal = 'the test server\'s management API is always reached directly'

    def _post(self, endpoint, payload):
        url = (self.config.get('management_url') or 'http://127.0.0.1:8055').rstrip('/') + endpoint
        try:
            open_url(url, data=json.dumps(payload), method='POST', timeout=10, use_proxy=False,
                     headers={'Content-Type': 'application/json'})
        except Exception as exc:  # pylint: disable=broad-except
            raise DnsProviderError('challtestsrv at %s refused %s: %s' % (url, endpoint, exc))

    def _find_zone(self, record_name):
        return Zone('.', None)  # challtestsrv answers for every name itself

    def add_txt(self, record_name, values):
        for value in values:
            self._post('/set-txt', {'host': record_name + '.', 'value': value})
        return list(values)

    def remove_txt(self, record_name, values):
        # challtestsrv only clears a whole name; the test CA's names are ours alone.
        self._post('/clear-txt', {'host': record_name + '.'})
