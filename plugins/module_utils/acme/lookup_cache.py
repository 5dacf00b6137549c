# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CA answers that rarely change, kept in the ledger for ``cache_max_age`` seconds.

The directory document and "which account does this key hold here" are the same on every
run of a schedule. certbot and lego keep the account locally and never ask again; here a
converge run with nothing due makes no request at all, and an answer older than the
maximum age (a day by default) is asked for again. Anything that changes the account goes
to the CA, and its outcome replaces the cached one. Answers are kept per ``reach`` (how the CA is
trusted: ``session.reach_key``), so changed TLS settings always go to the CA first.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import reach_key
from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import open_state, state_options

DIRECTORY_KIND = 'directory_cache'
ACCOUNT_KIND = 'account_cache'
DEFAULT_MAX_AGE = 86400


def lookup_cache_argument_spec():
    """Options of the cache and the state it lives in (doc fragments ``sslclm.acme.lookup_cache``, ``sslclm.acme.state``)."""
    spec = dict(cache_max_age=dict(type='int', default=DEFAULT_MAX_AGE), ledger_path=dict(type='path'))
    spec.update(state_options())
    return spec


def open_lookup_cache(params):
    return LookupCache(open_state(params).ledger(), params.get('cache_max_age', DEFAULT_MAX_AGE),
                       reach=reach_key(params))


class LookupCache:
    """Reads and writes through one ``Ledger``; ``max_age`` 0 reads nothing (writes still happen)."""

    def __init__(self, ledger, max_age=DEFAULT_MAX_AGE, reach=''):
        self.ledger = ledger
        self.max_age = max_age or 0
        self.reach = reach

    def _newest(self, kind, directory_url, match):
        if self.max_age <= 0:
            return None
        since = self.ledger.clock() - self.max_age
        for event in reversed(self.ledger.events(kind, directory_url, since=since)):
            data = event['data'] or {}
            if data.get('reach', '') == self.reach and match(data):
                return data
        return None

    def directory(self, directory_url):
        """The raw directory document fetched within ``max_age``, or None."""
        data = self._newest(DIRECTORY_KIND, directory_url, lambda data: isinstance(data.get('document'), dict))
        return data['document'] if data else None

    def remember_directory(self, directory_url, document):
        self.ledger.record(DIRECTORY_KIND, directory_url, data={'document': document, 'reach': self.reach})

    def load_directory(self, session, expect_profile=None):
        """Give ``session`` the cached directory document, or fetch it (one GET) and remember it.
        ``expect_profile``: a cached document that does not advertise this profile may predate it (a CA adds
        profiles), so it is fetched again before anyone is told the CA does not offer it."""
        document = self.directory(session.directory_url)
        if document is not None and not (expect_profile and expect_profile not in
                                         ((document.get('meta') or {}).get('profiles') or {})):
            session.use_directory(document)
        else:
            self.remember_directory(session.directory_url, session.directory)  # session.directory fetches it

    def account(self, directory_url, thumbprint):
        """``{uri, status, contact, eab_bound}`` of this key's account, looked up within ``max_age``, or None."""
        return self._newest(ACCOUNT_KIND, directory_url, lambda data: data.get('thumbprint') == thumbprint)

    def remember_account(self, directory_url, thumbprint, uri, status, contact, eab_bound):
        """What the CA said about the account of ``thumbprint`` (status ``absent`` when it has none)."""
        self.ledger.record(ACCOUNT_KIND, directory_url, account=uri, data={
            'thumbprint': thumbprint, 'uri': uri, 'status': status, 'contact': sorted(contact or []),
            'eab_bound': bool(eab_bound), 'reach': self.reach})
