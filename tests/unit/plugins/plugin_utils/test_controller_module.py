# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller modules run in the action plugin's process: when that happens, and that the result is what the
module would have returned (validated arguments, masked secrets, warnings, failures)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.plugin_utils.controller_module import (
    ControllerModuleAction,
    module_json,
    same_python,
)

SECRET = 'hunter2-very-secret-token'


class Probe(ControllerModuleAction):
    """A module whose work echoes what it got (and may fail)."""

    MODULE = 'sslclm.acme.probe'
    calls = []

    def module_spec(self):
        return dict(
            name=dict(type='str', required=True),
            token=dict(type='str', no_log=True),
            nested=dict(type='dict', options=dict(password=dict(type='str', no_log=True), port=dict(type='int'))),
            count=dict(type='int', default=3),
            fail=dict(type='bool', default=False),
            a=dict(type='str'), b=dict(type='str'),
            where=dict(type='path'),
            mode=dict(type='str', choices=['fast', 'slow'], no_log=True),
            crash=dict(type='bool', default=False),
        ), dict(mutually_exclusive=[('a', 'b')])

    def work(self, params, check_mode, diff):
        Probe.calls.append(dict(params=params, check_mode=check_mode, diff=diff, env=os.environ.get('PROBE_ENV')))
        if params['fail']:
            raise AcmeInputError('cannot use %s' % params['token'])
        if params['crash']:
            raise KeyError('no such thing as %s' % params['token'])
        return {'changed': True, 'echo': 'token is %s, password %s' % (params['token'], (params['nested'] or {}).get('password')),
                '_warnings': ['careful with %s' % params['token']]}

    def _execute_module(self, **kwargs):
        Probe.calls.append(dict(module=kwargs['module_name']))
        return {'ran': 'module'}

    def _compute_environment_string(self, raw_environment_out=None):
        raw_environment_out.update(self._task.environment_values)
        return ''


def probe(args, transport='local', become=False, interpreter=None, environment=None, check_mode=False, async_val=0,
          become_plugin=None):
    action = Probe.__new__(Probe)
    task_vars = {} if interpreter is None else {'ansible_python_interpreter': interpreter}
    action._task = SimpleNamespace(args=args, become=become, async_val=async_val, delegate_to=None, check_mode=check_mode,
                                   diff=False, environment_values=environment or {})
    action._connection = SimpleNamespace(transport=transport, _shell=SimpleNamespace(tmpdir='/nonexistent'),
                                         become=become_plugin)
    action._templar = SimpleNamespace(template=lambda value: value)
    action._supports_check_mode = True
    Probe.calls = []
    return action, task_vars


def run(args, **kwargs):
    action, task_vars = probe(args, **kwargs)
    return action.run(task_vars=task_vars)


def test_same_python_is_the_same_binary_in_the_same_directory(tmp_path):
    venv, other = tmp_path / 'venv' / 'bin', tmp_path / 'other' / 'bin'
    venv.mkdir(parents=True)
    other.mkdir(parents=True)
    for link in (venv / 'python', venv / 'python3', other / 'python'):
        link.symlink_to(os.path.realpath(sys.executable))
    assert same_python(str(venv / 'python'), str(venv / 'python3'))
    assert not same_python(str(other / 'python'), str(venv / 'python'))  # one realpath, another site-packages
    assert same_python(sys.executable)


def test_arguments_reach_the_work_as_plain_json_types():
    args = module_json({'name': wrap_var(u'unsafe'), 'items': (wrap_var('x'), 1)})
    assert args == {'name': 'unsafe', 'items': ['x', 1]}
    assert args['name'].__class__ is str and args['items'][0].__class__ is str  # not a subclass (unsafe, tagged)


@pytest.mark.parametrize('kwargs', [dict(), dict(interpreter='auto_silent'), dict(interpreter=sys.executable)])
def test_runs_in_process_on_the_controller(kwargs):
    result = run({'name': 'n', 'token': SECRET}, environment={'PROBE_ENV': 'set'}, **kwargs)
    assert [c.get('module') for c in Probe.calls] == [None]
    assert Probe.calls[0]['params']['count'] == 3  # defaults filled like AnsibleModule's
    assert Probe.calls[0]['env'] == 'set'  # the task's environment applies, and is gone afterwards
    assert os.environ.get('PROBE_ENV') is None
    assert result['changed'] is True
    assert SECRET not in json.dumps(result)  # in the result text, the warning and the invocation
    assert result['warnings'] == ['careful with ********']
    assert result['invocation']['module_args']['token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


@pytest.mark.parametrize('kwargs', [dict(transport='ssh'), dict(become=True), dict(async_val=30),
                                    dict(become_plugin=object()),  # ansible_become in the inventory
                                    dict(interpreter='/usr/libexec/platform-python')])
def test_the_module_runs_where_in_process_would_differ(kwargs):
    result = run({'name': 'n'}, **kwargs)
    assert result['ran'] == 'module' and Probe.calls == [{'module': 'sslclm.acme.probe'}]


def test_nested_no_log_values_and_failures_are_masked():
    result = run({'name': 'n', 'token': SECRET, 'nested': {'password': 'p4ssw0rd-nested', 'port': '8'}, 'fail': True})
    assert result['failed'] is True and result['msg'] == 'cannot use ********'
    assert 'p4ssw0rd-nested' not in json.dumps(result)
    assert Probe.calls[0]['params']['nested']['port'] == 8


def test_invalid_arguments_fail_like_the_module():
    with pytest.raises(AnsibleActionFail, match='mutually exclusive: a[|]b'):
        run({'name': 'n', 'a': '1', 'b': '2'})
    with pytest.raises(AnsibleActionFail, match='Unsupported parameters.*nope'):
        run({'name': 'n', 'nope': 1})
    assert Probe.calls == []


def test_check_mode_reaches_the_work():
    run({'name': 'n'}, check_mode=True)
    assert Probe.calls[0]['check_mode'] is True


def test_an_unexpected_error_fails_the_task_not_the_play():
    """Like a module's crash: the task (or loop item) fails with the error and its traceback, secrets masked."""
    result = run({'name': 'n', 'token': SECRET, 'crash': True})
    assert result['failed'] is True
    assert result['msg'].startswith('sslclm.acme.probe failed unexpectedly: KeyError')
    assert 'Traceback' in result['exception'] and SECRET not in json.dumps(result)


def test_the_task_environment_applies_to_path_options_too():
    run({'name': 'n', 'where': '$PROBE_HOME/ledger.db'}, environment={'PROBE_HOME': '/srv/acme'})
    assert Probe.calls[0]['params']['where'] == '/srv/acme/ledger.db'


def test_a_validation_error_does_not_echo_a_secret():
    with pytest.raises(AnsibleActionFail) as caught:
        run({'name': 'n', 'mode': 'p4ss-in-a-choice'})
    assert 'p4ss-in-a-choice' not in str(caught.value) and 'fast' in str(caught.value)
