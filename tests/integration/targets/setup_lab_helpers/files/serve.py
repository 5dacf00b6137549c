#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: serve a directory over HTTP on a loopback address, in the background, for a bounded time.

    serve.py start ADDRESS PORT DIRECTORY PIDFILE [LIFETIME_SECONDS]
    serve.py stop PIDFILE

Stands in for a web server whose web root receives HTTP-01 tokens.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import ipaddress
import os
import signal
import sys
import threading
import time

from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


def start(address, port, directory, pidfile, lifetime):
    if not ipaddress.ip_address(address).is_loopback:
        sys.exit('refusing to listen on %s: loopback only' % address)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=directory)
    server = ThreadingHTTPServer((address, int(port)), handler)  # bind before forking: errors reach the caller
    if os.fork():
        return
    os.setsid()
    if not os.fork():
        _serve_detached(server, pidfile, lifetime)
    os._exit(0)


def _serve_detached(server, pidfile, lifetime):
    with open(pidfile, 'w') as handle:
        handle.write(str(os.getpid()))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    timer = threading.Timer(lifetime, server.shutdown)  # bounded lifetime, whatever the tests do
    timer.daemon = True
    timer.start()
    server.serve_forever()


def stop(pidfile):
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
    except (IOError, OSError, ValueError):
        return
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            if b'serve.py' not in handle.read():
                return
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    os.unlink(pidfile)


def main(argv):
    if len(argv) >= 5 and argv[0] == 'start':
        start(argv[1], argv[2], argv[3], argv[4], float(argv[5]) if len(argv) > 5 else 600.0)
        # wait until the daemon has written its pid file
        deadline = time.time() + 5
        while not os.path.exists(argv[4]) and time.time() < deadline:
            time.sleep(0.05)
    elif len(argv) == 2 and argv[0] == 'stop':
        stop(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
