# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runtime of the host programs built by ``plugins/plugin_utils/program_runner.py``.

A program is one script that starts with ``bootstrap.py``, which hands the entry module's
``main`` the arguments packed into the script; the result is one JSON document on
stdout, like a module's.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys


def serve(run, name, args):
    """Print ``run(args)`` as JSON → exit code; a crash becomes ``failed`` with the traceback.

    The arguments (key material, for a deploy) are never echoed, not even on a crash.
    """
    try:
        result = run(args)
    except Exception as exc:  # pylint: disable=broad-except
        import traceback  # pylint: disable=import-outside-toplevel
        result = {'failed': True, 'msg': '%s host program failed: %s: %s' % (name, type(exc).__name__, exc),
                  'exception': traceback.format_exc()}
    sys.stdout.write(json.dumps(result))
    sys.stdout.write('\n')
    return 1 if result.get('failed') else 0
