# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host entry point of ``acme_deploy`` when the action plugin runs it as a plain program.

A new-style module pays for AnsiballZ and ``ansible.module_utils.basic`` on every host
(about 0.3 CPU-seconds; the deploy itself costs a few milliseconds). The deploy code is
stdlib only, so the action plugin ships it in a small zip (``plugins/plugin_utils/
host_program.py``) with the arguments already validated on the controller, and this runs
it: one JSON document in (a member of the zip), one JSON result out on stdout.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys
import traceback

from ansible_collections.sslclm.acme.plugins.module_utils.deploy import DeployError, deploy, subprocess_runner
from ansible_collections.sslclm.acme.plugins.module_utils.program_args import read_args

# module_utils files the program consists of (plugins/plugin_utils/host_program.py packs them)
PROGRAM_MODULES = ('files', 'tls_probe', 'deploy', 'program_args', 'deploy_host')


def run(args):
    """``{'params', 'check_mode'}`` → the module's result dict (``failed`` and ``msg`` on failure)."""
    try:
        result = deploy(args['params'], bool(args.get('check_mode')), subprocess_runner())
    except DeployError as error:
        result = dict(error.result, failed=True, msg=error.msg)
    warnings = result.pop('_warnings', None)
    if warnings:
        result['warnings'] = list(warnings)
    return result


def main(archive=None):
    """Read the arguments from the zip this runs from, print the result as JSON."""
    try:
        result = run(read_args(archive))
    except Exception as exc:  # pylint: disable=broad-except
        # the controller shows this like a module's crash; arguments (key material) are never echoed
        result = {'failed': True, 'msg': 'acme_deploy host program failed: %s: %s' % (type(exc).__name__, exc),
                  'exception': traceback.format_exc()}
    sys.stdout.write(json.dumps(result))
    sys.stdout.write('\n')
    return 1 if result.get('failed') else 0
