# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands run on a host (validate, reload, service checks): an argument list, never a shell,
always within a time limit; errors come back as results so that a rollback can still run.

The limit does not depend on coreutils ``timeout``: the command runs in a session of its own,
and when its time is up the whole process group gets SIGTERM, then SIGKILL.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

OUTPUT_TAIL = 1500
KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL of a command that ran out of time


def _text(data):
    return data.decode('utf-8', 'replace') if isinstance(data, bytes) else (data or '')


def _tail(data):
    text = _text(data).strip()
    return text if len(text) <= OUTPUT_TAIL else '...' + text[-OUTPUT_TAIL:]


def _signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except OSError:  # already gone
        pass


def _communicate(process, timeout):
    """(stdout, stderr, timed_out): waits ``timeout`` seconds, then stops the command's process group."""
    import signal  # pylint: disable=import-outside-toplevel  # as subprocess: only where a command runs
    import subprocess  # pylint: disable=import-outside-toplevel
    try:
        out, err = process.communicate(timeout=timeout)
        return out, err, False
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGTERM)
        try:
            out, err = process.communicate(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            out, err = process.communicate()
        return out, err, True


def run_command(argv, timeout, env=None):
    """``{'rc', 'output', 'seconds'}`` of one command: ``rc`` None when it ran out of time, 127 when it
    could not start. Arguments are passed literally (no shell, no ``~``/``$VAR`` expansion); stdin is closed.
    ``env``: the command's whole environment (default: this process's)."""
    # imported here: only deploys that run commands pay for subprocess
    import subprocess  # pylint: disable=import-outside-toplevel
    start = time.monotonic()
    try:
        process = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                                   stderr=subprocess.PIPE, start_new_session=True, env=env)
    except (IOError, OSError) as exc:
        return {'rc': 127, 'output': 'cannot run %s: %s' % (argv[0], exc.strerror or exc),
                'seconds': round(time.monotonic() - start, 3)}
    out, err, timed_out = _communicate(process, float(timeout) if timeout else None)
    output = _tail('\n'.join(part for part in (_text(out).strip(), _text(err).strip()) if part))
    rc = process.returncode
    if timed_out:
        rc, output = None, 'timed out after %d s%s' % (timeout, (': ' + output) if output else '')
    return {'rc': rc, 'output': output, 'seconds': round(time.monotonic() - start, 3)}


def show(argv):
    return ' '.join(argv)


def detail_of(command, what):
    if command['rc'] is None:
        return '%s %s' % (what, command['output'])
    return '%s exited %s%s' % (what, command['rc'], (': ' + command['output']) if command['output'] else '')
