# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sslclm.acme.acme_enroll`` in the controller's process where it runs on the controller
(see ``plugins/plugin_utils/controller_module.py``); the module everywhere else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.deps import HAS_DEPS
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll import enroll
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_options import TASK_RULES, enroll_argument_spec
from ansible_collections.sslclm.acme.plugins.plugin_utils.controller_module import ControllerModuleAction


class ActionModule(ControllerModuleAction):

    MODULE = 'sslclm.acme.acme_enroll'

    def module_spec(self):
        return enroll_argument_spec(), TASK_RULES

    def work(self, params, check_mode, diff):
        return enroll(params, check_mode)

    def dependencies_present(self):
        return HAS_DEPS
