# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sslclm.acme.acme_revoke`` in the controller's process where it runs on the controller
(see ``plugins/plugin_utils/controller_module.py``); the module everywhere else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.deps import HAS_DEPS
from ansible_collections.sslclm.acme.plugins.module_utils.acme.revoke import REVOKE_RULES, revoke, revoke_argument_spec
from ansible_collections.sslclm.acme.plugins.plugin_utils.controller_module import ControllerModuleAction


class ActionModule(ControllerModuleAction):

    MODULE = 'sslclm.acme.acme_revoke'

    def module_spec(self):
        return revoke_argument_spec(), REVOKE_RULES

    def work(self, params, check_mode, diff):
        return revoke(params, check_mode)

    def dependencies_present(self):
        return HAS_DEPS
