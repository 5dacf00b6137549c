# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adaptive polling: a short first interval, growing back-off, Retry-After honoured, a deadline.

Fixed multi-second sleeps are what make ACME clients slow; a CA that validates in
50 ms should be asked again soon, one that needs a minute should not be hammered.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import parse_retry_after, utcnow


class Poller:
    def __init__(self, first_interval=0.05, factor=1.6, max_interval=3.0, clock=time.monotonic, sleep=time.sleep):
        self.first_interval = first_interval
        self.factor = factor
        self.max_interval = max_interval
        self.clock = clock
        self.sleep = sleep

    def intervals(self):
        interval = self.first_interval
        while True:
            yield interval
            interval = min(self.max_interval, interval * self.factor)

    def until(self, fetch, done, timeout):
        """Call ``fetch()`` → (value, response) until ``done(value)`` or ``timeout`` seconds pass.

        Returns (value, finished). Between calls waits the next interval, or the
        response's Retry-After if longer, never past the deadline.
        """
        deadline = self.clock() + timeout
        waits = self.intervals()
        while True:
            value, response = fetch()
            if done(value):
                return value, True
            remaining = deadline - self.clock()
            if remaining <= 0:
                return value, False
            wait = next(waits)
            retry_at = parse_retry_after(response.headers.get('Retry-After')) if response is not None else None
            if retry_at is not None:
                wait = max(wait, (retry_at - utcnow()).total_seconds())
            self.sleep(max(0.0, min(wait, remaining)))
