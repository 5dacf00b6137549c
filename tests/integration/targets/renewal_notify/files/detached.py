# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The process handling the receivers of this target share: run detached with a pid file, stop by that pid."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import signal
import sys
import time

LIFETIME = 1800  # seconds a receiver lives at most, whatever becomes of the test that started it


def daemonize(pidfile, what):
    """Fork. The parent returns False once the child wrote PIDFILE (or exits after 10 s); the child returns True,
    in a session of its own, its output in PIDFILE.log (Ansible waits for the caller's stdout to close)."""
    if os.path.exists(pidfile):
        sys.exit('%s: %s exists; stop that one first' % (what, pidfile))
    if os.fork():
        for unused in range(100):
            if os.path.exists(pidfile):
                return False
            time.sleep(0.1)
        sys.exit('%s did not start (see %s.log)' % (what, pidfile))
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(pidfile + '.log', os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    return True


def ready(pidfile):
    """Written atomically when the child listens: the parent waits for it."""
    with open(pidfile + '.tmp', 'w') as handle:
        handle.write('%d\n' % os.getpid())
    os.rename(pidfile + '.tmp', pidfile)


def ours(pid, pidfile):
    """The process still runs and is the one started with PIDFILE (its command line names it), not a reused pid."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return pidfile.encode() in handle.read().split(b'\0')
    except (IOError, OSError):
        return False


def stop(pidfile):
    """TERM the process of PIDFILE, KILL it after 5 s, remove PIDFILE; a missing file or process is no error."""
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
    except (IOError, OSError, ValueError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if ours(pid, pidfile):
            os.kill(pid, sig)
        for unused in range(50):
            if not ours(pid, pidfile):
                break
            time.sleep(0.1)
    os.unlink(pidfile)
