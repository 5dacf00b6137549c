# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands run on a host (validate, reload, service checks): an argument list, never a shell,
always within a time limit; errors come back as results so that a rollback can still run."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import shutil
import time

OUTPUT_TAIL = 1500


def _tail(data):
    text = _text(data).strip()
    return text if len(text) <= OUTPUT_TAIL else '...' + text[-OUTPUT_TAIL:]


TIMEOUT_RC = 124  # coreutils timeout: the command ran out of time


def _runner(execute, timeout_bin):
    """``run(argv, timeout) → {'rc', 'output', 'seconds'}`` around ``execute(argv) → (rc, out, err)``.

    Arguments are passed literally (no shell, no ``~``/``$VAR`` expansion); errors starting the
    command come back as rc 127 instead of ending the run, so a rollback can still run.
    The time limit comes from coreutils ``timeout`` where the host has it (rc None = timed out).
    """
    def run(argv, timeout):
        command = list(argv)
        if timeout_bin and timeout:
            command = [timeout_bin, '--kill-after=5', str(int(timeout))] + command
        start = time.monotonic()
        try:
            rc, out, err = execute(command)
        except (IOError, OSError) as exc:
            return {'rc': 127, 'output': 'cannot run %s: %s' % (argv[0], exc.strerror or exc),
                    'seconds': round(time.monotonic() - start, 3)}
        output = _tail('\n'.join(part for part in (_text(out).strip(), _text(err).strip()) if part))
        if timeout_bin and timeout and rc in (TIMEOUT_RC, 128 + 9, -9):
            rc, output = None, 'timed out after %d s%s' % (timeout, (': ' + output) if output else '')
        return {'rc': rc, 'output': output, 'seconds': round(time.monotonic() - start, 3)}
    return run


def _text(data):
    return data.decode('utf-8', 'replace') if isinstance(data, bytes) else (data or '')


def command_runner(module):
    """The runner inside the Ansible module (``module.run_command``)."""
    def execute(command):
        return module.run_command(command, expand_user_and_vars=False, handle_exceptions=False)
    return _runner(execute, module.get_bin_path('timeout'))


def subprocess_runner(env=None):
    """The runner of the action plugin's host program (no ``ansible.module_utils`` there), and of
    programs run on the controller from module_utils (``env``: their whole environment).

    Like ``run_command``: no shell, stdin closed, output captured.
    """
    def execute(command):
        # run_command needs AnsibleModule, which the host program does not load (that is its point);
        # imported here, only deploys that run commands pay for subprocess
        import subprocess  # pylint: disable=import-outside-toplevel
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                                   stderr=subprocess.PIPE, check=False, env=env)
        return completed.returncode, completed.stdout, completed.stderr
    return _runner(execute, shutil.which('timeout'))


def show(argv):
    return ' '.join(argv)


def detail_of(command, what):
    if command['rc'] is None:
        return '%s %s' % (what, command['output'])
    return '%s exited %s%s' % (what, command['rc'], (': ' + command['output']) if command['output'] else '')
