# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy: how often, how long to wait, and how to read ``Retry-After``.

Pure logic (stdlib only) so that it is unit-tested without a server.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import re

UTC = datetime.timezone.utc
DELAY_SECONDS = re.compile(r'^[0-9]+$')  # ASCII digits only: str.isdigit() also takes '²'
MAX_RETRY_AFTER = datetime.timedelta(days=30)


def utcnow():
    return datetime.datetime.now(UTC)


def parse_retry_after(value, now=None):
    """Return the moment a ``Retry-After`` header allows, as an aware UTC datetime, or None.

    The header is either a number of seconds or an HTTP-date (RFC 9110 §10.2.3). Anything else
    (``'²'``, a negative number, garbage) is None, as if there were no header; a moment further
    away than ``MAX_RETRY_AFTER`` is cut to it, so no CA answer can overflow or stall a run forever.
    """
    if value is None:
        return None
    value = str(value).strip()
    now = now or utcnow()
    if DELAY_SECONDS.match(value):
        seconds = int(value)
        return now + (datetime.timedelta(seconds=seconds) if seconds < MAX_RETRY_AFTER.total_seconds() else MAX_RETRY_AFTER)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(moment.astimezone(UTC), now + MAX_RETRY_AFTER)


class RetryPolicy:
    """Bounds for the retries the ``acme`` library does not make itself.

    ``attempts`` covers connection errors and 5xx answers; ``nonce_attempts`` covers
    ``badNonce`` (cheap, no wait). Waits grow exponentially from ``base_delay`` and
    never exceed ``max_delay``; a server's ``Retry-After`` is honoured up to
    ``max_delay`` too, so no run ever sleeps blindly for long.
    """

    def __init__(self, attempts=4, nonce_attempts=16, base_delay=0.5, max_delay=30.0):
        self.attempts = max(1, int(attempts))
        self.nonce_attempts = max(1, int(nonce_attempts))
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)

    def delay(self, attempt, retry_after=None, now=None):
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        wait = self.base_delay * (2 ** (attempt - 1))
        if retry_after is not None:
            wait = max(wait, (retry_after - (now or utcnow())).total_seconds())
        return max(0.0, min(wait, self.max_delay))
