# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One place that knows which Python packages the controller-side modules need."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from importlib.util import find_spec

from ansible.module_utils.basic import missing_required_lib

REQUIRED = 'acme, josepy, cryptography and requests (pip install -r requirements.txt of sslclm.acme)'

# Presence only (find_spec): importing them here would make every module pay for requests and the
# acme client even when a run needs neither (a converge answered from the lookup cache).
_MISSING = [name for name in ('acme', 'josepy', 'cryptography', 'requests') if find_spec(name) is None]
HAS_DEPS = not _MISSING
IMPORT_TRACEBACK = 'No module named %s' % ', '.join(repr(name) for name in _MISSING) if _MISSING else None


def ensure_deps(module):
    """Fail the module with Ansible's standard message when a dependency is missing."""
    if not HAS_DEPS:
        module.fail_json(msg=missing_required_lib(REQUIRED), exception=IMPORT_TRACEBACK)
