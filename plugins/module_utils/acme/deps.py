# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One place that knows which Python packages the controller-side modules need."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback

from ansible.module_utils.basic import missing_required_lib

REQUIRED = 'acme, josepy, cryptography and requests (pip install -r requirements.txt of sslclm.acme)'

try:
    import acme.client  # noqa: F401, pylint: disable=unused-import
    import acme.messages  # noqa: F401, pylint: disable=unused-import
    import josepy  # noqa: F401, pylint: disable=unused-import
    import cryptography  # noqa: F401, pylint: disable=unused-import
    import requests  # noqa: F401, pylint: disable=unused-import
except ImportError:
    HAS_DEPS = False
    IMPORT_TRACEBACK = traceback.format_exc()
else:
    HAS_DEPS = True
    IMPORT_TRACEBACK = None


def ensure_deps(module):
    """Fail the module with Ansible's standard message when a dependency is missing."""
    if not HAS_DEPS:
        module.fail_json(msg=missing_required_lib(REQUIRED), exception=IMPORT_TRACEBACK)
