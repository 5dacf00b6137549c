#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: abusive clients against a responder (stdlib only, loopback only).

    flood.py idle --host H --port P [--source S ...] --count N --hold SECONDS --out FILE
                  [--send TEXT] [--drip SECONDS] [--ready FILE] [--stop-file FILE]
        opens N TCP connections (spread over the --source addresses, each bound to one),
        sends TEXT on each (nothing by default: idle; backslash escapes allowed, e.g.
        'GET / HTTP/1.1\\r\\n'), then with --drip one more header byte every SECONDS on
        every connection (slowloris), and holds them up to --hold seconds, noting when the
        server closes each one; with --reconnect N it opens a new one for each closed (at
        most N per 0.1 s): a sustained flood. FILE --ready after the first N connects.
        Writes a JSON summary to FILE: opened, connect_failed, closed_by_server,
        closed_within_1s, open_at_end, close_seconds (p50, max).

    flood.py raw --host H --port P --send TEXT [--source S]
        sends TEXT (backslash escapes allowed), prints what came back as JSON
        (status_line, bytes, closed, seconds).

    flood.py connect-time --host H --port P [--source S]
        one connection, then a GET; prints the seconds until connected and answered (JSON).

Independent of the collection's own code on purpose: it measures what clients see.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import codecs
import ipaddress
import json
import os
import selectors
import socket
import sys
import time


def _loopback(host):
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit('refusing %s: loopback only' % host)


def _text(value):
    text = codecs.decode(value or '', 'unicode_escape')
    return b''.join(char.encode('latin-1' if ord(char) < 256 else 'utf-8') for char in text)


def _connect(host, port, source, timeout=5.0):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    if source:
        sock.bind((source, 0))
    sock.connect((host, port))
    return sock


def _open_one(args, payload, index):
    sources = args.source or [None]
    sock = _connect(args.host, args.port, sources[index % len(sources)], timeout=args.connect_timeout)
    if payload:
        sock.sendall(payload)
    sock.setblocking(False)
    return sock, time.time()


def _open_all(args, payload):
    opened, failed = [], []
    for index in range(args.count):
        try:
            opened.append(_open_one(args, payload, index))
        except OSError as exc:
            failed.append(type(exc).__name__)
    return opened, failed


def _percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)


class _Flood:
    """The connections of one flood: when each opened, when the server closed it."""

    def __init__(self, args, payload):
        self.args = args
        self.payload = payload
        self.selector = selectors.DefaultSelector()
        self.opened_at = {}
        self.lifetimes = []
        self.failed = []
        self.total = 0

    def add(self, opened):
        sock, opened_at = opened
        self.opened_at[sock] = opened_at
        self.selector.register(sock, selectors.EVENT_READ)
        self.total += 1

    def reopen(self, budget):
        for unused in range(budget):
            try:
                self.add(_open_one(self.args, self.payload, self.total))
            except OSError as exc:
                self.failed.append(type(exc).__name__)

    def poll(self):
        closed = 0
        for key, unused in self.selector.select(timeout=0.1):
            sock = key.fileobj
            try:
                data = sock.recv(65536)
            except OSError:
                data = b''
            if not data:
                self.lifetimes.append(time.time() - self.opened_at.pop(sock))
                self.selector.unregister(sock)
                sock.close()
                closed += 1
        return closed

    def drip(self):
        for sock in self.opened_at:
            try:
                sock.send(b'X')
            except OSError:
                pass


def idle(args):
    _loopback(args.host)
    start = time.time()
    payload = _text(args.send)
    flood = _Flood(args, payload)
    opened, failed = _open_all(args, payload)
    flood.failed.extend(failed)
    for entry in opened:
        flood.add(entry)
    connected = time.time()
    if args.ready:
        with open(args.ready, 'w') as handle:
            handle.write('%d\n' % len(opened))
    next_drip = time.time() + (args.drip or 0)
    owed, window = 0, time.time()
    while time.time() < start + args.hold and (flood.opened_at or args.reconnect):
        if args.stop_file and os.path.exists(args.stop_file):
            break
        owed += flood.poll()
        if args.reconnect and owed and time.time() >= window:
            window = time.time() + 0.1  # at most --reconnect new connections per 0.1 s
            budget = min(owed, args.reconnect)
            flood.reopen(budget)
            owed -= budget
        if args.drip and time.time() >= next_drip:
            next_drip = time.time() + args.drip
            flood.drip()
    lifetimes = flood.lifetimes
    summary = {
        'opened': flood.total, 'connect_failed': len(flood.failed), 'connect_errors': sorted(set(flood.failed))[:5],
        'closed_by_server': len(lifetimes), 'open_at_end': len(flood.opened_at),
        'closed_within_1s': sum(1 for seconds in lifetimes if seconds < 1.0),
        'close_seconds_p50': _percentile(lifetimes, 0.5), 'close_seconds_max': _percentile(lifetimes, 1.0),
        'connect_seconds': round(connected - start, 2), 'held_seconds': round(time.time() - start, 2),
    }
    for sock in flood.opened_at:
        sock.close()
    with open(args.out, 'w') as handle:
        json.dump(summary, handle)
    print(json.dumps(summary, sort_keys=True))
    return 0


def raw(args):
    _loopback(args.host)
    start = time.time()
    sock = _connect(args.host, args.port, args.source, timeout=args.timeout)
    received = b''
    closed = False
    try:
        sock.sendall(_text(args.send))
        while len(received) < 65536:
            data = sock.recv(65536)
            if not data:
                closed = True
                break
            received += data
    except socket.timeout:
        pass
    except OSError as exc:
        closed = type(exc).__name__
    finally:
        sock.close()
    print(json.dumps({'status_line': received.split(b'\r\n', 1)[0].decode('latin-1'), 'bytes': len(received),
                      'closed': closed, 'seconds': round(time.time() - start, 3)}))
    return 0


def connect_time(args):
    _loopback(args.host)
    start = time.time()
    sock = _connect(args.host, args.port, args.source, timeout=args.timeout)
    connected = time.time() - start
    try:
        sock.sendall(b'GET /.well-known/acme-challenge/ConnectTimeProbe0123 HTTP/1.0\r\nHost: probe\r\n\r\n')
        status = sock.recv(4096).split(b'\r\n', 1)[0].decode('latin-1')
    finally:
        sock.close()
    print(json.dumps({'connect_seconds': round(connected, 3), 'answer_seconds': round(time.time() - start, 3),
                      'status_line': status}))
    return 0


def main(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='command')
    for name in ('idle', 'raw', 'connect-time'):
        p = sub.add_parser(name)
        p.add_argument('--host', required=True)
        p.add_argument('--port', type=int, required=True)
        p.add_argument('--timeout', type=float, default=15.0)
        if name == 'idle':
            p.add_argument('--source', action='append')
            p.add_argument('--count', type=int, required=True)
            p.add_argument('--hold', type=float, required=True)
            p.add_argument('--out', required=True)
            p.add_argument('--send')
            p.add_argument('--drip', type=float)
            p.add_argument('--ready')
            p.add_argument('--stop-file')
            p.add_argument('--connect-timeout', type=float, default=5.0)
            p.add_argument('--reconnect', type=int, default=0,
                           help='replace connections the server closes, at most N per 0.1 s')
        else:
            p.add_argument('--source')
            if name == 'raw':
                p.add_argument('--send', required=True)
    args = parser.parse_args(argv)
    if args.command == 'idle':
        return idle(args)
    if args.command == 'raw':
        return raw(args)
    if args.command == 'connect-time':
        return connect_time(args)
    parser.error('a command is required')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
