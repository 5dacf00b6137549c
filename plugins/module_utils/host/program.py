# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runtime of the host programs built by ``plugins/plugin_utils/program_runner.py``.

A program is a zip run as ``python program.pyz``; its arguments are a member of the zip
and its result is one JSON document on stdout, like a module's.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys
import zipfile

ARGS_MEMBER = 'args.json'


def read_args(archive=None):
    """The arguments packed into the zip this program runs from (``sys.argv[0]``)."""
    with zipfile.ZipFile(archive or sys.argv[0]) as bundle:
        return json.loads(bundle.read(ARGS_MEMBER).decode('utf-8'))


def serve(run, name, archive=None):
    """Print ``run(args)`` as JSON → exit code; a crash becomes ``failed`` with the traceback.

    The arguments (key material, for a deploy) are never echoed, not even on a crash.
    """
    try:
        result = run(read_args(archive))
    except Exception as exc:  # pylint: disable=broad-except
        import traceback  # pylint: disable=import-outside-toplevel
        result = {'failed': True, 'msg': '%s host program failed: %s: %s' % (name, type(exc).__name__, exc),
                  'exception': traceback.format_exc()}
    sys.stdout.write(json.dumps(result))
    sys.stdout.write('\n')
    return 1 if result.get('failed') else 0
