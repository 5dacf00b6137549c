# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 8555 orders: create or resume, authorizations, challenge answers, finalize, download.

Requests are kept to the protocol's floor: nonces come from the previous answer,
authorizations already valid are skipped, polls start short and back off.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import re

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.responses import json_object
from ansible_collections.sslclm.acme.plugins.module_utils.acme.polling import Poller
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import load_certificates

try:
    from requests.utils import parse_header_links
except ImportError:  # reported by deps.ensure_deps()
    pass

FINAL_AUTHZ_STATES = ('valid', 'invalid', 'deactivated', 'expired', 'revoked')

HINTS = {
    'http-01': 'Make sure http://{name}/.well-known/acme-challenge/ reaches a responder on port 80 of every address '
               'the name resolves to (the token was not reachable or had the wrong content)',
    'dns-01': 'Make sure the TXT record {record} is visible on every authoritative nameserver of the zone',
    'tls-alpn-01': 'Make sure port 443 of every address {name} resolves to answers ALPN acme-tls/1 with the '
                   'challenge certificate (a wrong certificate was served)',
    'dns-persist-01': 'Make sure the TXT record {record} on every authoritative nameserver names this CA and account '
                      '(dns_persist_records shows the value), with policy=wildcard for a wildcard and an unexpired '
                      'persistUntil',
}


class AcmeValidationError(AcmeError):
    """The CA could not validate one or more identifiers."""

    def __init__(self, failures):
        self.failures = failures
        parts = []
        for f in failures:
            parts.append('%s (%s) failed: %s%s' % (
                f['identifier'], f['challenge'], f['detail'], ' [CA tried %s]' % f['tried'] if f.get('tried') else ''))
        hints = sorted(set(f['hint'] for f in failures if f.get('hint')))
        super(AcmeValidationError, self).__init__('Validation failed: ' + '; '.join(parts), hint=' '.join(hints) or None)

    def to_result(self):
        result = super(AcmeValidationError, self).to_result()
        result['validation_failures'] = self.failures
        return result


class OrderClient:
    """Order operations for one account session."""

    def __init__(self, session, poller=None):
        self.session = session
        self.poller = poller or Poller()

    def new_order(self, identifiers, profile=None, replaces=None):
        payload = {'identifiers': [i.to_acme() for i in identifiers]}
        if profile:
            payload['profile'] = profile
        if replaces:
            payload['replaces'] = replaces
        try:
            response = self.session.post(self.session.url('newOrder'), payload)
        except AcmeProblem as problem:
            raise problem.with_context('Creating the order for %s failed' % ', '.join(i.value for i in identifiers))
        order = (json_object(response) or {})
        order['url'] = response.headers.get('Location')
        return order

    def fetch(self, url):
        response = self.session.post_as_get(url)
        return (json_object(response) or {}), response

    def fetch_order(self, url):
        order = self.fetch(url)[0]
        order['url'] = url
        return order

    def authorizations(self, order):
        """[(url, document)] of the order's authorizations."""
        result = []
        for url in order.get('authorizations') or []:
            document = self.fetch(url)[0]
            result.append((url, document))
        return result

    def answer(self, challenge_url):
        # The body must be the JSON object {}: an empty payload is a POST-as-GET.
        self.session.post(challenge_url, {})

    def wait_for_authorizations(self, pending, timeout):
        """``pending`` is a list of dicts with authz_url, identifier, method, their challenges just answered;
        raises on any failure. The first look waits the time validation is expected to take; the
        authorizations after it were validated meanwhile, in parallel, and are looked at at once."""
        failures = []
        for index, item in enumerate(pending):
            document, finished = self.poller.until(
                lambda url=item['authz_url']: self.fetch(url),
                lambda doc: doc.get('status') in FINAL_AUTHZ_STATES, timeout, settle='authz' if index == 0 else None)
            if document.get('status') == 'valid':
                continue
            failures.append(self._failure(item, document, finished, timeout))
        if failures:
            raise AcmeValidationError(failures)

    @staticmethod
    def _failure(item, document, finished, timeout):
        challenge = next((c for c in document.get('challenges') or [] if c.get('type') == item['method']), {})
        error = challenge.get('error') or {}
        records = challenge.get('validationRecord') or []
        tried = None
        if records:
            record = records[-1]
            tried = record.get('url') or ('%s:%s' % (record.get('hostname'), record.get('port'))
                                          if record.get('port') else record.get('hostname'))
        if tried is None:
            # Pebble (and some CAs) keep no validation record for a failed fetch; the URL is in the detail.
            found = re.search(r'https?://[^\s"\']+', error.get('detail') or '')
            tried = found.group(0) if found else None
        if not finished:
            detail = 'still %s after %ss' % (document.get('status', 'pending'), timeout)
        else:
            detail = '%s%s' % (error.get('type', '').replace('urn:ietf:params:acme:error:', '') + ': '
                               if error.get('type') else '', error.get('detail') or 'status %s%s' % (
                                   document.get('status'), '' if error else ' (the CA gave no reason)'))
        return {
            'identifier': item['identifier'],
            'challenge': item['method'],
            'status': document.get('status'),
            'detail': detail,
            'tried': tried,
            'hint': HINTS[item['method']].format(name=item['identifier'], record=item.get('record_name', '')),
        }

    def finalize(self, order, csr_der, timeout):
        """Finalize ``order`` and wait for the certificate; → the valid order.

        The finalize request goes out on the order object held, without fetching it first: once its
        authorizations are valid it is normally ``ready``. A CA that does not see it ready yet answers
        ``orderNotReady`` (RFC 8555 §7.4): see ``_submit_csr``. An order already ``processing`` is
        waited for, a ``valid`` one returned as it is.
        """
        deadline = self.poller.clock() + timeout
        answer = None
        if order.get('status') in ('pending', 'ready'):
            order, answer = self._submit_csr(order, csr_der, deadline, timeout)
        finished = True
        if order.get('status') not in ('valid', 'invalid'):
            order, finished = self._poll_order(order['url'], ('valid', 'invalid'), deadline, started=answer)
        if order.get('status') != 'valid':
            raise AcmeError('The order %s is %s after finalization%s' % (
                order['url'], order.get('status'), '' if finished else ' (gave up after %ss)' % timeout))
        return order

    def _submit_csr(self, order, csr_der, deadline, timeout):
        """POST the CSR to the order's finalize URL → (order, the answer, or None when it was not sent).

        On ``orderNotReady`` the order is polled until it is ``ready`` (the CSR goes once more),
        ``processing`` or ``valid`` (finalized meanwhile: nothing to send), or ``invalid``.
        """
        payload = {'csr': base64.urlsafe_b64encode(csr_der).decode('ascii').rstrip('=')}
        retried = False
        while True:
            try:
                response = self.session.post(order['finalize'], payload)
            except AcmeProblem as problem:
                if problem.code != 'orderNotReady' or retried:
                    raise problem.with_context('Finalizing the order %s failed' % order['url'])
                retried = True
                order, finished = self._poll_order(order['url'], ('ready', 'processing', 'valid', 'invalid'), deadline)
                if order.get('status') in ('processing', 'valid'):
                    return order, None
                if order.get('status') != 'ready':
                    raise AcmeError('The order %s is %s, not ready to finalize%s (the CA answered orderNotReady: %s)'
                                    % (order['url'], order.get('status'), '' if finished else ' after %ss' % timeout,
                                       problem.detail))
                continue
            return dict((json_object(response) or {}), url=order['url']), response

    def _poll_order(self, url, states, deadline, started=None):
        """Poll the order until its status is one of ``states``. ``started``: the finalize answer, if one was
        just sent: the first look then waits the expected issuance time (or the answer's Retry-After)."""
        return self.poller.until(lambda: self._fetch_with_url(url), lambda doc: doc.get('status') in states,
                                 max(0.0, deadline - self.poller.clock()),
                                 settle='order' if started is not None else None, response=started)

    def _fetch_with_url(self, url):
        document, response = self.fetch(url)
        document['url'] = url
        return document, response

    def download(self, certificate_url):
        """All chains the CA offers: [(pem_text, [certs…])], the default first (RFC 8555 §7.4.2)."""
        response = self.session.post_as_get(certificate_url)
        chains = [response.text]
        for link in parse_header_links(response.headers.get('Link', '') or ''):
            if link.get('rel') == 'alternate' and link.get('url'):
                chains.append(self.session.post_as_get(link['url']).text)
        result = []
        for pem in chains:
            certs = load_certificates(pem)
            if not certs:
                raise AcmeError('The CA returned no certificate at %s' % certificate_url)
            result.append((pem, certs))
        return result
