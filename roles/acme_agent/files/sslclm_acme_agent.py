# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Launcher of the sslclm.acme challenge agent (Python 3.8+, standard library only).

The role ``sslclm.acme.acme_agent`` installs the collection's host modules under ``lib/``
beside this file (at their package paths) and runs this with ``--config FILE``; the
program itself is ``plugins/module_utils/host/agent.py``.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))

from ansible_collections.sslclm.acme.plugins.module_utils.host.agent import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == '__main__':
    sys.exit(main())
