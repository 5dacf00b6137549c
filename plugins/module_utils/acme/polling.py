# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adaptive polling: a first look when the work is likely done, growing back-off, Retry-After honoured, a deadline.

Fixed multi-second sleeps are what make ACME clients slow; a CA that validates in
50 ms should be asked again soon, one that needs a minute should not be hammered.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.retry import parse_retry_after, utcnow


class Poller:
    """The polls of one CA, shared by the certificates of a run (thread-safe).

    Right after the request that starts the work (a challenge answer, a finalize) the CA has not
    finished, so looking at once wastes a request. With ``settle`` the first look waits the time that
    kind of work is expected to take, learnt from the loops before:

    - ``first_interval`` to begin with;
    - when the first look finds the work done, the next first look comes sooner: half as long, but
      not below ``margin`` x the longest first wait found too short lately (that bound fades x``fade``
      with each early success, so a CA that got faster is followed down), nor below ``min_first``;
    - when it does not, that wait becomes the bound, and the next first look waits twice as long, at
      most the time the work really took.

    It settles just above the CA's pace within a few certificates - milliseconds on a Pebble without
    sleeps, seconds at a public CA - so the first look nearly always finds the work done without
    waiting much longer than it takes. Later looks come at x``factor`` the time waited so far (spaced
    at most ``max_interval``); a longer Retry-After wins; the deadline is kept.

    Why 0.05 s to begin with: the workers of a run start together, so the first wave of certificates
    waits it twice before anything is learnt; at a CA that needs seconds it costs the first
    certificates one look more than 0.1 s would, and the rest of the run none. On the bench's Pebble,
    0.1 s with a slow descent (x0.9 per early success, floor 20 ms) spent 38% of a certificate's time
    in these waits.
    """

    def __init__(self, first_interval=0.05, factor=1.6, max_interval=3.0, min_first=0.005, margin=1.5, fade=0.95,
                 clock=time.monotonic, sleep=time.sleep):
        self.first_interval = first_interval
        self.factor = factor
        self.max_interval = max_interval
        self.min_first = min_first
        self.margin = margin
        self.fade = fade
        self.clock = clock
        self.sleep = sleep
        self._expected = {}
        self._too_short = {}  # kind -> the longest first wait found too short lately (fading)
        self._lock = threading.Lock()

    def expected(self, kind):
        """Seconds the first look at ``kind`` of work waits."""
        with self._lock:
            return self._expected.get(kind, self.first_interval)

    def _learn(self, kind, first_wait, first_look_found_it, took):
        with self._lock:
            current = self._expected.get(kind, self.first_interval)
            bound = self._too_short.get(kind, 0.0)
            if first_look_found_it:
                self._too_short[kind] = bound * self.fade
                value = max(current / 2, bound * self.margin)
            else:
                self._too_short[kind] = max(bound, first_wait)
                value = min(took, 2 * current)
            self._expected[kind] = min(self.max_interval, max(self.min_first, value))

    def intervals(self, first):
        """The waits between looks: ``first``, then each making the time waited ×``factor``."""
        yield first
        waited, gap = first, first * (self.factor - 1)
        while True:
            gap = min(self.max_interval, gap)
            yield gap
            waited += gap
            gap = waited * (self.factor - 1)

    def until(self, fetch, done, timeout, settle=None, response=None):
        """Call ``fetch()`` → (value, response) until ``done(value)`` or ``timeout`` seconds pass.

        Returns (value, finished). ``settle``: the kind of work just started (``'authz'``, ``'order'``):
        the first call waits the expected time (or the Retry-After of ``response``, the answer that
        started the work, if longer); without it, the first call is made at once and the next after
        ``first_interval``. Between calls waits the next interval, or the last answer's Retry-After if
        longer, never past the deadline.
        """
        start = self.clock()
        deadline = start + timeout
        first = self.expected(settle) if settle else self.first_interval
        waits = self.intervals(first)
        if settle:
            self._wait(next(waits), response, deadline)
        looks = 0
        while True:
            sent = self.clock()
            value, response = fetch()
            looks += 1
            if done(value):
                if settle:
                    self._learn(settle, first, looks == 1, sent - start)
                return value, True
            if deadline - self.clock() <= 0:
                return value, False
            self._wait(next(waits), response, deadline)

    def _wait(self, wait, response, deadline):
        retry_at = parse_retry_after(response.headers.get('Retry-After')) if response is not None else None
        if retry_at is not None:
            wait = max(wait, (retry_at - utcnow()).total_seconds())
        self.sleep(max(0.0, min(wait, deadline - self.clock())))
