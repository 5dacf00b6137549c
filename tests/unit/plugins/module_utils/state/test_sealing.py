# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError
from ansible_collections.sslclm.acme.plugins.module_utils.state import sealing
from ansible_collections.sslclm.acme.plugins.module_utils.state.sealing import Sealer

SALT = b'0123456789abcdef'
KEY_PEM = b'-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n'


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(sealing, 'SCRYPT_N', 2 ** 10)


def test_sealed_value_holds_no_plaintext_and_opens_with_the_same_key():
    sealed = Sealer('secret', SALT).seal('order key', 'id1', KEY_PEM)
    assert KEY_PEM[30:60] not in sealed
    assert b'MIGHAgEA' not in sealed
    assert Sealer('secret', SALT).open('order key', 'id1', sealed) == KEY_PEM


def test_each_seal_has_its_own_nonce():
    sealer = Sealer('secret', SALT)
    assert sealer.seal('order key', 'id1', KEY_PEM) != sealer.seal('order key', 'id1', KEY_PEM)


@pytest.mark.parametrize('kind, identity', [('order key', 'id2'), ('certificate key', 'id1')])
def test_a_value_moved_to_another_row_does_not_open(kind, identity):
    sealer = Sealer('secret', SALT)
    sealed = sealer.seal('order key', 'id1', KEY_PEM)
    with pytest.raises(StateError, match='does not open'):
        sealer.open(kind, identity, sealed)


def test_wrong_key_and_other_salt_are_refused():
    sealed = Sealer('secret', SALT).seal('order key', 'id1', KEY_PEM)
    for sealer in (Sealer('other', SALT), Sealer('secret', b'fedcba9876543210')):
        with pytest.raises(StateError, match='does not open'):
            sealer.open('order key', 'id1', sealed)


def test_check_value_finds_a_wrong_key_before_anything_is_used():
    check = Sealer('secret', SALT).check_value()
    Sealer('secret', SALT).verify(check)
    with pytest.raises(StateError, match='not the key this shared state was sealed with'):
        Sealer('wrong', SALT).verify(check)


def test_unknown_format_and_empty_key():
    with pytest.raises(StateError, match='unknown format'):
        Sealer('secret', SALT).open('order key', 'id1', b'\x02' + b'\x00' * 40)
    with pytest.raises(StateError, match='empty'):
        Sealer('', SALT)
