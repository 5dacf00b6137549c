# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sslclm.acme.acme_report`` in the controller's process where it runs on the controller (the renewal
role's case, see ``plugins/plugin_utils/controller_module.py``); the module everywhere else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import argument_spec, report_result
from ansible_collections.sslclm.acme.plugins.plugin_utils.controller_module import ControllerModuleAction


class ActionModule(ControllerModuleAction):

    MODULE = 'sslclm.acme.acme_report'

    def module_spec(self):
        return argument_spec(), {}

    def work(self, params, check_mode, diff):
        try:
            return report_result(params, check_mode)
        except (IOError, OSError) as error:
            return dict(failed=True, msg='cannot write the report: %s' % error)
