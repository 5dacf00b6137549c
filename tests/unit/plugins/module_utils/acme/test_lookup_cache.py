# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup cache (directory document, account of a key) in a real SQLite ledger."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import LookupCache
from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError
from ansible_collections.sslclm.acme.plugins.module_utils.state.sqlite import Ledger

DIR = 'https://ca.example/dir'
DOCUMENT = {'newNonce': DIR + '/nonce', 'newAccount': DIR + '/acct', 'meta': {'termsOfService': 'https://tos'}}


class Clock:
    def __init__(self):
        self.now = 1800000000.0

    def __call__(self):
        return self.now


class FakeSession:
    """Counts directory fetches the way AcmeSession does."""

    def __init__(self):
        self.directory_url = DIR
        self.fetches = 0
        self._directory = None

    @property
    def directory(self):
        if self._directory is None:
            self.fetches += 1
            self._directory = dict(DOCUMENT)
        return self._directory

    def use_directory(self, document):
        self._directory = dict(document)


def cache(tmp_path, clock, max_age=3600):
    return LookupCache(Ledger(str(tmp_path / 'ledger.sqlite'), clock=clock), max_age)


def test_directory_is_fetched_once_then_read_until_it_is_too_old(tmp_path):
    clock = Clock()
    first, second, third = FakeSession(), FakeSession(), FakeSession()
    cache(tmp_path, clock).load_directory(first)
    cache(tmp_path, clock).load_directory(second)
    assert (first.fetches, second.fetches) == (1, 0)
    assert second.directory == DOCUMENT
    clock.now += 3601
    cache(tmp_path, clock).load_directory(third)
    assert third.fetches == 1


def test_a_cached_directory_without_the_profile_asked_for_is_fetched_again(tmp_path):
    clock = Clock()
    cache(tmp_path, clock).load_directory(FakeSession())  # cached: no profiles
    offered, unknown = FakeSession(), FakeSession()
    cache(tmp_path, clock).load_directory(offered, expect_profile='shortlived')
    assert offered.fetches == 1  # the CA may have added the profile since: asked again, and remembered
    cache(tmp_path, clock).load_directory(unknown)
    assert unknown.fetches == 0


def test_max_age_zero_always_asks_the_ca(tmp_path):
    clock = Clock()
    cache(tmp_path, clock).load_directory(FakeSession())
    session = FakeSession()
    cache(tmp_path, clock, max_age=0).load_directory(session)
    assert session.fetches == 1
    assert cache(tmp_path, clock, max_age=0).account(DIR, 'T' * 43) is None


def test_the_newest_answer_about_a_key_wins(tmp_path):
    clock = Clock()
    store = cache(tmp_path, clock)
    store.remember_account(DIR, 'old', DIR + '/acct/1', 'valid', ['mailto:b@x', 'mailto:a@x'], False)
    assert store.account(DIR, 'old') == {'thumbprint': 'old', 'uri': DIR + '/acct/1', 'status': 'valid',
                                         'contact': ['mailto:a@x', 'mailto:b@x'], 'eab_bound': False, 'reach': ''}
    clock.now += 1
    store.remember_account(DIR, 'old', None, 'rolled over', [], False)
    store.remember_account(DIR, 'new', DIR + '/acct/1', 'valid', ['mailto:a@x'], True)
    assert store.account(DIR, 'old')['status'] == 'rolled over'
    assert store.account(DIR, 'new')['eab_bound'] is True
    assert store.account('https://other.example/dir', 'new') is None


def test_answers_count_only_for_the_same_way_of_reaching_the_ca(tmp_path):
    """A wrong ca_bundle must fail where it is given, not be answered from a cache filled with the right one."""
    clock = Clock()
    trusted = LookupCache(Ledger(str(tmp_path / 'l.sqlite'), clock=clock), reach='ca_bundle:aaaa')
    trusted.load_directory(FakeSession())
    trusted.remember_account(DIR, 'T' * 43, DIR + '/acct/1', 'valid', [], False)
    other = LookupCache(Ledger(str(tmp_path / 'l.sqlite'), clock=clock), reach='ca_bundle:bbbb')
    session = FakeSession()
    other.load_directory(session)
    assert session.fetches == 1 and other.account(DIR, 'T' * 43) is None
    assert trusted.account(DIR, 'T' * 43)['uri'] == DIR + '/acct/1'


def test_a_corrupt_ledger_is_a_clear_error(tmp_path):
    path = tmp_path / 'ledger.sqlite'
    path.write_bytes(b'this is not a database, it is a text file' * 100)
    with pytest.raises(StateError) as info:
        Ledger(str(path))
    message = info.value.to_result()['msg']
    assert str(path) in message and 'file is not a database' in message and 'Move the file aside' in message
