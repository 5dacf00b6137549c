# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACME accounts (RFC 8555 §7.3): find, create (with EAB), update contacts,
deactivate, and key rollover (§7.3.5, which the ``acme`` library does not offer).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible_collections.sslclm.acme.plugins.module_utils.acme import jws
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.responses import json_object

# acme's jws and messages are imported by the two operations that sign with them: a converge run
# answered from the lookup cache never loads the acme library.

EAB_ALGORITHMS = ('HS256', 'HS384', 'HS512')
_EMAIL = re.compile(r'^[^@\s:,<>]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$')


def normalize_contacts(contacts):
    """``admin@example.com`` or ``mailto:admin@example.com`` → ``mailto:`` URIs, validated."""
    result = []
    for contact in contacts or []:
        contact = (contact or '').strip()
        address = contact[len('mailto:'):] if contact.lower().startswith('mailto:') else contact
        if not _EMAIL.match(address):
            raise AcmeInputError('contact %r is not an email address' % contact)
        uri = 'mailto:' + address
        if uri not in result:
            result.append(uri)
    return result


class Account:
    """What the CA tells us about an account."""

    def __init__(self, uri, document):
        self.uri = uri
        self.document = document or {}

    @property
    def status(self):
        return self.document.get('status', 'valid')

    @property
    def contacts(self):
        return list(self.document.get('contact') or [])


class AccountClient:
    """Account operations over one ``AcmeSession`` whose key is the account key."""

    def __init__(self, session):
        if session.account_key is None:
            raise AcmeError('An account key is required for account operations')
        self.session = session

    def find(self):
        """The account registered to the session's key, or None (``onlyReturnExisting``)."""
        self.session.use_account(None)
        try:
            response = self.session.post(self.session.url('newAccount'), {'onlyReturnExisting': True})
        except AcmeProblem as problem:
            if problem.code == 'accountDoesNotExist':
                return None
            if problem.code == 'unauthorized' and 'deactivated' in problem.detail.lower():
                return Account(None, {'status': 'deactivated'})
            raise problem.with_context('Looking up the account failed')
        account = Account(response.headers.get('Location'), (json_object(response) or {}))
        self.session.use_account(account.uri)
        return account

    def create(self, contacts, terms_agreed, eab=None):
        """Register a new account; ``eab`` is (kid, hmac_key, alg) or None."""
        self.session.use_account(None)
        payload = {'termsOfServiceAgreed': bool(terms_agreed)}
        if contacts:
            payload['contact'] = list(contacts)
        if eab:
            payload['externalAccountBinding'] = self._eab_jws(*eab)
        try:
            response = self.session.post(self.session.url('newAccount'), payload)
        except AcmeProblem as problem:
            raise problem.with_context('Creating the account failed')
        account = Account(response.headers.get('Location'), (json_object(response) or {}))
        self.session.use_account(account.uri)
        return account

    def update_contacts(self, account, contacts):
        return self._update(account, {'contact': list(contacts)}, 'Updating the account contacts failed')

    def deactivate(self, account):
        return self._update(account, {'status': 'deactivated'}, 'Deactivating the account failed')

    def _update(self, account, payload, context):
        self.session.use_account(account.uri)
        try:
            response = self.session.post(account.uri, payload)
        except AcmeProblem as problem:
            raise problem.with_context(context)
        return Account(account.uri, (json_object(response) or {}))

    def rollover(self, account, new_key):
        """Replace the account key by ``new_key`` (an ``AccountKey``); RFC 8555 §7.3.5.

        The inner JWS is signed by the new key and names the old one; the outer JWS is
        an ordinary request signed by the current key.
        """
        url = self.session.url('keyChange')
        inner_payload = json.dumps({
            'account': account.uri,
            'oldKey': self.session.account_key.public_jwk,
        }).encode('utf-8')
        inner = jws.sign(inner_payload, new_key.jwk, new_key.alg, url)
        self.session.use_account(account.uri)
        try:
            self.session.post(url, json.loads(inner))
        except AcmeProblem as problem:
            raise problem.with_context('Rolling the account key over failed')

    def _eab_jws(self, kid, hmac_key, alg):
        if alg not in EAB_ALGORITHMS:
            raise AcmeInputError('eab_alg must be one of %s' % ', '.join(EAB_ALGORITHMS))
        from acme import messages as acme_messages  # pylint: disable=import-outside-toplevel
        try:
            return acme_messages.ExternalAccountBinding.from_data(
                self.session.account_key.jwk.public_key(), kid, hmac_key, self.session.directory, hmac_alg=alg)
        except (ValueError, TypeError):
            # The library's message could echo the key: keep it out of results.
            raise AcmeInputError('eab_hmac_key is not a base64url-encoded key')
