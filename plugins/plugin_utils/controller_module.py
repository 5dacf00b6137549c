# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side modules run in the action plugin's own process where that changes nothing.

``acme_enroll``, ``acme_connector``, ``acme_ca``, ``acme_revoke`` and ``acme_report`` run on the controller
(``delegate_to: localhost``). Started as modules, each pays AnsiballZ (every ``module_utils`` file it imports
analysed and zipped: 0.6-0.9 s for ``acme_enroll``), a new interpreter and its imports - more than the work of a
run with nothing due. When the task runs on a local connection, without become or async, with the controller's
own Python, the action plugin calls the function the module calls, in the worker process Ansible forked for the
task, and gives the result what ``AnsibleModule`` would: the arguments decoded and validated the same way, the
task's ``environment`` applied, ``invocation``, every ``no_log`` value masked, warnings, failures as ``failed`` +
``msg``.
Otherwise (another host, become, another interpreter, a missing dependency) the module runs as usual.

What the module path has that this one has not: the "Invoked with ..." line a module writes to syslog or the
journal. On the controller, ansible's own ``log_path`` is the record of the task.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import logging
import os
import sys
import traceback

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.plugin_utils.program_runner import DISCOVERY_MODES, host_vars_of

try:  # ansible-core 2.19+: the encoder that turns task arguments into a module's JSON
    from ansible.module_utils.common.json import Direction, get_module_encoder
    _ENCODER = get_module_encoder('legacy', Direction.CONTROLLER_TO_MODULE)
except ImportError:  # 2.17, 2.18
    from functools import partial
    from ansible.module_utils.common.json import AnsibleJSONEncoder
    _ENCODER = partial(AnsibleJSONEncoder, vault_to_text=True)

# Libraries whose INFO messages would otherwise reach ansible's log_path (its logging config is the root logger's)
QUIET_LOGGERS = ('acme', 'josepy', 'urllib3', 'requests', 'botocore', 'boto3', 's3transfer', 'dns', 'lexicon',
                 'psycopg', 'psycopg2')


def same_python(interpreter, executable=None):
    """True when ``interpreter`` is this process's Python: the same binary in the same directory (a virtualenv's
    ``bin/python`` and ``bin/python3.11`` are; ``/usr/bin/python3`` and the venv's are not, despite one realpath)."""
    executable = executable or sys.executable
    real = os.path.realpath
    return (real(interpreter) == real(executable)
            and real(os.path.dirname(interpreter)) == real(os.path.dirname(executable)))


def module_json(args):
    """Task arguments as a module receives them: through JSON (vaulted values decrypted, tags and unsafe
    markers gone), so the work sees plain ``str``/``dict``/``list`` whichever path runs it."""
    return json.loads(json.dumps(args, cls=_ENCODER))


def finish(result, no_log_values):
    """A work function's result as the module would return it: ``_warnings`` → ``warnings``, no_log values
    masked."""
    warnings = result.pop('_warnings', None) or []
    result = remove_values(result, no_log_values)
    if warnings:
        result['warnings'] = remove_values(list(warnings), no_log_values)
    return result


class ControllerModuleAction(ActionBase):
    """Base of an action plugin named like its module. Subclasses set ``MODULE`` and define ``module_spec()`` →
    ``(argument_spec, rules)`` (the ``AnsibleModule`` keyword arguments) and ``work(params, check_mode, diff)``
    → result dict (may raise ``AcmeError``)."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True
    MODULE = None

    def module_spec(self):
        raise NotImplementedError

    def work(self, params, check_mode, diff):
        raise NotImplementedError

    def dependencies_present(self):
        """False makes the module run (and fail with Ansible's missing-library message)."""
        return True

    def _runs_here(self, task_vars):
        if self._connection.transport not in ('local', 'ansible.builtin.local', 'ansible.legacy.local'):
            return False
        # become also comes from variables (ansible_become): the connection has a become plugin then
        becomes = self._task.become or getattr(self._connection, 'become', None) is not None
        if becomes or self._task.async_val or not self.dependencies_present():
            return False
        configured = C.config.get_config_value('INTERPRETER_PYTHON', variables=host_vars_of(self._task, task_vars))
        interpreter = to_text(self._templar.template(configured)).strip() if configured else ''
        return not interpreter or interpreter in DISCOVERY_MODES or same_python(interpreter)

    def run(self, tmp=None, task_vars=None):
        result = super(ControllerModuleAction, self).run(tmp, task_vars)
        del tmp  # not used
        task_vars = task_vars or {}
        if not self._runs_here(task_vars):
            result.update(self._execute_module(module_name=self.MODULE, module_args=self._task.args,
                                               task_vars=task_vars, wrap_async=bool(self._task.async_val)))
            return result
        environment = {}
        self._compute_environment_string(environment)
        saved = dict(os.environ)
        # the task's environment applies to the validation too (type=path options expand $VARS and ~ there)
        os.environ.update((to_text(key), to_text(value)) for key, value in environment.items())
        try:
            result.update(self._validate_and_work())
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return result

    def _validate_and_work(self):
        argument_spec, rules = self.module_spec()
        validation = ArgumentSpecValidator(argument_spec, **rules).validate(module_json(self._task.args))
        no_log_values = validation._no_log_values  # pylint: disable=protected-access
        if validation.error_messages:
            msg = remove_values(validation.errors.msg, no_log_values)  # a choices error echoes the value given
            if isinstance(validation.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (%s) module: %s' % (self.MODULE, msg)
            raise AnsibleActionFail(msg)
        params = validation.validated_parameters
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            outcome = self.work(params, bool(self._task.check_mode), bool(self._task.diff))
        except AcmeError as error:
            outcome = dict(error.to_result(), failed=True)
        except Exception as error:  # pylint: disable=broad-except
            # as a module's crash would be: this task (or loop item) fails, the play goes on
            outcome = dict(failed=True, msg='%s failed unexpectedly: %s: %s' % (self.MODULE, type(error).__name__, error),
                           exception=traceback.format_exc())
        outcome.setdefault('invocation', {'module_args': params})  # as AnsibleModule returns it (shown at -vvv)
        # through JSON like a module's answer (tuples become lists, keys text), then masked
        return finish(module_json(outcome), no_log_values)
