# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the ACME tests."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest


class FakeClock:
    """A monotonic clock that only ``sleep`` moves; every sleep is logged (rounded to the microsecond)."""

    def __init__(self, start=0.0):
        self.now = start
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def fake_clock():
    return FakeClock()
