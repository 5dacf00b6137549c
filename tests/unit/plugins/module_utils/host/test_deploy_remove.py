# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""acme_deploy state: absent on the host, and the deploy records: real files in tmp_path, fake commands."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import DeployError
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_record import read_records, write_record
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_remove import converge

NGINX_T = ['nginx', '-t']
RELOAD = ['nginx', '-s', 'reload']


class Host:
    """Commands: ``validate`` fails while ``needed`` (a path) exists - as nginx -t does while its configuration
    names a file that is gone; ``fail`` lists commands that fail anyway."""

    def __init__(self, needed=None, fail=()):
        self.calls = []
        self.needed = needed
        self.fail = set(fail)
        self.seen = {}

    def run(self, argv, timeout):
        self.calls.append(list(argv))
        name = ' '.join(argv)
        if name in self.fail:
            return {'rc': 1, 'output': 'boom from %s' % argv[0], 'seconds': 0.0}
        if argv == NGINX_T and self.needed and not os.path.exists(self.needed):
            return {'rc': 1, 'output': 'nginx: [emerg] cannot load certificate "%s"' % self.needed, 'seconds': 0.0}
        return {'rc': 0, 'output': '', 'seconds': 0.0}


def params(tmp_path, **extra):
    p = dict(state='absent', fullchain_path=str(tmp_path / 'www.pem'), private_key_path=str(tmp_path / 'www.key'),
             cert_path=None, chain_path=None, combined_path=None, validate=NGINX_T, reload=RELOAD,
             command_timeout=60, record_name='www', record_dir=str(tmp_path / 'records'))
    p.update(extra)
    return p


def place(tmp_path, pki):
    cert, key = pki.leaf(['www.example.test'])
    (tmp_path / 'www.pem').write_text(pki.pem(cert) + pki.pem(pki.intermediate))
    os.chmod(str(tmp_path / 'www.pem'), 0o640)
    (tmp_path / 'www.key').write_text(key)
    os.chmod(str(tmp_path / 'www.key'), 0o600)
    write_record(str(tmp_path / 'records' / 'www.json'), 'www',
                 {'fullchain_path': str(tmp_path / 'www.pem'), 'private_key_path': str(tmp_path / 'www.key')}, 'ab')
    return snapshot(tmp_path)


def snapshot(tmp_path):
    found = {}
    for name in sorted(os.listdir(str(tmp_path))):
        path = str(tmp_path / name)
        if os.path.isfile(path):
            st = os.stat(path)
            with open(path, 'rb') as handle:
                found[name] = (handle.read(), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_ino)
    return found


def test_removed_when_validate_passes_then_reloaded_and_record_gone(tmp_path, pki):
    place(tmp_path, pki)
    host = Host()
    result = converge(params(tmp_path), False, host.run)
    assert result['changed'] and result['reloaded'] and result['record_removed']
    assert sorted(result['removed']) == [str(tmp_path / 'www.key'), str(tmp_path / 'www.pem')]
    assert snapshot(tmp_path) == {}  # nothing left aside either
    assert host.calls == [NGINX_T, RELOAD]
    assert result['previous_fingerprint_sha256']
    assert read_records(str(tmp_path / 'records')) == {}
    again = converge(params(tmp_path), False, host.run)
    assert not again['changed'] and again['reason'].startswith('nothing to remove')
    assert host.calls == [NGINX_T, RELOAD]  # nothing ran the second time


def test_validate_failing_without_them_puts_them_back_exactly(tmp_path, pki):
    before = place(tmp_path, pki)
    host = Host(needed=str(tmp_path / 'www.pem'))
    with pytest.raises(DeployError) as error:
        converge(params(tmp_path), False, host.run)
    assert snapshot(tmp_path) == before  # same bytes, modes, owners - the same inodes
    assert 'cannot load certificate' in error.value.msg and str(tmp_path / 'www.pem') in error.value.msg
    assert 'back as they were' in error.value.msg
    assert error.value.result['failed_step'] == 'validate' and error.value.result['removed'] == []
    assert [f['state'] for f in error.value.result['files']] == ['kept', 'kept']
    assert host.calls == [NGINX_T]  # no reload
    assert list(read_records(str(tmp_path / 'records'))) == ['www']


def test_failed_reload_puts_them_back(tmp_path, pki):
    before = place(tmp_path, pki)
    host = Host(fail=[' '.join(RELOAD)])
    with pytest.raises(DeployError) as error:
        converge(params(tmp_path), False, host.run)
    assert snapshot(tmp_path) == before
    assert error.value.result['failed_step'] == 'reload' and 'boom from nginx' in error.value.msg


def test_check_mode_says_what_would_go_and_changes_nothing(tmp_path, pki):
    before = place(tmp_path, pki)
    host = Host()
    result = converge(params(tmp_path), True, host.run)
    assert result['changed'] and len(result['removed']) == 2 and host.calls == []
    assert snapshot(tmp_path) == before


def test_refused_without_validate(tmp_path, pki):
    before = place(tmp_path, pki)
    with pytest.raises(DeployError) as error:
        converge(params(tmp_path, validate=None), False, Host().run)
    assert 'validate' in error.value.msg and snapshot(tmp_path) == before


def test_a_link_is_removed_not_its_target(tmp_path, pki):
    place(tmp_path, pki)
    os.rename(str(tmp_path / 'www.pem'), str(tmp_path / 'real.pem'))
    os.symlink('real.pem', str(tmp_path / 'www.pem'))
    converge(params(tmp_path), False, Host().run)
    assert not os.path.lexists(str(tmp_path / 'www.pem')) and os.path.isfile(str(tmp_path / 'real.pem'))


def test_only_a_record_left_is_removed(tmp_path):
    write_record(str(tmp_path / 'records' / 'www.json'), 'www', {'fullchain_path': str(tmp_path / 'www.pem')}, 'ab')
    result = converge(params(tmp_path), False, Host().run)
    assert result['changed'] and result['record_removed'] and result['removed'] == []
    assert not converge(params(tmp_path), False, Host().run)['changed']


def test_records_read_back_with_the_certificate_not_the_key(tmp_path, pki):
    place(tmp_path, pki)
    (tmp_path / 'records' / 'broken.json').write_text('{not json')
    records = read_records(str(tmp_path / 'records'))
    assert sorted(records) == ['broken', 'www']
    assert records['www']['exists'] and 'BEGIN CERTIFICATE' in records['www']['pem']
    assert 'PRIVATE' not in json.dumps(records)
    assert records['broken']['error'] and not records['broken']['exists']
    assert read_records(str(tmp_path / 'nowhere')) == {}


def test_files_a_killed_run_left_aside_are_put_back_and_decided_again(tmp_path, pki):
    """The connection died while validate ran: the files are still aside (a key in a dotfile). The next run puts
    them back first - here validate still needs them, so they stay, exactly as they were."""
    before = place(tmp_path, pki)
    for name in ('www.pem', 'www.key'):
        os.rename(str(tmp_path / name), str(tmp_path / ('.%s.sslclm-removed' % name)))
    checked = converge(params(tmp_path), True, Host().run)  # check mode: says they would go, moves nothing
    assert checked['changed'] and len(checked['removed']) == 2 and not os.path.exists(str(tmp_path / 'www.pem'))
    with pytest.raises(DeployError) as error:
        converge(params(tmp_path), False, Host(needed=str(tmp_path / 'www.pem')).run)
    assert 'back as they were' in error.value.msg
    assert snapshot(tmp_path) == before


def test_a_file_both_in_place_and_aside_is_left_for_a_person_to_decide(tmp_path, pki):
    before = place(tmp_path, pki)
    with open(str(tmp_path / '.www.key.sslclm-removed'), 'w') as handle:
        handle.write('an older key')
    with pytest.raises(DeployError, match='left aside by an interrupted removal'):
        converge(params(tmp_path), False, Host().run)
    assert dict((k, v) for k, v in snapshot(tmp_path).items() if not k.startswith('.')) == before
