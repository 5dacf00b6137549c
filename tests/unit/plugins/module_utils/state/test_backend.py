# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError, StateError
from ansible_collections.sslclm.acme.plugins.module_utils.state import backend
from ansible_collections.sslclm.acme.plugins.module_utils.state.keys import certificate_id


class Ident:
    def __init__(self, value):
        self.type, self.value = 'dns', value


@pytest.fixture
def local_params(tmp_path):
    return {'ledger_path': str(tmp_path / 'ledger.sqlite'), 'state_dir': str(tmp_path / 'state')}


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for name in (backend.STATE_URL_ENV, backend.STATE_KEY_ENV, 'JOB_ID', 'AWX_HOST', 'TOWER_HOST', 'AWX_PRIVATE_DATA_DIR'):
        monkeypatch.delenv(name, raising=False)


def test_default_is_the_local_state_without_warning(local_params):
    state = backend.open_state(local_params)
    assert state.describe()['backend'] == 'sqlite'
    assert state.warnings == []


def test_awx_job_on_the_local_state_is_warned(local_params, monkeypatch):
    monkeypatch.setenv('JOB_ID', '42')
    monkeypatch.setenv('AWX_HOST', 'https://awx.example')
    state = backend.open_state(local_params)
    assert any('embedded SQLite state' in w for w in state.warnings)


def test_a_job_id_alone_is_not_awx(local_params, monkeypatch):
    monkeypatch.setenv('JOB_ID', '42')
    assert backend.open_state(local_params).warnings == []


def test_only_postgresql_urls(local_params):
    with pytest.raises(StateError, match='postgresql://'):
        backend.open_state(dict(local_params, state_url='mysql://x@y/z'))


def test_unreachable_database_fails_closed_without_the_password(local_params, monkeypatch):
    monkeypatch.setattr('ansible_collections.sslclm.acme.plugins.module_utils.state.postgresql.CONNECT_TIMEOUT', 2)
    url = 'postgresql://user:hunter2secret@127.0.0.1:9/db'
    with pytest.raises(StateError) as caught:
        backend.open_state(dict(local_params, state_url=url))
    assert 'cannot be reached' in caught.value.msg
    assert 'hunter2secret' not in caught.value.msg + (caught.value.hint or '')


def test_degraded_runs_locally_with_a_warning(local_params, monkeypatch):
    monkeypatch.setattr('ansible_collections.sslclm.acme.plugins.module_utils.state.postgresql.CONNECT_TIMEOUT', 2)
    state = backend.open_state(dict(local_params, state_url='postgresql://u:p@127.0.0.1:9/db', state_degraded=True))
    assert state.describe()['backend'] == 'sqlite'
    assert any('state_degraded' in w for w in state.warnings)


def test_certificate_id_ignores_the_order_of_identifiers():
    first = certificate_id('https://ca/acct/1', [Ident('a.example'), Ident('b.example')])
    assert first == certificate_id('https://ca/acct/1', [Ident('b.example'), Ident('a.example')])
    assert first != certificate_id('https://ca/acct/2', [Ident('a.example'), Ident('b.example')])


def test_forgetting_a_retired_name_drops_its_orders_in_flight_only(local_params):
    state = backend.open_state(local_params)
    OLD, WWW = [Ident('old.example.test')], [Ident('www.example.test')]
    state.records.save('https://ca/acct/1', OLD, {'order_url': 'https://ca/o/1', 'name': 'old'})
    state.records.save('https://ca/acct/1', WWW, {'order_url': 'https://ca/o/2', 'name': 'www'})
    assert state.forget_certificate('old', check_mode=True) == {'orders': 1, 'pending': 0}
    assert state.records.load('https://ca/acct/1', OLD) is not None
    assert state.forget_certificate('old') == {'orders': 1, 'pending': 0}
    assert state.records.load('https://ca/acct/1', OLD) is None
    assert state.records.load('https://ca/acct/1', WWW) is not None
    assert state.forget_certificate('old') == {'orders': 0, 'pending': 0}


def test_forgetting_by_name_and_identifiers_spares_the_same_name_for_other_names(local_params):
    """A state shared by inventories: retiring www (www.a.test) must not drop another inventory's www (www.b.test).
    Orders recorded before identifiers were kept still match by name."""
    state = backend.open_state(local_params)
    A, B, OLD = [Ident('www.a.test')], [Ident('www.b.test')], [Ident('www.old.test')]
    state.records.save('https://ca/acct/1', A, {'order_url': 'https://ca/o/1', 'name': 'www', 'identifiers': ['www.a.test']})
    state.records.save('https://ca/acct/2', B, {'order_url': 'https://ca/o/2', 'name': 'www', 'identifiers': ['www.b.test']})
    state.records.save('https://ca/acct/1', OLD, {'order_url': 'https://ca/o/3', 'name': 'www'})  # before identifiers
    assert state.forget_certificate('www', ['WWW.A.test'], check_mode=True) == {'orders': 2, 'pending': 0}
    assert state.forget_certificate('www', ['www.a.test']) == {'orders': 2, 'pending': 0}
    assert state.records.load('https://ca/acct/1', A) is None and state.records.load('https://ca/acct/1', OLD) is None
    assert state.records.load('https://ca/acct/2', B) is not None


def test_forget_items_are_names_or_retired_entries():
    from ansible_collections.sslclm.acme.plugins.module_utils.state.admin import _forget_targets
    retired = {'name': 'www', 'identifiers': ['www.a.test'], 'hosts': ['web1'], 'certificates': []}
    assert _forget_targets(['old', retired]) == [('old', None), ('www', ['www.a.test'])]
    with pytest.raises(AcmeInputError):
        _forget_targets([{'identifiers': ['x.test']}])
