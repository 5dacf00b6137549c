#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: start and stop one daemonizing server (nginx, HAProxy, Apache) by its pid file.

    server_ctl.py start PIDFILE MARKER -- ARGV...
        run ARGV (a command that starts the server in the background and writes PIDFILE, e.g.
        "nginx -c CONF", "haproxy -W -D -p PIDFILE -f CONF" or "apache2 -f CONF -k start"), then
        wait (bounded) until PIDFILE names a live process whose command line contains MARKER (its
        config path; nginx rewrites its command line to "nginx: master process nginx -c CONF")
    server_ctl.py stop PIDFILE MARKER
        SIGTERM to that process - only if its command line contains MARKER, so that a recycled
        pid or somebody else's server is never touched - then SIGKILL after a bound; works
        while the server's configuration is broken

The configurations the tests give these servers listen on loopback only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import signal
import subprocess
import sys
import time

WAIT = 10.0


def _pid(pidfile):
    try:
        with open(pidfile) as handle:
            return int(handle.read().strip())
    except (IOError, OSError, ValueError):
        return None


def _running(pid, marker):
    """True while pid is a live (not zombie) process whose command line contains marker."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            if handle.read().rsplit(')', 1)[1].split()[0] == 'Z':
                return False
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            args = handle.read().decode('utf-8', 'replace').split('\0')
    except (IOError, OSError):
        return False
    return marker in ' '.join(args)


def _wait(condition):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def start(pidfile, marker, argv):
    pid = _pid(pidfile)
    if pid and _running(pid, marker):
        print(pid)
        return 0
    subprocess.check_call(argv, stdin=subprocess.DEVNULL)
    if not _wait(lambda: bool(_pid(pidfile)) and _running(_pid(pidfile), marker)):
        sys.exit('%s did not write a live pid to %s within %s s' % (' '.join(argv), pidfile, WAIT))
    print(_pid(pidfile))
    return 0


def stop(pidfile, marker):
    pid = _pid(pidfile)
    if not pid or not _running(pid, marker):
        return 0
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except OSError:
            return 0
        if _wait(lambda: not _running(pid, marker)):
            return 0
    sys.exit('server %d still running' % pid)


def main(argv):
    if len(argv) >= 5 and argv[0] == 'start' and argv[3] == '--':
        return start(argv[1], os.path.abspath(argv[2]), argv[4:])
    if len(argv) == 3 and argv[0] == 'stop':
        return stop(argv[1], os.path.abspath(argv[2]))
    sys.exit(__doc__)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
