#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: receive what programs send to syslog (/dev/log) into a file, to search it for secrets.

    syslog_sink.py start OUT PIDFILE     bind /dev/log (a datagram socket; one already there is moved aside
                                         to /dev/log.sslclm-saved and put back by stop), detach, append every
                                         message to OUT
    syslog_sink.py stop PIDFILE          stop the sink (by pid) and put a moved /dev/log back

Ansible modules log their invocation there ("Invoked with ...") when journald's Python module is absent.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import signal
import socket
import sys
import time

DEV_LOG = '/dev/log'
SAVED = '/dev/log.sslclm-saved'


def start(out, pidfile):
    if os.path.lexists(DEV_LOG):
        os.rename(DEV_LOG, SAVED)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(DEV_LOG)
    os.chmod(DEV_LOG, 0o666)
    if os.fork():
        os._exit(0)
    os.setsid()
    with open(pidfile, 'w') as handle:
        handle.write('%d\n' % os.getpid())
    with open(out, 'ab', buffering=0) as log:
        while True:
            data = sock.recv(65536)
            log.write(data.replace(b'\n', b' ') + b'\n')


def stop(pidfile):
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
        os.kill(pid, signal.SIGTERM)
        for unused in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
    except (IOError, OSError, ValueError):
        pass
    if os.path.lexists(DEV_LOG):
        os.unlink(DEV_LOG)
    if os.path.lexists(SAVED):
        os.rename(SAVED, DEV_LOG)


if __name__ == '__main__':
    if sys.argv[1] == 'start':
        start(sys.argv[2], sys.argv[3])
    else:
        stop(sys.argv[2])
