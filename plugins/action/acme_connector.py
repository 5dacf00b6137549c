# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sslclm.acme.acme_connector`` in the controller's process where it runs on the controller
(see ``plugins/plugin_utils/controller_module.py``); the module everywhere else."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.connector import ensure_connector
from ansible_collections.sslclm.acme.plugins.module_utils.acme.deps import HAS_DEPS
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_specs import connector_module_spec
from ansible_collections.sslclm.acme.plugins.plugin_utils.controller_module import ControllerModuleAction


class ActionModule(ControllerModuleAction):

    MODULE = 'sslclm.acme.acme_connector'

    def module_spec(self):
        return connector_module_spec()

    def work(self, params, check_mode, diff):
        return ensure_connector(dict(params, _diff=diff), check_mode)

    def dependencies_present(self):
        return HAS_DEPS
