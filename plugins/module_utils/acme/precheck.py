# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the self-checks of ``self_check.py`` for a set of pending challenges, as the task configured them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.self_check import (
    check_dns01,
    check_http01,
    check_tls_alpn01,
    wait_for,
)


class SelfChecker:
    def __init__(self, options, clock=time.monotonic):
        options = options or {}
        self.enabled = options.get('enabled', True) is not False
        self.nameservers = options.get('nameservers') or None
        self.http_port = int(options.get('http_port') or 80)
        self.tls_port = int(options.get('tls_port') or 443)
        self.timeout = float(options.get('timeout') or 60)
        self.clock = clock

    def _check_for(self, item):
        if item['method'] == 'http-01':
            return lambda: check_http01(item['identifier'], item['token'], item['key_authorization'],
                                        port=self.http_port, nameservers=self.nameservers)
        if item['method'] == 'dns-01':
            return lambda: check_dns01(item['record_name'], item['txt_value'], nameservers=self.nameservers)
        return lambda: check_tls_alpn01(item['identifier'], item['key_authorization'], port=self.tls_port,
                                        nameservers=self.nameservers)

    def verify(self, pending):
        """Wait (within one shared deadline) until every challenge is visible; raise naming those that are not."""
        if not self.enabled or not pending:
            return
        deadline = self.clock() + self.timeout
        failures = []
        for item in pending:
            result = wait_for(self._check_for(item), max(0.0, deadline - self.clock()))
            if not result.ok:
                failures.append('%s (%s): %s' % (item['identifier'], item['method'], result.detail))
        if failures:
            raise AcmeError(
                'Self-check failed before answering the CA: %s' % '; '.join(failures),
                hint='Nothing was sent to the CA for these challenges, so no failed validation counts against its '
                     'rate limits. Fix the publishing (web root, DNS, responder), or set self_check.enabled: false '
                     'if the CA can see what this controller cannot')
