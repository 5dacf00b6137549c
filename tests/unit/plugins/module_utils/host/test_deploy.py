# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host-side deploy logic with real files in tmp_path and fake commands / TLS probes."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil
import stat
import time

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.host import commands, deploy as deploy_mod
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy import deploy
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import (
    DeployError,
    check_options,
    parse_mode,
    reload_argv,
)

NGINX_T = ['nginx', '-t']
RELOAD = ['nginx', '-s', 'reload']


class Host:
    """Fake commands and a fake TLS endpoint whose served certificate follows the reloads."""

    def __init__(self, served=None, fail=(), reload_takes_effect=True, active=True):
        self.calls = []
        self.served = served
        self.fail = set(fail)
        self.reload_takes_effect = reload_takes_effect
        self.active = active
        self.files_at_reload = None
        self.fullchain = None

    def run(self, argv, timeout):
        self.calls.append(list(argv))
        name = ' '.join(argv)
        if 'is-active' in argv or argv[-1] == 'status':
            return {'rc': 0 if self.active else 3, 'output': '', 'seconds': 0.0}
        if name in self.fail:
            return {'rc': 1, 'output': 'boom from %s' % argv[0], 'seconds': 0.0}
        if 'reload' in argv and self.reload_takes_effect and self.fullchain:
            with open(self.fullchain) as handle:
                from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_probe import fingerprint_pem
                self.served = fingerprint_pem(handle.read())
        return {'rc': 0, 'output': '', 'seconds': 0.0}

    def probe(self, host, port, server_name, timeout):
        if self.served is None:
            return {'fingerprint': None, 'error': 'Connection refused'}
        return {'fingerprint': self.served, 'error': None}

    def wait(self, host, port, server_name, expected, timeout, confirmations=1):
        assert confirmations == 3
        self.waited = getattr(self, 'waited', []) + [expected]
        ok = self.served == expected
        return {'ok': ok, 'fingerprint': self.served, 'error': None if self.served else 'Connection refused',
                'attempts': 1 if ok else 7, 'seconds': 0.0 if ok else float(timeout)}


def params(tmp_path, cert, key, pki, **extra):
    p = dict(
        certificate=pki.pem(cert), chain=pki.pem(pki.intermediate), fullchain=None, private_key=key,
        certificate_src=None, chain_src=None, fullchain_src=None, private_key_src=None,
        cert_path=None, chain_path=None, fullchain_path=str(tmp_path / 'fullchain.pem'),
        private_key_path=str(tmp_path / 'key.pem'), combined_path=None,
        owner=None, group=None, key_group=None, follow=False, mode='0644', key_mode='0600', backup=True, backup_dir=None,
        validate=None, reload=None, verify=None, command_timeout=60,
    )
    p.update(extra)
    return p


def run(p, host, check_mode=False, systemd=False):
    host.fullchain = p.get('fullchain_path')
    return deploy(p, check_mode, run_command=host.run, probe_once=host.probe, wait=host.wait, systemd=systemd)


def full(tmp_path, cert, key, pki, **extra):
    extra.setdefault('validate', NGINX_T)
    extra.setdefault('reload', RELOAD)
    extra.setdefault('verify', {'host': '127.0.0.1', 'port': 443, 'server_name': 'www.example.test', 'timeout': 5,
                                'confirmations': 3})
    return params(tmp_path, cert, key, pki, **extra)


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def read(path):
    with open(str(path)) as handle:
        return handle.read()


def test_first_deploy_creates_files_with_modes_and_no_backup(tmp_path, pki):
    cert, key = pki.leaf()
    p = params(tmp_path, cert, key, pki, cert_path=str(tmp_path / 'cert.pem'), chain_path=str(tmp_path / 'chain.pem'),
               combined_path=str(tmp_path / 'combined.pem'))
    result = run(p, Host())
    assert result['changed'] and not result['reloaded'] and result['verified'] is None
    assert [f['state'] for f in result['files']] == ['created'] * 5
    assert [f['option'] for f in result['files']][:2] == ['private_key_path', 'combined_path']  # key-bearing first
    assert mode_of(tmp_path / 'key.pem') == 0o600 and mode_of(tmp_path / 'combined.pem') == 0o600
    assert mode_of(tmp_path / 'fullchain.pem') == 0o644 and mode_of(tmp_path / 'chain.pem') == 0o644
    assert read(tmp_path / 'fullchain.pem') == pki.pem(cert) + pki.pem(pki.intermediate)
    assert read(tmp_path / 'cert.pem') == pki.pem(cert)
    assert read(tmp_path / 'chain.pem') == pki.pem(pki.intermediate)
    assert read(tmp_path / 'combined.pem') == pki.pem(cert) + pki.pem(pki.intermediate) + key
    assert not [n for n in os.listdir(str(tmp_path)) if n.endswith(('.bak', '.tmp'))]
    assert result['fingerprint_sha256'] == pki.fingerprint(cert) and result['previous_fingerprint_sha256'] is None


def test_identical_content_is_unchanged_and_runs_nothing(tmp_path, pki):
    cert, key = pki.leaf()
    run(params(tmp_path, cert, key, pki), Host())
    host = Host(served=pki.fingerprint(cert))
    result = run(full(tmp_path, cert, key, pki), host)
    assert not result['changed'] and not result['reloaded'] and result['reloads'] == 0
    assert result['verified'] is True and result['reason'] == 'certificate already deployed'
    assert host.calls == []


def test_mode_drift_is_fixed_without_reload(tmp_path, pki):
    cert, key = pki.leaf()
    run(params(tmp_path, cert, key, pki), Host())
    os.chmod(str(tmp_path / 'key.pem'), 0o644)
    host = Host(served=pki.fingerprint(cert))
    result = run(full(tmp_path, cert, key, pki), host)
    assert result['changed'] and not result['reloaded'] and host.calls == []
    assert result['reason'] == 'modes or owners differ'
    assert mode_of(tmp_path / 'key.pem') == 0o600


def test_renewal_backs_up_validates_reloads_and_verifies(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    host = Host(served=pki.fingerprint(old))
    result = run(full(tmp_path, new, new_key, pki), host)
    assert host.calls == [NGINX_T, RELOAD]
    assert result['changed'] and result['reloaded'] and result['reloads'] == 1 and result['verified']
    assert host.waited == [pki.fingerprint(new)]
    assert result['served']['fingerprint_sha256'] == pki.fingerprint(new)
    assert result['served_before']['fingerprint_sha256'] == pki.fingerprint(old)
    assert read(tmp_path / 'key.pem') == new_key
    assert read(tmp_path / '.key.pem.bak') == old_key and mode_of(tmp_path / '.key.pem.bak') == 0o600
    assert read(tmp_path / '.fullchain.pem.bak').startswith(pki.pem(old))
    assert [f.get('backup') for f in result['files']] == [str(tmp_path / '.key.pem.bak'), str(tmp_path / '.fullchain.pem.bak')]
    assert pki.pem(old) in result['previous_certificate_pem']
    assert 'PRIVATE' not in json.dumps(result)


def test_check_mode_changes_nothing(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    host = Host(served=pki.fingerprint(old))
    result = run(full(tmp_path, new, new_key, pki), host, check_mode=True)
    assert result['changed'] and not result['reloaded'] and host.calls == []
    assert read(tmp_path / 'key.pem') == old_key and not os.path.exists(str(tmp_path / '.key.pem.bak'))


def test_validate_failure_restores_files_without_reload(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    host = Host(served=pki.fingerprint(old), fail=[' '.join(NGINX_T)])
    with pytest.raises(DeployError) as info:
        run(full(tmp_path, new, new_key, pki), host)
    error = info.value
    assert host.calls == [NGINX_T]
    assert read(tmp_path / 'key.pem') == old_key
    assert read(tmp_path / 'fullchain.pem').startswith(pki.pem(old))
    assert error.result['failed_step'] == 'validate' and error.result['rolled_back']
    assert error.result['rollback']['old_certificate_served'] is True and error.result['reloads'] == 0
    assert 'validate command nginx -t exited 1: boom from nginx' in error.msg
    assert 'no reload had run' in error.msg and 'the old certificate (sha256 %s' % pki.fingerprint(old)[:16] in error.msg
    assert new_key not in json.dumps(error.result) and old_key not in error.msg


def test_reload_failure_restores_and_reloads_again(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    host = Host(served=pki.fingerprint(old), fail=[' '.join(RELOAD)])
    with pytest.raises(DeployError) as info:
        run(full(tmp_path, new, new_key, pki), host)
    assert host.calls == [NGINX_T, RELOAD, RELOAD]
    assert info.value.result['failed_step'] == 'reload'
    assert read(tmp_path / 'key.pem') == old_key
    # the reload after restoring failed too: reported, and the rollback counts as incomplete
    assert info.value.result['rollback']['complete'] is False
    assert 'ROLLBACK INCOMPLETE' in info.value.msg


def test_verify_failure_rolls_back_and_confirms_old(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    host = Host(served=pki.fingerprint(old), reload_takes_effect=False)
    with pytest.raises(DeployError) as info:
        run(full(tmp_path, new, new_key, pki), host)
    result = info.value.result
    assert host.calls == [NGINX_T, RELOAD, RELOAD]
    assert host.waited == [pki.fingerprint(new), pki.fingerprint(old)]
    assert result['failed_step'] == 'verify' and result['reloads'] == 2
    assert result['rollback'] == {'complete': True, 'files_restored': ['private_key_path', 'fullchain_path'],
                                  'files_removed': [], 'reloaded': True, 'old_certificate_served': True, 'errors': []}
    assert 'it served sha256 %s' % pki.fingerprint(old)[:16] in info.value.msg
    assert read(tmp_path / 'key.pem') == old_key


def test_verify_on_a_dead_endpoint_says_so(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    host = Host(served=None, reload_takes_effect=False)  # e.g. the wrong port
    with pytest.raises(DeployError) as info:
        run(full(tmp_path, new, new_key, pki), host)
    assert 'nothing answered there before the deploy either' in info.value.msg
    assert 'could NOT confirm that the old certificate' in info.value.msg
    assert info.value.result['rollback']['complete'] is True  # files and reload are back; only the check failed


def test_failed_first_deploy_removes_the_new_files(tmp_path, pki):
    cert, key = pki.leaf()
    host = Host(fail=[' '.join(NGINX_T)])
    with pytest.raises(DeployError) as info:
        run(full(tmp_path, cert, key, pki), host)
    assert os.listdir(str(tmp_path)) == []
    assert info.value.result['rollback']['files_removed'] == ['private_key_path', 'fullchain_path']
    assert 'there was no previous certificate' in info.value.msg


def test_files_current_but_server_serves_another_certificate(tmp_path, pki):
    cert, key = pki.leaf()
    other, unused = pki.leaf()
    run(params(tmp_path, cert, key, pki), Host())
    host = Host(served=pki.fingerprint(other))
    result = run(full(tmp_path, cert, key, pki), host)
    assert result['changed'] and result['reloaded'] and result['verified']
    assert result['reason'].startswith('files are current, but 127.0.0.1:443 (SNI www.example.test) serves another')
    assert host.calls == [NGINX_T, RELOAD]


def test_files_current_server_serves_another_and_no_reload_configured(tmp_path, pki):
    cert, key = pki.leaf()
    other, unused = pki.leaf()
    run(params(tmp_path, cert, key, pki), Host())
    host = Host(served=pki.fingerprint(other))
    with pytest.raises(DeployError) as info:
        run(full(tmp_path, cert, key, pki, reload=None), host)
    assert info.value.msg.startswith('acme_deploy failed at verify: ')
    assert 'No deployed file had changed.' in info.value.msg
    assert info.value.result['rolled_back'] is False and read(tmp_path / 'key.pem') == key


def test_backup_failure_changes_nothing(tmp_path, pki, monkeypatch):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    real = deploy_mod.atomic_write_many

    def failing(items):
        if any(path.endswith('.bak') for path, *unused in items):
            raise OSError(28, 'No space left on device')
        return real(items)
    monkeypatch.setattr(deploy_mod, 'atomic_write_many', failing)
    host = Host(served=pki.fingerprint(old))
    with pytest.raises(DeployError) as info:
        run(full(tmp_path, new, new_key, pki), host)
    assert info.value.result['failed_step'] == 'backup' and not info.value.result['changed']
    assert 'No deployed file had changed' in info.value.msg and host.calls == []
    assert read(tmp_path / 'key.pem') == old_key


def test_files_current_and_nothing_answers_is_a_warning(tmp_path, pki):
    cert, key = pki.leaf()
    run(params(tmp_path, cert, key, pki), Host())
    host = Host(served=None)
    result = run(full(tmp_path, cert, key, pki), host)
    assert not result['changed'] and host.calls == []
    assert 'nothing answered TLS' in result['_warnings'][0]


def test_service_reload_with_systemd(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    host = Host()
    result = run(params(tmp_path, new, new_key, pki, reload='nginx'), host, systemd=True)
    assert host.calls == [['systemctl', 'is-active', '--quiet', 'nginx'], ['systemctl', 'reload', 'nginx']]
    assert result['reloaded']


def test_stopped_service_is_not_started_or_verified(tmp_path, pki):
    cert, key = pki.leaf()
    host = Host(active=False)
    p = full(tmp_path, cert, key, pki, reload='nginx')
    result = run(p, host, systemd=True)
    assert host.calls == [NGINX_T, ['systemctl', 'is-active', '--quiet', 'nginx']]
    assert not result['reloaded'] and result['verified'] is None
    assert 'Service nginx is not running: not reloaded, not verified' in result['_warnings'][0]


def test_service_without_systemd_or_service_command(tmp_path, pki, monkeypatch):
    cert, key = pki.leaf()
    monkeypatch.setattr(shutil, 'which', lambda name: None)
    with pytest.raises(DeployError) as info:
        run(params(tmp_path, cert, key, pki, reload='nginx'), Host(), systemd=False)
    assert 'neither systemd nor the service command' in info.value.msg


def test_a_symlinked_destination_is_replaced_not_followed(tmp_path, pki):
    """dest/www.pem -> /etc/passwd with owner set must not rewrite or chown /etc/passwd (here: a file elsewhere)."""
    cert, key = pki.leaf()
    elsewhere = tmp_path / 'etc'
    elsewhere.mkdir()
    victim = elsewhere / 'passwd'
    victim.write_text('root:x:0:0::/root:/bin/sh\n')
    os.chmod(str(victim), 0o644)
    dest = tmp_path / 'dest'
    dest.mkdir()
    os.symlink(str(victim), str(dest / 'fullchain.pem'))
    p = params(dest, cert, key, pki, owner=str(os.getuid()), group=str(os.getgid()))
    result = run(p, Host())
    assert read(victim) == 'root:x:0:0::/root:/bin/sh\n' and mode_of(victim) == 0o644
    assert not os.path.islink(str(dest / 'fullchain.pem'))
    assert read(dest / 'fullchain.pem').startswith(pki.pem(cert))
    assert result['files'][1]['state'] == 'updated' and result['files'][1]['path'] == str(dest / 'fullchain.pem')
    assert os.readlink(str(dest / '.fullchain.pem.bak')) == str(victim)  # the backup is the link, not its target


def test_a_failed_deploy_puts_the_link_back(tmp_path, pki):
    cert, key = pki.leaf()
    archive = tmp_path / 'archive.pem'
    archive.write_text('old chain\n')
    os.symlink(str(archive), str(tmp_path / 'fullchain.pem'))
    with pytest.raises(DeployError, match='Rolled back'):
        run(full(tmp_path, cert, key, pki), Host(fail=['nginx -t']))
    assert os.readlink(str(tmp_path / 'fullchain.pem')) == str(archive) and read(archive) == 'old chain\n'


def test_follow_writes_a_link_target_only_within_the_directory(tmp_path, pki):
    cert, key = pki.leaf()
    os.symlink('fullchain-2026.pem', str(tmp_path / 'fullchain.pem'))
    result = run(params(tmp_path, cert, key, pki, follow=True), Host())
    assert os.path.islink(str(tmp_path / 'fullchain.pem'))
    assert read(tmp_path / 'fullchain-2026.pem').startswith(pki.pem(cert))
    assert result['files'][1]['path'] == str(tmp_path / 'fullchain-2026.pem')
    outside = tmp_path / 'other'
    outside.mkdir()
    os.symlink(str(outside / 'k.pem'), str(tmp_path / 'key2.pem'))
    with pytest.raises(DeployError, match='outside its directory'):
        run(params(tmp_path, cert, key, pki, follow=True, private_key_path=str(tmp_path / 'key2.pem')), Host())
    assert not os.path.exists(str(outside / 'k.pem'))


def test_a_replaced_file_keeps_its_owner_and_group_when_none_is_given(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    run(params(tmp_path, old, old_key, pki), Host())
    os.chown(str(tmp_path / 'fullchain.pem'), 4242, 4343)
    os.chown(str(tmp_path / 'key.pem'), 4242, 4343)
    run(params(tmp_path, new, new_key, pki), Host())
    for name in ('fullchain.pem', 'key.pem'):
        st = os.stat(str(tmp_path / name))
        assert (st.st_uid, st.st_gid) == (4242, 4343), name
    assert read(tmp_path / 'fullchain.pem').startswith(pki.pem(new))


def test_key_group_for_the_ssl_cert_pattern(tmp_path, pki):
    cert, key = pki.leaf()
    run(params(tmp_path, cert, key, pki, key_group='4343', key_mode='0640', group='4444'), Host())
    key_stat, chain_stat = os.stat(str(tmp_path / 'key.pem')), os.stat(str(tmp_path / 'fullchain.pem'))
    assert (key_stat.st_gid, stat.S_IMODE(key_stat.st_mode)) == (4343, 0o640)
    assert chain_stat.st_gid == 4444


def test_backup_dir(tmp_path, pki):
    old, old_key = pki.leaf()
    new, new_key = pki.leaf()
    backups = tmp_path / 'backups'
    backups.mkdir()
    run(params(tmp_path, old, old_key, pki), Host())
    run(params(tmp_path, new, new_key, pki, backup_dir=str(backups)), Host())
    assert sorted(os.listdir(str(backups))) == ['fullchain.pem.bak', 'key.pem.bak']
    assert not os.path.exists(str(tmp_path / '.key.pem.bak'))


def test_backups_beside_the_file_are_dotfiles(tmp_path, pki):
    # A HAProxy "crt DIR" loads every file of DIR but dotfiles: after a renewal the only
    # visible file must be the combined PEM itself, its backup hidden beside it.
    crt_dir = tmp_path / 'certs'
    crt_dir.mkdir()
    old, new = pki.leaf(), pki.leaf()
    for cert, key in (old, new):
        run(params(tmp_path, cert, key, pki, fullchain_path=None, private_key_path=None,
                   combined_path=str(crt_dir / 'www.pem')), Host())
    assert [n for n in os.listdir(str(crt_dir)) if not n.startswith('.')] == ['www.pem']
    assert read(crt_dir / 'www.pem').startswith(pki.pem(new[0]))
    assert read(crt_dir / '.www.pem.bak').startswith(pki.pem(old[0])) and old[1] in read(crt_dir / '.www.pem.bak')
    assert mode_of(crt_dir / '.www.pem.bak') == 0o600


def test_owner_and_group_by_id(tmp_path, pki):
    cert, key = pki.leaf()
    uid, gid = os.getuid(), os.getgid()
    run(params(tmp_path, cert, key, pki, owner=str(uid), group=str(gid)), Host())
    st = os.stat(str(tmp_path / 'key.pem'))
    assert (st.st_uid, st.st_gid) == (uid, gid)
    with pytest.raises(DeployError, match='no such user'):
        run(params(tmp_path, cert, key, pki, owner='no-such-user-here'), Host())


def test_missing_directory_is_an_error(tmp_path, pki):
    cert, key = pki.leaf()
    with pytest.raises(DeployError, match='does not exist'):
        run(params(tmp_path, cert, key, pki, fullchain_path=str(tmp_path / 'nope' / 'x.pem')), Host())


@pytest.mark.parametrize('value, expected', [('0644', 0o644), ('600', 0o600), (0o640, 0o640), ('0755', 0o755)])
def test_parse_mode(value, expected):
    assert parse_mode(value, 'mode') == expected


@pytest.mark.parametrize('value', ['rw-r--r--', '0999', '', None, True, 0o17777])
def test_parse_mode_refuses(value):
    with pytest.raises(DeployError):
        parse_mode(value, 'mode')


def test_reload_forms():
    assert reload_argv('nginx') == ('service', 'nginx')
    assert reload_argv(['nginx', '-s', 'reload']) == ('command', ['nginx', '-s', 'reload'])
    assert reload_argv(None) == (None, None)
    with pytest.raises(DeployError, match='never runs through a shell'):
        reload_argv('nginx -s reload')
    with pytest.raises(DeployError, match='never runs through a shell'):
        reload_argv('systemctl reload nginx; rm -rf /')


@pytest.mark.parametrize('extra, message', [
    ({'private_key': None}, 'private_key or private_key_src is required with private_key_path'),
    ({'private_key_path': None}, 'neither private_key_path nor combined_path'),
    ({'cert_path': '/x/key.pem'}, 'same file'),
    ({'chain_path': '/x/chain.pem', 'chain': None}, 'chain_path needs the chain'),
    ({'validate': []}, 'list of arguments'),
    ({'key_mode': 'secret'}, 'octal mode'),
])
def test_check_options(extra, message):
    p = dict(certificate='x', chain='y', private_key='k', private_key_path='/x/key.pem', fullchain_path='/x/full.pem')
    p.update(extra)
    with pytest.raises(DeployError, match=message):
        check_options(p)


def test_src_options_cannot_reach_the_module(tmp_path, pki):
    cert, key = pki.leaf()
    with pytest.raises(DeployError, match='read on the controller'):
        run(params(tmp_path, cert, key, pki, private_key_src='/somewhere/key.pem'), Host())


def test_commands_run_literally_with_a_time_limit():
    run = commands.run_command
    ok = run(['sh', '-c', 'echo out; echo err >&2; exit 3'], 5)
    assert ok['rc'] == 3 and ok['output'] == 'out\nerr'
    missing = run(['/nonexistent/command'], 5)
    assert missing['rc'] == 127 and '/nonexistent/command' in missing['output']
    literal = run(['echo', '$(id); `id` ~'], 5)
    assert literal['output'] == '$(id); `id` ~'


def test_the_time_limit_needs_no_timeout_tool_and_stops_the_whole_group(tmp_path, monkeypatch):
    """A reload that hangs (and leaves a child behind) is stopped within the limit even where coreutils
    timeout does not exist: the runner never looks for it."""
    monkeypatch.setenv('PATH', str(tmp_path))  # no timeout, no sleep on PATH: absolute paths only
    marker = tmp_path / 'child.pid'
    start = time.monotonic()
    slow = commands.run_command(['/bin/sh', '-c', '/bin/sleep 30 & echo $! > %s; /bin/sleep 30' % marker], 1)
    assert slow['rc'] is None and 'timed out after 1 s' in slow['output']
    assert time.monotonic() - start < 10
    child = int(marker.read_text())
    for unused in range(50):
        if not os.path.exists('/proc/%d' % child) or open('/proc/%d/stat' % child).read().split()[2] == 'Z':
            break
        time.sleep(0.1)
    else:
        raise AssertionError('the command\'s child %d outlived the time limit' % child)
