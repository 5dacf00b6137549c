# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a host program built by ``plugins/plugin_utils/host_program.py`` finds its arguments."""

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
