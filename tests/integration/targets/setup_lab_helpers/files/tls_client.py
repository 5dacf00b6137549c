#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: TLS clients against the test nginx (stdlib only, loopback only).

    tls_client.py probe HOST PORT SNI
        print the SHA-256 fingerprint of the leaf served (no validation) and exit

    tls_client.py loop --host H --port P --sni NAME --cafile ROOT --new-fp FP --out FILE --ready FILE
                       [--min-total 200] [--min-after 100] [--interval 0.01] [--max-seconds 90]
                       [--stop-file FILE]
        verified handshakes (chain to ROOT, hostname NAME) plus a GET /, one after the other,
        until at least --min-total were made AND the last --min-after all served FP, or until
        the --stop-file exists - or the deadline passes (then stop_reason says so). Writes
        FILE --ready after 50 handshakes.
        FILE gets a JSON summary and every handshake (epoch, ok, fingerprint, error, ms).

    tls_client.py report FILE FROM TO
        the summary plus the handshakes made between epochs FROM and TO (the deploy task)

Independent of the collection's own TLS code on purpose: it measures what clients see.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import hashlib
import ipaddress
import json
import os
import socket
import ssl
import sys
import time

READY_AFTER = 50


def _loopback(host):
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit('refusing %s: loopback only' % host)


def fingerprint(host, port, sni, context, timeout=5.0, request=False):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with context.wrap_socket(sock, server_hostname=sni) as tls:
            der = tls.getpeercert(binary_form=True)
            if request:
                tls.sendall(b'GET / HTTP/1.0\r\nHost: ' + sni.encode() + b'\r\n\r\n')
                status = tls.recv(64).split(b'\r\n', 1)[0]
                if b' 200 ' not in status + b' ':
                    raise ssl.SSLError('unexpected HTTP status %r' % status)
    return hashlib.sha256(der).hexdigest()


def probe(args):
    _loopback(args.host)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    print(fingerprint(args.host, args.port, args.sni, context))


def _percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)


def summarize(records, new_fp):
    fps = [r['fp'] for r in records if r['ok']]
    switches = sum(1 for a, b in zip(fps, fps[1:]) if a != b)
    first_new = next((i for i, r in enumerate(records) if r['fp'] == new_fp), None)
    old_after_new = sum(1 for r in records[first_new:] if r['ok'] and r['fp'] != new_fp) if first_new is not None else 0
    ms = [r['ms'] for r in records if r['ok']]
    errors = sorted(set(r['error'] for r in records if not r['ok']))
    return {
        'total': len(records),
        'failed': sum(1 for r in records if not r['ok']),
        'errors': errors[:5],
        'first_fingerprint': fps[0] if fps else None,
        'last_fingerprint': fps[-1] if fps else None,
        'served_old': sum(1 for f in fps if f != new_fp),
        'served_new': sum(1 for f in fps if f == new_fp),
        'fingerprint_switches': switches,
        'old_after_first_new': old_after_new,
        'first_new_index': first_new,
        'handshake_ms_p50': _percentile(ms, 0.5),
        'handshake_ms_p95': _percentile(ms, 0.95),
        'handshake_ms_max': round(max(ms), 2) if ms else None,
        'seconds': round(records[-1]['t'] - records[0]['t'], 3) if records else 0,
    }


def loop(args):
    _loopback(args.host)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=args.cafile)
    context.check_hostname = True
    records = []
    consecutive_new = 0
    deadline = time.time() + args.max_seconds
    stop_reason = 'deadline'
    while time.time() < deadline:
        start = time.time()
        try:
            fp = fingerprint(args.host, args.port, args.sni, context, request=True)
            records.append({'t': start, 'ok': True, 'fp': fp, 'error': None, 'ms': (time.time() - start) * 1000})
        except (OSError, ValueError) as exc:
            fp = None
            records.append({'t': start, 'ok': False, 'fp': None, 'error': str(exc), 'ms': (time.time() - start) * 1000})
        consecutive_new = consecutive_new + 1 if fp == args.new_fp else 0
        if len(records) == READY_AFTER:
            with open(args.ready, 'w') as handle:
                handle.write('%d\n' % len(records))
        if len(records) >= args.min_total and consecutive_new >= args.min_after:
            stop_reason = 'switched'
            break
        if args.stop_file and os.path.exists(args.stop_file):
            stop_reason = 'stopped'
            break
        time.sleep(args.interval)
    summary = summarize(records, args.new_fp)
    summary['stop_reason'] = stop_reason
    with open(args.out, 'w') as handle:
        json.dump({'summary': summary, 'new_fp': args.new_fp, 'records': records}, handle)
    print(json.dumps(summary, sort_keys=True))
    return 0 if stop_reason in ('switched', 'stopped') else 1


def report(args):
    with open(args.file) as handle:
        data = json.load(handle)
    window = [r for r in data['records'] if args.start <= r['t'] <= args.end]
    result = dict(data['summary'])
    result['during_deploy_task'] = summarize(window, data['new_fp']) if window else {'total': 0, 'failed': 0}
    result['deploy_task_seconds'] = round(args.end - args.start, 3)
    print(json.dumps(result, sort_keys=True))


def main(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='command')
    p = sub.add_parser('probe')
    p.add_argument('host')
    p.add_argument('port', type=int)
    p.add_argument('sni')
    p = sub.add_parser('loop')
    p.add_argument('--host', required=True)
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--sni', required=True)
    p.add_argument('--cafile', required=True)
    p.add_argument('--new-fp', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--ready', required=True)
    p.add_argument('--min-total', type=int, default=200)
    p.add_argument('--min-after', type=int, default=100)
    p.add_argument('--interval', type=float, default=0.01)
    p.add_argument('--max-seconds', type=float, default=90.0)
    p.add_argument('--stop-file')
    p = sub.add_parser('report')
    p.add_argument('file')
    p.add_argument('start', type=float)
    p.add_argument('end', type=float)
    args = parser.parse_args(argv)
    if args.command == 'probe':
        return probe(args)
    if args.command == 'loop':
        return loop(args)
    if args.command == 'report':
        return report(args)
    parser.error('a command is required')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
