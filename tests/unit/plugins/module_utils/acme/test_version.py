# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.sslclm.acme.plugins.module_utils.acme.version import COLLECTION_VERSION, USER_AGENT

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..')


def test_user_agent_version_matches_galaxy_yml():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        version = re.search(r'^version:\s*(\S+)', handle.read(), re.M).group(1)
    assert COLLECTION_VERSION == version
    assert USER_AGENT == 'sslclm.acme/' + version
