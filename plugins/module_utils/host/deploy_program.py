# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host entry point of ``acme_deploy`` when its action plugin runs it as a plain program.

A new-style module pays for AnsiballZ and ``ansible.module_utils.basic`` on every host
(about 0.3 CPU-seconds; the deploy itself costs a few milliseconds). The deploy code is
stdlib only, so the action plugin ships it in a small zip (``plugins/plugin_utils/
program_runner.py``) with the arguments already validated on the controller.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.host.commands import run_command
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import DeployError
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_remove import converge
from ansible_collections.sslclm.acme.plugins.module_utils.host.program import serve


def run(args):
    """``{'params', 'check_mode'}`` → the module's result dict (``failed`` and ``msg`` on failure)."""
    try:
        result = converge(args['params'], bool(args.get('check_mode')), run_command)
    except DeployError as error:
        result = dict(error.result, failed=True, msg=error.msg)
    warnings = result.pop('_warnings', None)
    if warnings:
        result['warnings'] = list(warnings)
    return result


def main(args):
    return serve(run, 'acme_deploy', args)
