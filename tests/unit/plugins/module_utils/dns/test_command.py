# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""provider: command - the calls it makes, cleanup after failures and time-outs, secrets, and a real program run."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProviderError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.command import CommandProvider, env_value

NAME = '_acme-challenge.example.com'
SECRET = 's3cr3t-token'


class Runner:
    """Records each run; ``results``: (action, value) -> result dict (default rc 0)."""

    def __init__(self, results=None):
        self.calls = []
        self.results = results or {}

    def __call__(self, argv, timeout):
        self.calls.append((argv, timeout))
        return dict({'rc': 0, 'output': '', 'seconds': 0.1}, **self.results.get((argv[-3], argv[-1]), {}))


def provider(runner, **options):
    config = dict({'command': [sys.executable, '--hook'], 'command_env': {'API_TOKEN': SECRET}, 'timeout': 7}, **options)
    return CommandProvider(config, runner=runner)


def test_present_and_cleanup_for_each_value_with_the_fqdn_as_lego_passes_it():
    runner = Runner()
    dns = provider(runner)
    assert dns.add_txt(NAME, ['a', 'b']) == ['a', 'b']
    dns.remove_txt(NAME, ['a', 'b'])
    assert runner.calls == [([sys.executable, '--hook', action, NAME + '.', value], 7)
                            for action in ('present', 'cleanup') for value in ('a', 'b')]


def test_a_failing_present_cleans_up_every_value_presented_including_its_own():
    runner = Runner({('present', 'b'): {'rc': 3, 'output': 'API said no to token %s' % SECRET}})
    with pytest.raises(DnsProviderError) as caught:
        provider(runner).add_txt(NAME, ['a', 'b', 'c'])
    message = caught.value.msg
    assert 'present %s. exited 3: API said no to token ********' % NAME in message
    assert 'cleanup ran for the 2 value(s) presented' in message and SECRET not in message
    assert [(argv[-3], argv[-1]) for argv, unused in runner.calls] == [
        ('present', 'a'), ('present', 'b'), ('cleanup', 'a'), ('cleanup', 'b')]


def test_a_time_out_is_reported_and_cleaned_up_and_failing_cleanups_are_named():
    runner = Runner({('present', 'a'): {'rc': None, 'output': 'timed out after 7 s'},
                     ('cleanup', 'a'): {'rc': 1, 'output': 'record locked'}})
    with pytest.raises(DnsProviderError, match=r'present %s\. timed out after 7 s; cleaning up failed too: .*cleanup %s\. '
                                               r'exited 1: record locked' % (NAME, NAME)):
        provider(runner).add_txt(NAME, ['a'])
    runner = Runner({('cleanup', 'b'): {'rc': 2, 'output': ''}})
    with pytest.raises(DnsProviderError, match=r'dns01.command cleanup failed: .* cleanup %s\. exited 2$' % NAME):
        provider(runner).remove_txt(NAME, ['a', 'b'])
    assert len(runner.calls) == 2  # a failed cleanup does not stop the others


def test_the_program_must_be_there_and_a_list():
    with pytest.raises(AcmeInputError, match='dns01.provider command needs dns01.command'):
        CommandProvider({})
    with pytest.raises(AcmeInputError, match='/nonexistent/hook is not an executable program$'):
        provider(Runner(), command=['/nonexistent/hook'])
    with pytest.raises(AcmeInputError, match='is not an executable program .*is an argument list'):
        provider(Runner(), command=['dns-hook --zone example.com'])


def test_environment_values():
    assert [env_value('A', v) for v in ('x', 3, 1.5, True, False)] == ['x', '3', '1.5', 'true', 'false']
    with pytest.raises(AcmeInputError, match='dns01.command_env.A must be a string'):
        env_value('A', ['x'])


def test_a_real_program_gets_its_arguments_and_environment_and_is_stopped_at_the_time_limit(tmp_path):
    """No coreutils timeout needed: host/commands.py stops the program's process group itself."""
    record = tmp_path / 'calls.json'
    hook = tmp_path / 'hook.py'
    hook.write_text('#!%s\nimport json, os, sys, time\n'
                    'with open(%r, "a") as f:\n'
                    '    f.write(json.dumps([sys.argv[1:], os.environ.get("API_TOKEN"), "PATH" in os.environ]) + "\\n")\n'
                    'if sys.argv[-1] == "slow":\n    time.sleep(30)\n' % (sys.executable, str(record)))
    os.chmod(str(hook), 0o700)
    dns = CommandProvider({'command': [str(hook), '--zone', 'example.com'], 'command_env': {'API_TOKEN': SECRET}, 'timeout': 1})
    assert dns.add_txt(NAME, ['v1']) == ['v1']
    with pytest.raises(DnsProviderError, match=r'present %s\. timed out after 1 s' % NAME):
        dns.add_txt(NAME, ['slow'])
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert calls == [[['--zone', 'example.com', action, NAME + '.', value], SECRET, True]
                     for action, value in (('present', 'v1'), ('present', 'slow'), ('cleanup', 'slow'))]
