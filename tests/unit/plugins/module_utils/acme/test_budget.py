# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random
import sqlite3
import threading
import time

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme import budget, enroll_run
from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import (
    DAY,
    BudgetExceeded,
    backoff_violations,
    check_request,
    registered_domain,
)
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import parse_identifiers
from ansible_collections.sslclm.acme.plugins.module_utils.keys import AccountKey, generate_private_key, private_key_to_pem
from ansible_collections.sslclm.acme.plugins.module_utils.errors import StateError
from ansible_collections.sslclm.acme.plugins.module_utils.state.sqlite import MIGRATIONS, Ledger

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
    return ledger.view(DIR)


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


@pytest.mark.parametrize('name', [
    'a.b.xn--ciqpn.hk', 'www.xn--55qx5d.xn--j6w193g', 'a.xn--zf0ao64a.xn--j6w193g', 'x.y.xn--mgbaam7a8h',
    'a.b.xn--80ak6aa92e.com', 'shop.xn--fiqs8s', 'a.b.xn--ciqpn.xn--j6w193g', 'www.xn--bcher-kva.example.xn--p1ai',
    'a.b.xn--12c1fe0br.xn--o3cw4h', 'x.xn--fiqz9s', 'x.xn--', 'www.example.co.uk',
])
def test_internationalised_names_get_what_the_list_with_a_label_rules_gives(name):
    """The list is loaded with its rules as written (U-labels) and A-labels are decoded for the look-up: the same
    answer as the list that also holds every rule's A-label form (slower to load), its result as the name spells it."""
    publicsuffixlist = pytest.importorskip('publicsuffixlist')
    assert registered_domain(name) == publicsuffixlist.PublicSuffixList().privatesuffix(name)


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


class CountingView:
    """A ledger view that keeps the questions each ``tallies`` call asked."""

    def __init__(self, view):
        self.view, self.asked = view, []

    def tallies(self, questions):
        self.asked.append(questions)
        return self.view.tallies(questions)

    def __getattr__(self, name):
        return getattr(self.view, name)


def test_limits_no_window_can_reach_are_settled_without_counting_by_name(ledger):
    """One statement of index counts; the counts by name (which read every event of the window) only for a limit
    that the bound reaches - and a bound reached by other names' events is no violation."""
    for minutes in range(4):
        issue(ledger, ['n%d.example.org' % minutes], NOW - minutes * 60)
        ledger.record('order', DIR, account=ACCOUNT, identifiers=['n%d.example.org' % minutes], ts=NOW - minutes * 60)
    counting = CountingView(view_of(ledger))
    assert check_request(counting, request(['a.example.com']), LE, NOW) == []
    assert len(counting.asked) == 2 and counting.asked[1] == []  # the bound (4 certificates) is under every limit

    limits = dict(LE, certificates_per_registered_domain=4, duplicate_certificates=5)
    counting = CountingView(view_of(ledger))
    assert check_request(counting, request(['a.example.com']), limits, NOW) == []  # 4 in the window, none example.com
    assert [q[2].get('registered_domain') for q in counting.asked[1]] == ['example.com']  # only that limit counted
    assert check_request(view_of(ledger), request(['n9.example.org']), limits, NOW)[0]['count'] == 4

    # an order in flight is a certificate to be: it lifts the bound (3 certificates + 1 order in flight reach 4)
    ledger.execute("DELETE FROM events WHERE kind = 'certificate' AND identifiers = 'n0.example.org'", ())
    ledger.record('order', DIR, account=ACCOUNT, identifiers=['n8.example.org'],
                  registered_domains=['example.org'], ts=NOW - 1, until=NOW + 600)
    violations = check_request(view_of(ledger), request(['n9.example.org']), limits, NOW)
    assert [(v['limit'], v['count']) for v in violations] == [('certificates_per_registered_domain', 4)]


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
    with pytest.raises(StateError, match='newer than this collection knows'):
        Ledger(path)
    import os
    import stat
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_counts_match_whole_names_only(ledger):
    limits = dict(LE, certificates_per_registered_domain=1, duplicate_certificates=1, failed_validations_per_hour=1)
    issue(ledger, ['xa.myexample.com'], NOW - 60)  # neither a.example.com nor example.com
    ledger.record('validation_failure', DIR, account=ACCOUNT, identifiers=['xa.example.com'], ts=NOW - 60)
    assert check_request(view_of(ledger), request(['a.example.com']), limits, NOW) == []
    issue(ledger, ['a.example.com', 'b.example.com'], NOW - 60)
    found = {v['limit']: v for v in check_request(view_of(ledger), request(['a.example.com']), limits, NOW)}
    assert set(found) == {'certificates_per_registered_domain'}  # not a duplicate: another identifier set


def test_frees_at_is_when_the_count_drops_below_the_limit(ledger):
    rng = random.Random(9)
    stamps = [NOW - rng.uniform(0, 8 * DAY) for unused in range(40)]
    for ts in stamps:
        issue(ledger, ['d.example.com'], ts)
    in_window = sorted(ts for ts in stamps if ts >= NOW - 7 * DAY)
    for limit in (1, 5, len(in_window)):
        violation = check_request(view_of(ledger), request(['d.example.com']), dict(LE, duplicate_certificates=limit),
                                  NOW)[0]
        frees = in_window[len(in_window) - limit] + 7 * DAY
        assert violation['count'] == len(in_window)
        assert violation['frees_at'] == time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(frees))
        assert violation['message'].endswith('; capacity returns at %s' % violation['frees_at'])


def test_the_check_counts_in_sql_and_reads_no_rows(ledger, monkeypatch):
    for n in range(300):
        issue(ledger, ['h%d.example.com' % n], NOW - n * 60)
        ledger.record('order', DIR, account=ACCOUNT, identifiers=['h%d.example.com' % n], ts=NOW - n * 60)
        ledger.record('validation_success', DIR, account=ACCOUNT, identifiers=['h%d.example.com' % n], ts=NOW - n * 60)

    def no_rows(row):
        raise AssertionError('a row was read into Python: %r' % dict(row))
    monkeypatch.setattr(Ledger, '_row', staticmethod(no_rows))
    limits = dict(LE, certificates_per_registered_domain=1000)
    assert check_request(view_of(ledger), request(['new.example.com']), limits, NOW) == []
    assert backoff_violations(view_of(ledger), request(['new.example.com']), NOW) == []
    found = check_request(view_of(ledger), request(['new.example.com']), LE, NOW)
    assert [(v['limit'], v['count']) for v in found] == [('certificates_per_registered_domain', 300)]


def test_orders_in_flight_count_as_certificates_until_settled(ledger):
    limits = dict(LE, certificates_per_registered_domain=2, duplicate_certificates=1)
    order_id = ledger.record('order', DIR, account=ACCOUNT, identifiers=['a.example.com'],
                             registered_domains=['example.com'], until=NOW + 3600, ts=NOW - 10)
    ledger.record('order', DIR, account=ACCOUNT, identifiers=['b.example.com'], registered_domains=['example.com'],
                  until=NOW - 1, ts=NOW - 7200)  # lapsed
    ledger.record('order', DIR, account=ACCOUNT, identifiers=['c.example.com'], registered_domains=['example.com'],
                  until=NOW + 3600, replaces=True, ts=NOW - 10)  # ARI renewal: exempt
    found = {v['limit']: v for v in check_request(view_of(ledger), request(['a.example.com']), limits, NOW)}
    assert set(found) == {'duplicate_certificates'} and found['duplicate_certificates']['count'] == 1
    issue(ledger, ['d.example.com'], NOW - 5)
    found = {v['limit']: v for v in check_request(view_of(ledger), request(['e.example.com']), limits, NOW)}
    assert found['certificates_per_registered_domain']['count'] == 2
    ledger.update(order_id, detail='https://ca.test/order/7')
    ledger.settle_orders(DIR, 'https://ca.test/order/7')
    assert check_request(view_of(ledger), request(['a.example.com']), limits, NOW) == []


def test_a_limit_of_zero_allows_none(ledger):
    violation = check_request(view_of(ledger), request(['z.example.com']), dict(LE, duplicate_certificates=0), NOW)[0]
    assert violation['count'] == 0 and violation['frees_at'] is None
    assert violation['message'].endswith('; the limit allows none')


class Enrollment:
    def __init__(self, name):
        self.identifiers = parse_identifiers([name])
        self.name = name


def make_run(tmp_path, limits):
    pem = private_key_to_pem(generate_private_key('ec256'))
    thumbprint = AccountKey.from_pem(pem).thumbprint
    ca = {'name': 'test', 'policy': {'rate_limits': limits},
          'connector': {'directory': DIR, 'account_uri': ACCOUNT, 'key_thumbprint': thumbprint}}
    return enroll_run.EnrollRun({'ca': ca, 'account_key_content': pem, 'state_dir': str(tmp_path / 'state'),
                                 'ledger_path': str(tmp_path / 'ledger.sqlite')}, check_mode=False)


@pytest.mark.parametrize('runs', ['one run, 8 threads', 'a run per worker (as separate processes)'])
@pytest.mark.parametrize('limit, names', [
    ('certificates_per_registered_domain', ['w%d.example.com' % n for n in range(8)]),
    ('new_orders_per_3_hours', ['w.example%d.com' % n for n in range(8)]),
])
def test_concurrent_workers_never_exceed_a_budget(tmp_path, monkeypatch, runs, limit, names):
    limits = dict(LE, **{limit: 3})
    shared = make_run(tmp_path, limits)
    workers = [shared if runs.startswith('one') else make_run(tmp_path, limits) for unused in names]
    checked = budget.check_request

    def slow_check(*args):
        found = checked(*args)
        time.sleep(0.02)  # between the check and the record: where two unserialised workers would both pass
        return found
    monkeypatch.setattr(budget, 'check_request', slow_check)
    start = threading.Barrier(len(names))
    outcomes = []

    def worker(run, name):
        start.wait()
        try:
            outcomes.append(run.budget.reserve_order(Enrollment(name)) is not None)
        except BudgetExceeded as refused:
            assert [v['limit'] for v in refused.violations] == [limit]
            outcomes.append(False)
    threads = [threading.Thread(target=worker, args=pair) for pair in zip(workers, names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 5 + [True] * 3
    assert len(Ledger(str(tmp_path / 'ledger.sqlite')).events('order', DIR)) == 3


def test_the_workers_of_a_first_run_open_a_new_ledger_together(tmp_path):
    failures = []
    for round_ in range(150):
        path = str(tmp_path / ('new-%d.sqlite' % round_))
        start = threading.Barrier(8)

        def worker():
            start.wait()
            try:
                Ledger(path).record('order', DIR, account=ACCOUNT, identifiers=['a.example.com'])
            except sqlite3.Error as error:  # "database is locked" from PRAGMA journal_mode=WAL, before the fix
                failures.append(error)
        threads = [threading.Thread(target=worker) for unused in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(Ledger(path).events('order', DIR)) == 8


def test_several_counts_in_one_statement_match_the_single_counts(ledger):
    for n in range(6):
        issue(ledger, ['t%d.example.com' % n], NOW - n * DAY)
        ledger.record('order', DIR, account=ACCOUNT, identifiers=['t%d.example.com' % n],
                      registered_domains=['example.com'], ts=NOW - n * 3600)
    ledger.record('validation_failure', DIR, account=ACCOUNT, identifiers=['t1.example.com'], ts=NOW - 60)
    questions = [
        ('certificate', NOW - 7 * DAY, {'replaces': False, 'in_flight_at': NOW, 'registered_domain': 'example.com'}),
        ('certificate', NOW - 2.5 * DAY, {'identifier_set': ['t1.example.com']}),
        ('order', NOW - 3 * 3600, {'account': ACCOUNT, 'replaces': False}),
        ('validation_failure', NOW - 3600, {'account': ACCOUNT, 'identifier': 't1.example.com'}),
        ('validation_failure', NOW - 3600, {'account': ACCOUNT, 'identifier': 't2.example.com'}),
    ]
    view = view_of(ledger)
    assert view.tallies(questions) == [view.tally(kind, since, **filters)[0] for kind, since, filters in questions]
    assert view.tallies(questions) == [6, 1, 4, 1, 0]  # orders at 0, 1, 2 and 3 hours ago (the window includes its start)
    assert view.tallies([]) == []


def test_the_threads_of_a_process_share_one_write_lock_per_ledger_file(tmp_path):
    """SQLite's busy handler sleeps 1, 2, 5 ... ms between tries; the threads of one process hand writes over
    through a lock of their own instead, and only other processes wait in SQLite."""
    path = str(tmp_path / 'shared.sqlite')
    first, second, other = Ledger(path), Ledger(path), Ledger(str(tmp_path / 'other.sqlite'))
    assert first._writer is second._writer and first._writer is not other._writer  # pylint: disable=protected-access
    stop, errors = threading.Event(), []

    written = []

    def writer():
        try:
            ledger = Ledger(path)  # a connection per thread, as the state gives them
            while not stop.is_set():
                with ledger.transaction():
                    written.append(ledger.record('order', DIR, account=ACCOUNT, identifiers=['w.example.com']))
        except Exception as error:  # pylint: disable=broad-except
            errors.append(error)
    threads = [threading.Thread(target=writer) for unused in range(4)]
    for thread in threads:
        thread.start()
    for unused in range(50):  # autocommit writes of this thread between the others' transactions
        first.record('order', DIR, account=ACCOUNT, identifiers=['x.example.com'])
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == [] and written
    assert len(first.events('order', DIR)) == 50 + len(written)


def test_the_threads_of_a_run_share_one_connection_and_stay_out_of_each_others_transactions(tmp_path):
    """One connection for the run's threads: a thread's statements wait for another's transaction to end, so they
    neither see its uncommitted events nor are rolled back with it."""
    from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import LocalState
    state = LocalState({'ledger_path': str(tmp_path / 'ledger.sqlite'), 'state_dir': str(tmp_path / 'state')})
    opened, seen, ledgers = threading.Event(), [], []

    def transaction_that_fails():
        ledger = state.ledger()
        ledgers.append(ledger)
        try:
            with ledger.transaction():
                ledger.record('order', DIR, account=ACCOUNT, identifiers=['uncommitted.example.com'])
                opened.set()
                time.sleep(0.3)  # the others' statements come now
                raise RuntimeError('the order failed')
        except RuntimeError:
            pass

    def other_thread():
        opened.wait()
        ledger = state.ledger()
        ledgers.append(ledger)
        seen.append([e['identifiers'] for e in ledger.events('order', DIR)])
        ledger.record('order', DIR, account=ACCOUNT, identifiers=['committed.example.com'])

    threads = [threading.Thread(target=transaction_that_fails), threading.Thread(target=other_thread)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledgers[0] is ledgers[1]
    assert seen == [[]]  # not the uncommitted event of the other thread
    assert [e['identifiers'] for e in Ledger(str(tmp_path / 'ledger.sqlite')).events('order', DIR)] == \
        [['committed.example.com']]  # not rolled back with the failed transaction


def test_a_ledger_of_the_first_schema_gets_the_in_flight_index_and_keeps_its_events(tmp_path):
    path = str(tmp_path / 'old.sqlite')
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + 'PRAGMA user_version = 1;')
    db.execute("INSERT INTO events (ts, kind, directory, account, identifiers, registered_domains, until, detail) "
               "VALUES (?, 'order', ?, ?, 'a.example.com', 'example.com', ?, 'https://ca.test/order/1')",
               (NOW - 10, DIR, ACCOUNT, NOW + 3600))
    db.commit()
    db.close()
    ledger = Ledger(path, clock=lambda: NOW)
    assert ledger.db.execute('PRAGMA user_version').fetchone()[0] == len(MIGRATIONS) == 2
    plan = ' '.join(str(tuple(row)) for row in ledger.db.execute(
        "EXPLAIN QUERY PLAN UPDATE events SET until = NULL WHERE kind = 'order' AND directory = ? AND detail = ? "
        "AND until IS NOT NULL", (DIR, 'x')))
    assert 'events_in_flight' in plan  # settling an order reads the orders in flight only
    assert ledger.tally('certificate', DIR, NOW - 7 * DAY, in_flight_at=NOW, registered_domain='example.com')[0] == 1
    ledger.settle_orders(DIR, 'https://ca.test/order/1')
    assert ledger.tally('certificate', DIR, NOW - 7 * DAY, in_flight_at=NOW, registered_domain='example.com')[0] == 0
    assert len(ledger.events('order', DIR)) == 1
