# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The attribute every module of the action group sslclm.acme.acme shares (meta/runtime.yml).
    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    support: full
    description: Use C(group/sslclm.acme.acme) in C(module_defaults) to set the CA connection options once.
    membership:
      - sslclm.acme.acme
'''

    # The modules whose action plugin runs their work in the controller's process (plugins/plugin_utils/controller_module.py)
    CONTROLLER = r'''
options: {}
attributes:
  action:
    support: full
    description:
      - On the controller (a local connection without become or async, with the controller's own Python, as with
        C(delegate_to=localhost)) the action plugin runs the work in its own process - no module start, no
        AnsiballZ - with the arguments validated and C(no_log) values masked as the module would. Elsewhere the
        module runs. The in-process path writes no "Invoked with" line to syslog.
'''
