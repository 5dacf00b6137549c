# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run at a time per certificate: two AWX jobs, or a playbook and a timer, never both order.

An exclusive ``flock`` on a small file per (account, identifier set) in the state directory.
The kernel releases it when the holder exits, even if it is killed, so a crash never leaves a
stale lock behind.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fcntl
import json
import os
import socket
import time

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.state.keys import certificate_id


class LockTimeout(AcmeError):
    pass


class CertificateLock:
    def __init__(self, directory, account_uri, identifiers, name, timeout=300.0, clock=time.monotonic, sleep=time.sleep):
        self.path = os.path.join(directory, 'locks', certificate_id(account_uri, identifiers) + '.lock')
        self.name = name
        self.timeout = float(timeout)
        self.clock = clock
        self.sleep = sleep
        self.fd = None
        self.waited = 0.0
        self.contended = False

    def acquire(self):
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        start = self.clock()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError):
                self.contended = True
                if self.clock() - start >= self.timeout:
                    holder = self._holder(fd)
                    os.close(fd)
                    raise LockTimeout('%s: another run (%s) is enrolling this certificate; gave up after waiting %ds '
                                      '(lock_timeout). Nothing was ordered' % (self.name, holder, self.timeout))
                self.sleep(0.2)
        self.waited = self.clock() - start
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({'pid': os.getpid(), 'host': socket.gethostname(), 'since': time.time()}).encode())
        self.fd = fd
        return self

    @staticmethod
    def _holder(fd):
        try:
            info = json.loads(os.pread(fd, 4096, 0).decode() or '{}')
            since = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(info.get('since', 0)))
            return 'pid %s on %s since %s' % (info.get('pid'), info.get('host'), since)
        except (OSError, ValueError):
            return 'unknown holder'

    def release(self):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, exc_type, exc_value, traceback):
        self.release()
