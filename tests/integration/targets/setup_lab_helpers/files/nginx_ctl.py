#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: start and stop one nginx that runs with its own config and pid file.

    nginx_ctl.py start CONF PIDFILE     nginx -c CONF, wait (bounded) until its pid file names a live master
    nginx_ctl.py stop CONF PIDFILE      stop that master: SIGQUIT, then SIGKILL after a bound

``stop`` signals only the pid in PIDFILE, and only if that process's command line names
CONF, so a recycled pid or somebody else's nginx is never touched; it works while CONF is
broken (``nginx -s stop`` would have to parse it). The config must listen on loopback only.
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


def _ours(pid, conf):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            cmdline = handle.read().replace(b'\0', b' ').decode('utf-8', 'replace')
        with open('/proc/%d/stat' % pid) as handle:
            if handle.read().rsplit(')', 1)[1].split()[0] == 'Z':
                return False
    except (IOError, OSError):
        return False
    return 'nginx' in cmdline and conf in cmdline


def start(conf, pidfile):
    pid = _pid(pidfile)
    if pid and _ours(pid, conf):
        return 0
    subprocess.check_call(['nginx', '-c', conf], stdin=subprocess.DEVNULL)
    deadline = time.time() + WAIT
    while time.time() < deadline:
        pid = _pid(pidfile)
        if pid and _ours(pid, conf):
            print(pid)
            return 0
        time.sleep(0.05)
    sys.exit('nginx -c %s did not write a live pid to %s within %s s' % (conf, pidfile, WAIT))


def stop(conf, pidfile):
    pid = _pid(pidfile)
    if not pid or not _ours(pid, conf):
        return 0
    for sig in (signal.SIGQUIT, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except OSError:
            return 0
        deadline = time.time() + WAIT
        while time.time() < deadline:
            if not _ours(pid, conf):
                return 0
            time.sleep(0.05)
    sys.exit('nginx master %d still running' % pid)


def main(argv):
    if len(argv) == 3 and argv[0] in ('start', 'stop'):
        conf = os.path.abspath(argv[1])
        return (start if argv[0] == 'start' else stop)(conf, argv[2])
    sys.exit(__doc__)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
