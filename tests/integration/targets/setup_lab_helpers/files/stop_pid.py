#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: stop the challenge agents named by pid files, and wait (bounded) until they are gone.

    stop_pid.py PIDFILE...

SIGTERM to each pid a file names if that process is an agent (its command line names
sslclm_acme_agent; an empty or missing file is skipped: an agent that served as an
unprivileged user empties its pid file instead of removing it), then up to 10 s for
every one of them to exit. Exit status 1 if one is still there.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import signal
import sys
import time


def _pid(path):
    try:
        with open(path) as handle:
            pid = int(handle.read().strip() or 0)
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return pid if b'sslclm_acme_agent' in handle.read() else None
    except (IOError, OSError, ValueError):
        return None


def main(paths):
    pids = [pid for pid in (_pid(path) for path in paths) if pid]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.time() + 10
    while time.time() < deadline:
        alive = [pid for pid in pids if os.path.exists('/proc/%d' % pid)]
        if not alive:
            return 0
        time.sleep(0.1)
    sys.stderr.write('still running: %s\n' % alive)
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
