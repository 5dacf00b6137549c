# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket

import pytest


@pytest.fixture
def ipv6_loopback():
    """Skip a test that needs ::1 on a machine (a container) without IPv6."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(('::1', 0))
    except OSError:
        pytest.skip('this machine has no IPv6 loopback (::1)')
