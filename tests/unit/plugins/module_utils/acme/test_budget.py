# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sqlite3

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import (
    DAY,
    backoff_violations,
    check_request,
    registered_domain,
)
from ansible_collections.sslclm.acme.plugins.module_utils.ledger import MIGRATIONS, Ledger

NOW = 1_800_000_000.0
LE = {'certificates_per_registered_domain': 50, 'duplicate_certificates': 5,
      'failed_validations_per_hour': 5, 'new_orders_per_3_hours': 300}
DIR = 'https://ca.test/dir'
ACCOUNT = 'https://ca.test/acct/1'


@pytest.fixture
def ledger(tmp_path):
    db = Ledger(str(tmp_path / 'ledger.sqlite'), clock=lambda: NOW)
    yield db
    db.close()


def view_of(ledger):
    return lambda kind, since, account=None: ledger.events(kind, DIR, since=since, account=account)


def request(identifiers, replaces=False):
    return {'identifiers': identifiers, 'registered_domains': sorted(set(registered_domain(i) for i in identifiers)),
            'account': ACCOUNT, 'replaces': replaces}


def issue(ledger, identifiers, ts, replaces=False):
    ledger.record('certificate', DIR, account=ACCOUNT, identifiers=identifiers,
                  registered_domains=[registered_domain(i) for i in identifiers], replaces=replaces, ts=ts)


@pytest.mark.parametrize('name, domain', [
    ('www.example.co.uk', 'example.co.uk'),
    ('*.shop.example.com', 'example.com'),
    ('user.github.io', 'user.github.io'),
    ('192.0.2.1', None),
    ('2001:db8::1', None),
])
def test_registered_domain_uses_the_public_suffix_list(name, domain):
    assert registered_domain(name) == domain


def test_domain_budget_counts_seven_days_and_says_when_it_frees(ledger):
    limits = dict(LE, certificates_per_registered_domain=2)
    issue(ledger, ['a.example.com'], NOW - 8 * DAY)      # outside the window
    issue(ledger, ['b.example.com'], NOW - 3 * DAY)
    issue(ledger, ['c.example.com'], NOW - 1 * DAY)
    issue(ledger, ['d.example.org'], NOW - 1 * DAY)      # another domain
    violations = check_request(view_of(ledger), request(['e.example.com']), limits, NOW)
    assert [v['limit'] for v in violations] == ['certificates_per_registered_domain']
    assert violations[0]['count'] == 2 and violations[0]['scope'] == 'example.com'
    assert violations[0]['frees_at'] == '2027-01-19T08:00:00Z'  # oldest in window (NOW - 3d) + 7d
    assert check_request(view_of(ledger), request(['e.example.net']), limits, NOW) == []


def test_duplicates_are_per_exact_identifier_set(ledger):
    for day in range(5):
        issue(ledger, ['example.com', 'www.example.com'], NOW - day * DAY - 60)
    violations = check_request(view_of(ledger), request(['www.example.com', 'example.com']), LE, NOW)
    assert [v['limit'] for v in violations] == ['duplicate_certificates']
    assert check_request(view_of(ledger), request(['example.com']), LE, NOW) == []


def test_ari_replacements_are_exempt_and_not_counted(ledger):
    limits = dict(LE, certificates_per_registered_domain=1)
    issue(ledger, ['x.example.com'], NOW - 60, replaces=True)
    assert check_request(view_of(ledger), request(['y.example.com']), limits, NOW) == []
    issue(ledger, ['y.example.com'], NOW - 30)
    assert check_request(view_of(ledger), request(['z.example.com']), limits, NOW) != []
    assert check_request(view_of(ledger), request(['z.example.com'], replaces=True), limits, NOW) == []


def test_orders_per_account_and_failed_validations(ledger):
    limits = dict(LE, new_orders_per_3_hours=2, failed_validations_per_hour=2)
    for minutes in (10, 20, 300):
        ledger.record('order', DIR, account=ACCOUNT, identifiers=['o.example.com'], ts=NOW - minutes * 60)
    for minutes in (5, 15):
        ledger.record('validation_failure', DIR, account=ACCOUNT, identifiers=['bad.example.com'], ts=NOW - minutes * 60)
    found = {v['limit']: v for v in check_request(view_of(ledger), request(['bad.example.com']), limits, NOW)}
    assert set(found) == {'new_orders_per_3_hours', 'failed_validations_per_hour'}
    assert found['new_orders_per_3_hours']['count'] == 2


def test_ca_retry_after_blocks_the_same_registered_domain_until_then(ledger):
    ledger.record('rate_limited', DIR, account=ACCOUNT, identifiers=['a.example.com'],
                  registered_domains=['example.com'], until=NOW + 600, detail='too many', ts=NOW - 10)
    violations = check_request(view_of(ledger), request(['b.example.com']), LE, NOW)
    assert [v['limit'] for v in violations] == ['ca_retry_after']
    assert check_request(view_of(ledger), request(['b.example.com']), LE, NOW + 601) == []
    assert check_request(view_of(ledger), request(['b.example.org']), LE, NOW) == []


@pytest.mark.parametrize('failures, wait', [(1, 60), (2, 600), (3, 6000), (4, DAY), (7, DAY)])
def test_backoff_schedule(ledger, failures, wait):
    last = NOW - 30
    for n in range(failures):
        ledger.record('validation_failure', DIR, account=ACCOUNT, identifiers=['gone.example.com'],
                      ts=last - (failures - 1 - n) * 5)
    blocked = backoff_violations(view_of(ledger), request(['gone.example.com']), NOW)
    assert blocked and blocked[0]['count'] == failures
    assert backoff_violations(view_of(ledger), request(['gone.example.com']), last + wait + 1) == []


def test_a_success_ends_the_backoff(ledger):
    ledger.record('validation_failure', DIR, account=ACCOUNT, identifiers=['x.example.com'], ts=NOW - 50)
    ledger.record('validation_success', DIR, account=ACCOUNT, identifiers=['x.example.com'], ts=NOW - 40)
    assert backoff_violations(view_of(ledger), request(['x.example.com']), NOW) == []


def test_ledger_schema_is_versioned_and_private(tmp_path):
    path = str(tmp_path / 'l.sqlite')
    Ledger(path).close()
    Ledger(path).close()  # reopening migrates nothing
    db = sqlite3.connect(path)
    assert db.execute('PRAGMA user_version').fetchone()[0] == len(MIGRATIONS)
    assert db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'
    db.execute('PRAGMA user_version = 99')
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match='newer than this collection knows'):
        Ledger(path)
    import os
    import stat
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
