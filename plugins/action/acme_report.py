# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sslclm.acme.acme_report``: on the controller (the renewal role's case: ``delegate_to: localhost``) the reports
are written by this process - no module start, the second-largest cost of a converge run with nothing due. On any
other target, or with ``become``, the module runs there as usual."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import argument_spec, report_result
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

MODULE = 'sslclm.acme.acme_report'


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def _on_this_controller(self):
        """A local connection without become: the files this process writes are the ones the module would write."""
        return self._connection.transport in ('local', 'ansible.builtin.local') and not self._task.become

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used
        task_vars = task_vars or {}
        if not self._on_this_controller():
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
            return result
        unused_validation, params = self.validate_argument_spec(argument_spec=argument_spec())
        try:
            result.update(report_result(params, bool(self._task.check_mode)))
        except AcmeError as error:
            result.update(failed=True, msg=error.msg)
        except (IOError, OSError) as error:
            result.update(failed=True, msg='cannot write the report: %s' % error)
        return result
