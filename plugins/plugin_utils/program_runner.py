# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stdlib-only programs for managed hosts, built and run by action plugins.

An action plugin whose host side needs nothing from ``ansible.module_utils`` can run it
as ``python program.py`` instead of as a new-style module: the program is one script -
``module_utils/host/bootstrap.py``, then the sources of the collection's ``host/`` modules
the entry imports, the entry's name and the arguments (JSON in a bytes literal), then a call
of ``bootstrap.run`` that imports them from memory (at their package paths, so the imports
read the same as in a module) and calls the entry module's ``main()``. What it saves on every
host is AnsiballZ's wrapper and the import of ``ansible.module_utils.basic`` - about 0.3
CPU-seconds, the bulk of a small per-host task in a fleet run - and, against the zip it was
before, ``zipfile``'s imports on the host (about half of the program's 50 ms).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re

from ansible import constants as C
from ansible.executor.interpreter_discovery import discover_interpreter
from ansible.module_utils.common.text.converters import to_text

PACKAGE_PATH = ('ansible_collections', 'sslclm', 'acme', 'plugins', 'module_utils', 'host')
HOST_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'module_utils', 'host')
# how one host module imports another (host/ imports nothing else: tests/unit/test_layout.py)
HOST_IMPORT = re.compile(r'^from %s\.(\w+) import' % re.escape('.'.join(PACKAGE_PATH)), re.M)
# -I: no PYTHON* variables, no user site; -S: no site-packages (the program is stdlib only) - and a faster start
PYTHON_FLAGS = '-I -S'
# The program on stdin: one command, and no file on the host at all (a deploy's arguments hold a key).
STDIN_BOOTSTRAP = ('import sys; exec(compile(sys.stdin.buffer.read(), "<sslclm.acme host program>", "exec"), '
                   '{"__name__": "__main__", "FROM_STDIN": True})')
# The end of every program: the payload, and the call that runs it (removing the program's file, if it has one).
TRAILER = (b'\n\nPAYLOAD = %s\n'
           b'if __name__ == "__main__":\n'
           b'    sys.exit(run(PAYLOAD, None if globals().get("FROM_STDIN") else sys.argv[0]))\n')
DISCOVERY_MODES = ('auto', 'auto_legacy', 'auto_silent', 'auto_legacy_silent')
OUTPUT_TAIL = 2000

_sources = {}


def _source(name):
    """Text of ``module_utils/host/<name>.py`` (read once per controller process)."""
    if name not in _sources:
        with open(os.path.join(HOST_DIR, name + '.py'), 'rb') as handle:
            _sources[name] = handle.read()
    return _sources[name]


def program_modules(entry):
    """``entry`` and every ``host/`` module it imports, directly or not (sorted names)."""
    found, todo = set(), [entry]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(HOST_IMPORT.findall(_source(name).decode('utf-8')))
    return sorted(found)


def build(entry, args):
    """Bytes of a Python script that runs ``module_utils/host/<entry>.py``'s ``main(args)``.

    ``args`` must be JSON-serialisable. The script is ``host/bootstrap.py`` followed by the payload:
    the modules of ``host/`` the entry needs and the arguments, as a Python literal. Through JSON first, so that
    the literal holds only plain types (templated values are subclasses whose ``repr`` is their own) and no
    float the interpreter could not read back; ``ascii``: the script is ASCII whatever the arguments hold.
    """
    payload = json.loads(json.dumps({
        'entry': entry,
        'modules': dict((name, _source(name).decode('utf-8')) for name in program_modules(entry)),
        'args': args,
    }, allow_nan=False))
    return _source('bootstrap') + TRAILER % ascii(payload).encode('ascii')


def parse_output(stdout, stderr, rc, what):
    """The program's JSON result, or a failure that shows what the host said instead."""
    stdout, stderr = to_text(stdout or ''), to_text(stderr or '')
    lines = stdout.strip().splitlines()
    try:
        outcome = json.loads(lines[-1]) if lines else None
    except ValueError:
        outcome = None
    if isinstance(outcome, dict):
        return outcome
    return {
        'failed': True, 'rc': rc,
        'msg': '%s did not answer (rc %s)%s' % (what, rc, (': ' + stderr.strip()[-OUTPUT_TAIL:]) if stderr.strip() else ''),
        'module_stdout': stdout[-OUTPUT_TAIL:], 'module_stderr': stderr[-OUTPUT_TAIL:],
    }


def host_vars_of(task, task_vars):
    """The variables of the host a task runs on (the delegated one with ``delegate_to``)."""
    if task.delegate_to:
        return (task_vars.get('ansible_delegated_vars') or {}).get(task.delegate_to) or task_vars
    return task_vars


class HostProgramAction:
    """Mixin for an ``ActionBase`` subclass: run a host program like a module would run.

    Same interpreter as modules (``ansible_python_interpreter``, else interpreter discovery,
    whose result is returned as a fact like modules do), same remote temporary directory,
    ``become`` and ``environment``.
    """

    def _program_interpreter(self, task_vars):
        """``(python, discovered)``: the host's Python as modules get it; ``discovered`` when found just now."""
        host_vars = host_vars_of(self._task, task_vars)
        configured = C.config.get_config_value('INTERPRETER_PYTHON', variables=host_vars)
        interpreter = to_text(self._templar.template(configured)).strip() if configured else ''
        if interpreter and interpreter not in DISCOVERY_MODES:
            return interpreter, None
        facts = host_vars.get('ansible_facts') or {}
        if facts.get('discovered_interpreter_python'):
            return facts['discovered_interpreter_python'], None
        found = discover_interpreter(action=self, interpreter_name='python', discovery_mode=interpreter or 'auto',
                                     task_vars=host_vars)
        return found, found

    def _can_send_on_stdin(self):
        """True when the program can go to the interpreter's stdin: no temporary directory, no file
        transfer, one command. Needs a connection that passes stdin (like module pipelining) and, with
        become, pipelining enabled (the user's statement that their become method passes stdin through)."""
        connection = self._connection
        if not getattr(connection, 'has_pipelining', False):
            return False
        if getattr(connection, 'become', None) is None:
            return True
        return bool(connection.is_pipelining_enabled())

    def _runs_as_program(self):
        """False for connections that run modules on the controller (network_cli, httpapi, ...)."""
        return not getattr(self._connection, '_remote_is_local', False)

    def _run_host_program(self, name, entry, args, task_vars):
        """Run ``module_utils/host/<entry>.py`` on the host as ``python <name>.py`` → its result dict.

        The program goes to the interpreter's stdin where the connection allows it, else into the
        remote temporary directory, which the caller removes (``_remove_tmp_path``) when done.
        """
        interpreter, discovered = self._program_interpreter(task_vars)
        program = build(entry, args)
        if self._can_send_on_stdin():
            command, in_data = '%s %s -c %s' % (interpreter, PYTHON_FLAGS, self._connection._shell.quote(STDIN_BOOTSTRAP)), program
        else:
            tmpdir = self._connection._shell.tmpdir or self._make_tmp_path()
            remote_program = self._connection._shell.join_path(tmpdir, name + '.py')
            self._transfer_data(remote_program, program)
            self._fixup_perms2([tmpdir, remote_program], self._get_remote_user(), execute=False)
            command, in_data = '%s %s %s' % (interpreter, PYTHON_FLAGS, self._connection._shell.quote(remote_program)), None
        environment = self._compute_environment_string()
        if environment:
            command = '%s %s' % (environment, command)
        res = self._low_level_execute_command(command, sudoable=True, in_data=in_data)
        outcome = parse_output(res.get('stdout'), res.get('stderr'), res.get('rc'),
                               'the %s host program (run with %s)' % (name, interpreter))
        if discovered and not self._task.delegate_to:
            outcome.setdefault('ansible_facts', {})['discovered_interpreter_python'] = discovered
        return outcome
