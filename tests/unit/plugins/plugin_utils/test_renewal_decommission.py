# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retiring a certificate (``state: absent``): the plan's ``retired`` list, its checks, and its report entry, which the
report and the notifications accept without alerting on it."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.notify_message import select
from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import render_html, render_json, render_prometheus, summarise
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import outcome, plan, report_entries

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
DEPLOY = {'fullchain_path': '/etc/ssl/old.pem', 'private_key_path': '/etc/ssl/old.key'}


def entry(name='old', **extra):
    return dict({'name': name, 'identifiers': ['%s.example.test' % name], 'ca': 'le', 'deploy': DEPLOY}, **extra)


def host(certificates, served=None):
    """Host variables: its acme_certificates and what acme_discover found in its files ({name: PEM})."""
    return {'acme_certificates': certificates,
            'renewal_discovered': {'certificates': dict((k, {'pem': v}) for k, v in (served or {}).items())}}


def test_a_retired_certificate_is_planned_apart_with_what_its_hosts_serve(pki):
    leaf, unused = pki.leaf(('old.example.test',))
    chain = pki.pem(leaf) + pki.pem(pki.intermediate)
    hostvars = {
        'web1': host([entry(state='absent', revoke='cessationOfOperation'), entry('www')], {'old': pki.pem(leaf)}),
        'web2': host([entry(state='absent', revoke='cessationOfOperation')], {'old': chain}),  # same leaf, with chain
        'web3': host([entry(state='absent', revoke='cessationOfOperation')]),  # serves none
    }
    run = plan(hostvars, ['web1', 'web2', 'web3'], '/store/', cas={'le': {}})
    assert [c['name'] for c in run['certificates']] == ['www']
    assert run['cas'] == ['le']
    retired, = run['retired']
    assert retired['name'] == 'old' and retired['ca'] == 'le' and retired['hosts'] == ['web1', 'web2', 'web3']
    assert retired['revoke'] == 'cessationOfOperation'
    assert len(retired['certificates']) == 1 and pki.pem(leaf) in retired['certificates'][0]
    assert retired['store'] == ['/store/le/old.key', '/store/le/old.crt', '/store/le/old.chain.pem',
                                '/store/le/old.fullchain.pem']


def test_only_retired_certificates_enroll_nothing():
    run = plan({'web1': host([entry(state='absent')])}, ['web1'], '/store', cas={'le': {}})
    assert run['certificates'] == [] and run['cas'] == []
    assert run['retired'][0]['revoke'] is None and run['retired'][0]['certificates'] == []


@pytest.mark.parametrize('extra, message', [
    ({'state': 'absent', 'revoke': 'retired'}, r"revoke must be an RFC 5280 reason name - unspecified, keyCompromise, "
                                               r".*cessationOfOperation.* - not 'retired'"),
    ({'revoke': 'superseded'}, 'revoke applies to a retired certificate only'),
    ({'state': 'gone'}, "state must be present or absent, not 'gone'"),
])
def test_state_and_reason_are_checked(extra, message):
    with pytest.raises(AcmeInputError, match=message):
        plan({'web1': host([entry(**extra)])}, ['web1'], '/store')


def test_every_host_retires_it_alike():
    hostvars = {'web1': host([entry()]), 'web2': host([entry(state='absent', revoke='superseded')])}
    with pytest.raises(AcmeInputError, match='certificate old has state present on web1 but absent .revoke: superseded. '
                                             'on web2'):
        plan(hostvars, ['web1', 'web2'], '/store')


def test_a_retired_certificate_needs_a_defined_ca():
    with pytest.raises(AcmeInputError, match='CA instances that acme_cas does not define: le'):
        plan({'web1': host([entry(state='absent')])}, ['web1'], '/store', cas={'other': {}})


def retired_run(pki, reason='cessationOfOperation'):
    leaf, unused = pki.leaf(('old.example.test',))
    run = plan({'web1': host([entry(state='absent', revoke=reason)], {'old': pki.pem(leaf)})}, ['web1'], '/store')
    return run, format(leaf.serial_number, 'x')


def report_of(run, revoked):
    items = [dict(result, item=[run['retired'][0], pem]) for result, pem in zip(revoked, run['retired'][0]['certificates'])]
    return report_entries(run, outcome(run, []), {}, items)


@pytest.mark.parametrize('result, revocation', [
    ({'changed': True, 'already_revoked': False}, 'revoked now (cessationOfOperation)'),
    ({'changed': False, 'already_revoked': True}, 'already revoked'),
])
def test_the_report_says_what_happened_to_the_revocation(pki, result, revocation):
    run, serial = retired_run(pki)
    decommissioned, = report_of(run, [result])
    assert decommissioned['status'] == 'decommissioned' and decommissioned['next_action'] == 'none: retired'
    assert decommissioned['revocation'] == revocation
    assert decommissioned['hosts'] == ['web1'] and decommissioned['serials'] == [serial]
    assert decommissioned['not_after'] is None and decommissioned['renew_at'] is None


def test_not_revoked_without_a_reason(pki):
    run, unused = retired_run(pki, reason=None)
    assert report_of(run, [])[0]['revocation'] == 'not revoked'


def test_a_failed_revocation_fails_the_entry(pki):
    run, serial = retired_run(pki)
    failed, = report_of(run, [{'failed': True, 'msg': 'unauthorized', 'certificate': {'serial': serial}}])
    assert failed['status'] == 'failed' and failed['msg'] == 'revocation failed: %s: unauthorized' % serial


def test_report_and_notifications_accept_a_decommissioned_entry_and_stay_quiet():
    retired = {'name': 'old', 'ca': 'le', 'hosts': ['web1'], 'status': 'decommissioned', 'not_after': None,
               'revocation': 'already revoked', 'next_action': 'none: retired'}
    counts, lines = summarise([retired], NOW)
    assert counts['decommissioned'] == 1 and lines == ['RETIRED  old: already revoked; files kept; hosts web1']
    assert '"status": "decommissioned"' in render_json([retired], counts, NOW)
    assert '<td>decommissioned</td>' in render_html([retired], counts, NOW)
    assert 'name="old"' not in render_prometheus([retired], NOW, {})
    assert select([dict(retired, not_after='2030-01-02T00:00:00Z')], 30, True, NOW) == \
        {'failed': [], 'expiring': [], 'renewed': []}


VALIDATED = dict(DEPLOY, validate=['nginx', '-t'], reload=['nginx', '-s', 'reload'])


def test_remove_files_is_planned_per_host_and_needs_validate(pki):
    hostvars = {'web1': host([entry(state='absent', remove_files=True, deploy=VALIDATED)]),
                'web2': host([entry(state='absent', remove_files=True, deploy=dict(VALIDATED, validate=['true']))])}
    run = plan(hostvars, ['web1', 'web2'], '/store', cas={'le': {}})
    assert run['retired'][0]['remove_files'] is True
    done = outcome(run, [])
    assert done['deploy_hosts'] == ['web1', 'web2'] and done['deploys'] == {}
    assert done['removals']['web2'] == [{'name': 'old', 'deploy': dict(VALIDATED, validate=['true'])}]


@pytest.mark.parametrize('extra, message', [
    ({'state': 'absent', 'remove_files': True}, 'remove_files needs deploy.validate'),
    ({'remove_files': True, 'deploy': VALIDATED}, 'remove_files applies to a retired certificate only'),
    ({'state': 'absent', 'remove_files': 'yes', 'deploy': VALIDATED}, 'remove_files must be true or false'),
])
def test_remove_files_is_checked(extra, message):
    with pytest.raises(AcmeInputError, match=message):
        plan({'web1': host([entry(**extra)])}, ['web1'], '/store')


def test_remove_files_alike_on_every_host():
    hostvars = {'web1': host([entry(state='absent', remove_files=True, deploy=VALIDATED)]),
                'web2': host([entry(state='absent', deploy=VALIDATED)])}
    with pytest.raises(AcmeInputError, match='remove_files True on web1 but False on web2'):
        plan(hostvars, ['web1', 'web2'], '/store')


def removal_report(results):
    hostvars = {'web1': host([entry(state='absent', remove_files=True, deploy=VALIDATED)]),
                'web2': host([entry(state='absent', remove_files=True, deploy=VALIDATED)])}
    run = plan(hostvars, ['web1', 'web2'], '/store')
    removed = dict((h, {'results': [dict(r, item={'name': 'old'})]}) for h, r in results.items())
    return report_entries(run, outcome(run, []), {}, [], removed)[0]


def test_the_report_says_where_files_went_and_fails_where_the_service_needs_them():
    done = removal_report({'web1': {'changed': True, 'removed': ['/etc/ssl/old.pem']}, 'web2': {'removed': []}})
    assert done['status'] == 'decommissioned' and done['files'] == 'files removed from web1; no files left on web2'
    kept = removal_report({'web1': {'changed': True, 'removed': ['/etc/ssl/old.pem']},
                           'web2': {'failed': True, 'msg': 'the service needs /etc/ssl/old.pem - validate failed'}})
    assert kept['status'] == 'failed'
    assert kept['msg'] == 'files not removed on web2: the service needs /etc/ssl/old.pem - validate failed'
    assert kept['files'] == 'files removed from web1; files kept on web2 (the service still needs them)'


def record_host(certificates, records):
    variables = host(certificates)
    variables['renewal_discovered']['records'] = records
    return variables


def test_a_recorded_certificate_no_longer_listed_is_unmanaged_and_reported_quietly(pki):
    leaf, unused = pki.leaf(('gone.example.test',))
    record = {'files': {'fullchain_path': '/etc/ssl/gone.pem'}, 'exists': True, 'pem': pki.pem(leaf)}
    hostvars = {'web1': record_host([entry('www')], {'www': dict(record), 'gone': record,
                                                     'stale': dict(record, exists=False)}),
                'web2': record_host([], {'gone': record}),
                'web3': record_host([entry('gone', state='absent')], {'gone': record})}  # retired: not unmanaged
    run = plan(hostvars, ['web1', 'web2', 'web3'], '/store')
    assert [(u['name'], u['hosts']) for u in run['unmanaged']] == [('gone', ['web1', 'web2'])]
    reported = report_entries(run, outcome(run, []), {}, [])
    unmanaged = [e for e in reported if e['status'] == 'unmanaged']
    assert len(unmanaged) == 1 and unmanaged[0]['serial'] == format(leaf.serial_number, 'x')
    assert unmanaged[0]['files'] == {'web1': record['files'], 'web2': record['files']}
    counts, lines = summarise(unmanaged, NOW)
    assert counts['unmanaged'] == 1 and lines[0].startswith('UNMANAGED gone: on web1, web2, no longer in the inventory')
    assert 'name="gone"' not in render_prometheus(unmanaged, NOW, {})
    assert select(unmanaged, 3650, True, NOW) == {'failed': [], 'expiring': [], 'renewed': []}


def test_remove_files_never_reaches_a_file_a_present_entry_deploys():
    """www renamed to www-new on the same paths: removing www's files would delete www-new's after every deploy."""
    hostvars = {'web1': host([entry('www', state='absent', remove_files=True, deploy=VALIDATED),
                              entry('www-new', deploy=DEPLOY)])}
    with pytest.raises(AcmeInputError, match='host web1: certificate www is retired with remove_files, but www-new '
                                             'deploys /etc/ssl/old.key, /etc/ssl/old.pem there too'):
        plan(hostvars, ['web1'], '/store', cas={'le': {}})
    # on another host, or without remove_files, nothing is shared
    hostvars = {'web1': host([entry('www', state='absent', remove_files=True, deploy=VALIDATED)]),
                'web2': host([entry('www-new', deploy=DEPLOY)])}
    assert plan(hostvars, ['web1', 'web2'], '/store', cas={'le': {}})['retired'][0]['remove_files'] is True


def test_a_record_whose_files_a_listed_entry_deploys_is_not_unmanaged(pki):
    """The record of www stays on the host after www became www-new on the same paths: www-new owns them now."""
    leaf, unused = pki.leaf(('www.example.test',))
    record = {'files': dict(DEPLOY), 'exists': True, 'pem': pki.pem(leaf)}
    run = plan({'web1': record_host([entry('www-new')], {'www': record})}, ['web1'], '/store')
    assert run['unmanaged'] == []
