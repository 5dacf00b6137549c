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
