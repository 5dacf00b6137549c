# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sslclm.acme.acme_discover``: the host side as a plain stdlib program (see
``plugins/plugin_utils/program_runner.py``), the module where modules run on the controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.sslclm.acme.plugins.module_utils.host.discover import ARGUMENT_RULES, argument_spec, wanted
from ansible_collections.sslclm.acme.plugins.plugin_utils.program_runner import HostProgramAction

MODULE = 'sslclm.acme.acme_discover'


class ActionModule(HostProgramAction, ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used
        task_vars = task_vars or {}
        validation, validated = self.validate_argument_spec(argument_spec=argument_spec(), **ARGUMENT_RULES)
        del validation  # errors raised already
        # entries become what to read here, on the controller: the host gets names and paths only
        args = {'certificates': wanted(validated), 'record_dir': validated.get('record_dir')}
        try:
            if self._runs_as_program():
                outcome = self._run_host_program('acme_discover', 'discover_program', args, task_vars)
            else:
                outcome = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result.update(outcome)
        return result
