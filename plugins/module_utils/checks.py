# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A check's result, and waiting until a check passes (self-checks, DNS propagation).

Standard library only; the ground floor that ``acme/`` and ``dns/`` both use.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import time

CheckResult = collections.namedtuple('CheckResult', ['ok', 'detail', 'url'])


def wait_for(check_fn, deadline_seconds, first_interval=0.1, max_interval=2.0, sleep=time.sleep, clock=time.monotonic):
    """Call ``check_fn()`` until its result is ok or ``deadline_seconds`` have passed.

    Intervals double from ``first_interval`` up to ``max_interval`` and never overshoot
    the deadline. ``check_fn`` runs at least once; the last result is returned.
    """
    end = clock() + deadline_seconds
    interval = first_interval
    while True:
        result = check_fn()
        if result.ok:
            return result
        remaining = end - clock()
        if remaining <= 0:
            return result
        sleep(min(interval, remaining))
        interval = min(interval * 2, max_interval)
