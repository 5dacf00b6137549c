# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy as the action plugin runs it on hosts: one script run by a bare interpreter.

``python -I -S`` has no site-packages, so neither Ansible nor the collection can be imported
from anywhere but the program itself: it must stand on the standard library alone.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat
import subprocess
import sys
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import argument_spec
from ansible_collections.sslclm.acme.plugins.plugin_utils.program_runner import PYTHON_FLAGS, STDIN_BOOTSTRAP, build


def defaults():
    """Every option with its default, as the action plugin's argument validation leaves them."""
    def fill(spec):
        return dict((name, option.get('default')) for name, option in spec.items())
    return fill(argument_spec())


def run_program(tmp_path, params, check_mode=False, document=None):
    program = tmp_path / 'acme_deploy.py'
    args = {'params': params, 'check_mode': check_mode} if document is None else document
    program.write_bytes(build('deploy_program', args))
    done = subprocess.run([sys.executable, '-I', '-S', str(program)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=str(tmp_path), check=False)
    assert done.stderr == b'', done.stderr
    return done.returncode, json.loads(done.stdout.decode())


def material(tmp_path, pki, **extra):
    cert, key = pki.leaf()
    params = defaults()
    params.update(certificate=pki.pem(cert), chain=pki.pem(pki.intermediate), private_key=key,
                  fullchain_path=str(tmp_path / 'out' / 'fullchain.pem'),
                  private_key_path=str(tmp_path / 'out' / 'key.pem'))
    params.update(extra)
    os.makedirs(str(tmp_path / 'out'), exist_ok=True)
    return params, key


def test_program_writes_atomically_with_modes_and_is_idempotent(tmp_path, pki):
    params, key = material(tmp_path, pki)
    rc, result = run_program(tmp_path, params)
    assert rc == 0 and result['changed'] is True and not result.get('failed')
    assert stat.S_IMODE(os.stat(params['private_key_path']).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(params['fullchain_path']).st_mode) == 0o644
    with open(params['private_key_path']) as handle:
        assert handle.read() == key
    assert key.split('\n')[1] not in json.dumps(result)  # nothing of the key in the result
    rc, again = run_program(tmp_path, params)
    assert rc == 0 and again['changed'] is False
    assert [f['state'] for f in again['files']] == ['unchanged', 'unchanged']


def test_program_check_mode_writes_nothing(tmp_path, pki):
    params, _key = material(tmp_path, pki)
    rc, result = run_program(tmp_path, params, check_mode=True)
    assert rc == 0 and result['changed'] is True
    assert not os.path.exists(params['fullchain_path']) and not os.path.exists(params['private_key_path'])


def test_program_runs_commands_without_a_shell_and_rolls_back(tmp_path, pki):
    first, _key = material(tmp_path, pki)
    assert run_program(tmp_path, first)[0] == 0
    with open(first['fullchain_path']) as handle:
        before = handle.read()
    marker = tmp_path / 'validated'
    # one argument with shell syntax in it: a shell would create the marker, argv passing does not
    params, _key = material(tmp_path, pki, validate=['/bin/sh', '-c', 'exit 3', 'x; touch %s' % marker])
    rc, result = run_program(tmp_path, params)
    assert rc == 1 and result['failed'] is True
    assert result['failed_step'] == 'validate' and result['rolled_back'] is True
    assert 'exited 3' in result['msg']
    assert not marker.exists()
    with open(first['fullchain_path']) as handle:
        assert handle.read() == before


def test_program_reports_bad_material_and_a_broken_argument_document(tmp_path):
    rc, result = run_program(tmp_path, {'unexpected': True})
    assert rc == 1 and result == {'failed': True, 'msg': 'certificate holds no PEM certificate'}
    rc, result = run_program(tmp_path, None, document=['not', 'a', 'mapping'])
    assert rc == 1 and result['failed'] is True
    assert result['msg'].startswith('acme_deploy host program failed: TypeError')


def test_program_on_stdin_runs_the_same_and_leaves_nothing_behind(tmp_path, pki):
    params, key = material(tmp_path, pki)
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    done = subprocess.run([sys.executable] + PYTHON_FLAGS.split() + ['-c', STDIN_BOOTSTRAP],
                          input=build('deploy_program', {'params': params, 'check_mode': False}),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={'TMPDIR': str(scratch)}, check=False)
    assert done.stderr == b'', done.stderr
    result = json.loads(done.stdout.decode())
    assert done.returncode == 0 and result['changed'] is True
    with open(params['private_key_path']) as handle:
        assert handle.read() == key
    assert list(scratch.iterdir()) == []  # the program (it holds the key) was removed


def test_a_program_run_from_a_file_removes_it_before_it_does_anything(tmp_path, pki):
    """Connections without pipelining run the program from a file: it holds the key, so it is gone at once, and a
    program killed in the middle of its work (here: during a slow reload) leaves no key on the disk."""
    params, unused_key = material(tmp_path, pki, reload=['/bin/sleep', '30'])
    program = tmp_path / 'acme_deploy.py'
    program.write_bytes(build('deploy_program', {'params': params, 'check_mode': False}))
    process = subprocess.Popen([sys.executable, '-I', '-S', str(program)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=str(tmp_path))
    try:
        for unused in range(100):
            if not program.exists():
                break
            time.sleep(0.05)
        assert not program.exists()
    finally:
        process.kill()
        process.communicate()
    assert not program.exists()


def test_a_deploy_imports_neither_json_nor_re_nor_shutil(tmp_path, pki):
    """What a deploy does not use, it does not pay for: json (with re and enum) and shutil were a third of the
    program's start, on every host. Non-ASCII arguments travel in the payload literal and come back in the JSON."""
    params, unused = material(tmp_path, pki, fullchain_path=str(tmp_path / 'out' / 'ch\xe2ine \U0001f512.pem'))
    done = subprocess.run([sys.executable] + PYTHON_FLAGS.split() + ['-X', 'importtime', '-c', STDIN_BOOTSTRAP],
                          input=build('deploy_program', {'params': params, 'check_mode': False}),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    imported = set(line.split('|')[-1].strip() for line in done.stderr.decode().splitlines() if '|' in line)
    assert 'ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_program' in imported
    assert imported & {'json', 're', 'enum', 'shutil', 'base64', 'signal'} == set()
    result = json.loads(done.stdout.decode())
    assert done.returncode == 0 and result['changed'] is True, result
    assert os.path.exists(params['fullchain_path'])
    assert params['fullchain_path'] in json.dumps(result, ensure_ascii=False)
