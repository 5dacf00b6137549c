# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent program: configuration checks, reloads, the running-state report, privileges."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import logging
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from http.client import HTTPConnection

from ansible_collections.sslclm.acme.plugins.module_utils.host import agent as agent_module
from ansible_collections.sslclm.acme.plugins.module_utils.host.agent import Agent, PidFile, main
from ansible_collections.sslclm.acme.plugins.module_utils.host.agent_config import ConfigError, check_config, listeners
from ansible_collections.sslclm.acme.plugins.module_utils.host.agent_status import check, listening_endpoints
from ansible_collections.sslclm.acme.plugins.module_utils.host.privileges import drop_privileges, unreadable

ADDRESS = '127.0.0.52'
THUMB_A = 'A' * 43
THUMB_B = 'B' * 43
COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(agent_module.__file__), *(['..'] * 6)))


def free_port():
    with socket.socket() as probe:
        probe.bind((ADDRESS, 0))
        return probe.getsockname()[1]


def write_config(path, **http):
    config = {'http01': dict({'address': ADDRESS, 'port': 0, 'challenge_dir': str(path.parent)}, **http),
              'limits': {'request_timeout': 2}}
    path.write_text(json.dumps(config))
    return config


def answer(port, token='AnyTokenAnyTokenAnyToken'):
    conn = HTTPConnection(ADDRESS, port, timeout=5)
    try:
        conn.request('GET', '/.well-known/acme-challenge/' + token)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


# --------------------------------------------------------------------------- configuration
def test_defaults_are_filled_in():
    config = check_config({'http01': {'port': 8080}})
    assert config['http01'] == {'enabled': True, 'address': '::', 'port': 8080, 'challenge_dir': None, 'thumbprint': None}
    assert config['tls_alpn01']['enabled'] is False
    assert config['limits'] == {'max_connections': 256, 'max_connections_per_client': 16, 'request_timeout': 10.0,
                                'client_hello_timeout': 3.0}
    assert listeners(config) == [('http01', '::', 8080)]


@pytest.mark.parametrize('raw, message', [
    ([], 'must be a JSON object'),
    ({'http01': {'port': '80'}}, 'http01.port'),
    ({'http01': {'port': 0}}, 'http01.port'),
    ({'http01': {'port': True}}, 'http01.port'),
    ({'http01': {'address': 'localhost'}}, 'http01.address'),
    ({'http01': {'address': '127.0.0.1; rm -rf /'}}, 'http01.address'),
    ({'http01': {'challenge_dir': 'relative/dir'}}, 'http01.challenge_dir'),
    ({'http01': {'thumbprint': 'short'}}, 'http01.thumbprint'),
    ({'http01': {'prot': 80}}, 'unknown setting(s) prot'),
    ({'http01': 'yes'}, 'http01 must be an object'),
    ({'http01': {'enabled': 'yes'}}, 'http01.enabled'),
    ({'limits': {'max_connections': 0}}, 'limits.max_connections'),
    ({'limits': {'request_timeout': 3600}}, 'limits.request_timeout'),
    ({'extra': {}}, 'unknown section(s) extra'),
    ({'http01': {'enabled': False}}, 'nothing to serve'),
    ({'http01': {'port': 443}, 'tls_alpn01': {'enabled': True}}, 'same address and port'),
])
def test_bad_settings_are_named(raw, message):
    with pytest.raises(ConfigError) as info:
        check_config(raw)
    assert message in str(info.value)


def test_check_config_command(tmp_path, capsys):
    good = tmp_path / 'agent.json'
    write_config(good, port=8080)
    bad = tmp_path / 'bad.json'
    bad.write_text('{"http01": {"port": "eighty"}')
    assert main(['--config', str(good), '--check-config']) == 0
    assert main(['--config', str(bad), '--check-config']) == 2
    assert 'not valid JSON' in capsys.readouterr().err
    assert main(['--config', str(tmp_path / 'missing.json'), '--check-config']) == 2


# --------------------------------------------------------------------------- reload
@pytest.fixture
def running_agent(tmp_path):
    path = tmp_path / 'agent.json'
    write_config(path, port=free_port(), thumbprint=THUMB_A)
    agent = Agent(str(path)).start()
    try:
        yield agent, path
    finally:
        agent.stop()


def test_reload_applies_a_new_thumbprint(running_agent):
    agent, path = running_agent
    port = agent.http.port
    assert answer(port)[1].endswith(THUMB_A)
    write_config(path, port=port, thumbprint=THUMB_B)
    assert agent.reload() is True
    assert answer(port)[1].endswith(THUMB_B)


@pytest.mark.parametrize('content', ['{"http01": ', '[]', '{"http01": {"thumbprint": "x"}}', '{"http01": {"port": -1}}'])
def test_a_bad_file_on_reload_keeps_the_running_configuration(running_agent, content, caplog):
    caplog.set_level(logging.INFO)
    agent, path = running_agent
    path.write_text(content)
    assert agent.reload() is False
    assert answer(agent.http.port)[1].endswith(THUMB_A)
    refused = [r.getMessage() for r in caplog.records if 'reload refused' in r.getMessage()]
    assert len(refused) == 1 and str(path) in refused[0]


def test_changed_listeners_are_logged_and_the_rest_applies(running_agent, caplog):
    caplog.set_level(logging.INFO)
    agent, path = running_agent
    old_port = agent.http.port
    new_port = free_port()
    write_config(path, port=new_port, thumbprint=THUMB_B)
    assert agent.reload() is True
    assert answer(old_port)[1].endswith(THUMB_B)
    warned = [r.getMessage() for r in caplog.records if 'listeners changed' in r.getMessage()]
    assert len(warned) == 1 and ':%d' % new_port in warned[0] and 'restarts' in warned[0]


# --------------------------------------------------------------------------- running state
def test_verify_reports_what_the_process_listens_on(running_agent, tmp_path):
    agent, path = running_agent
    port = agent.http.port
    write_config(path, port=port, thumbprint=THUMB_A)
    config = json.loads(path.read_text())
    from ansible_collections.sslclm.acme.plugins.module_utils.host.agent_config import load_config
    config = load_config(str(path))
    assert '%s:%d' % (ADDRESS, port) in listening_endpoints(os.getpid())
    report = check(config, str(path), pid=os.getpid())
    # this test process is not started with the configuration path on its command line
    assert report['problems'][0] == 'process %d is not the agent of %s' % (os.getpid(), path)
    assert not [p for p in report['problems'] if 'listening' in p]
    other = free_port()
    write_config(path, port=other)
    report = check(load_config(str(path)), str(path), pid=os.getpid())
    assert 'not listening on %s:%d' % (ADDRESS, other) in report['problems']
    assert any('still listening on' in p and ':%d' % port in p for p in report['problems'])
    assert check(config, str(path), pidfile=str(tmp_path / 'none.pid'))['problems'] == ['the agent is not running (pid None)']


def _agent_process(config_path, *extra):
    env = dict(os.environ, PYTHONPATH=COLLECTIONS_ROOT)
    code = 'import sys; from ansible_collections.sslclm.acme.plugins.module_utils.host.agent import main; sys.exit(main())'
    return [sys.executable, '-c', code, '--config', str(config_path)] + list(extra), env


def _wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_sighup_with_a_broken_file_keeps_the_process_serving(tmp_path):
    path = tmp_path / 'agent.json'
    port = free_port()
    write_config(path, port=port, thumbprint=THUMB_A)
    log = tmp_path / 'agent.log'
    argv, env = _agent_process(path, '--log', str(log), '--pidfile', str(tmp_path / 'agent.pid'))
    process = subprocess.Popen(argv, env=env)
    try:
        assert _wait_for(lambda: log.exists() and 'HTTP-01 on' in log.read_text())
        report = json.loads(subprocess.run(_agent_process(path, '--verify', '--pid', str(process.pid))[0], env=env,
                                           stdout=subprocess.PIPE, check=False).stdout)
        assert report['problems'] == [] and report['listening'] == ['%s:%d' % (ADDRESS, port)]
        path.write_text('{"http01": {"thumbprint": "not one"')
        process.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: 'reload refused' in log.read_text())
        time.sleep(0.3)
        assert process.poll() is None
        assert answer(port)[1].endswith(THUMB_A)
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode == 0
    assert not (tmp_path / 'agent.pid').exists()


def test_a_start_that_cannot_bind_fails_with_the_reason(tmp_path):
    path = tmp_path / 'agent.json'
    with socket.socket() as taken:
        taken.bind((ADDRESS, 0))
        taken.listen(1)
        write_config(path, port=taken.getsockname()[1])
        argv, env = _agent_process(path, '--log', str(tmp_path / 'agent.log'), '--pidfile', str(tmp_path / 'agent.pid'),
                                   '--daemon')
        done = subprocess.run(argv, env=env, stderr=subprocess.PIPE, timeout=30, check=False)
    assert done.returncode == 1
    assert b'cannot start' in done.stderr and b'Address already in use' in done.stderr


# --------------------------------------------------------------------------- privileges
@pytest.fixture
def open_tmp_path():
    """A scratch directory that users other than root can search (pytest's own is 0700)."""
    path = tempfile.mkdtemp(prefix='sslclm-agent-test-', dir='/tmp')
    os.chmod(path, 0o755)
    try:
        yield pathlib.Path(path)
    finally:
        shutil.rmtree(path)


@pytest.mark.skipif(os.geteuid() != 0, reason='dropping privileges needs root')
def test_drop_privileges_for_good(open_tmp_path):
    """In a child process: become nobody, then report what /proc says and whether root comes back."""
    tmp_path = open_tmp_path
    readable = tmp_path / 'readable'
    readable.mkdir(mode=0o755)
    private = tmp_path / 'private'
    private.mkdir(mode=0o700)
    pidfile_path = tmp_path / 'agent.pid'
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (child)
        try:
            pidfile = PidFile(str(pidfile_path))
            drop_privileges('nobody')
            pidfile.write(os.getpid())
            status = dict(line.split(':', 1) for line in open('/proc/self/status'))
            try:
                os.setuid(0)
                regained = True
            except OSError:
                regained = False
            pidfile.remove()  # the directory is root's: emptied, not removed
            report = {'uid': status['Uid'].split(), 'cap_eff': status['CapEff'].strip(), 'cap_bnd': status['CapBnd'].strip(),
                      'no_new_privs': status['NoNewPrivs'].strip(), 'regained': regained, 'groups': os.getgroups(),
                      'unreadable': unreadable([str(readable), str(private), str(tmp_path / 'absent')])}
            os.write(write_end, json.dumps(report).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    report = json.loads(os.read(read_end, 65536))
    os.close(read_end)
    assert report['uid'] == ['65534'] * 4
    assert report['cap_eff'] == '0' * 16 and report['cap_bnd'] == '0' * 16
    assert report['no_new_privs'] == '1' and report['regained'] is False and report['groups'] == []
    assert report['unreadable'] == ['%s: not readable and searchable' % private]
    assert pidfile_path.exists() and pidfile_path.read_text() == ''
