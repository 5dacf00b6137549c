#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: what the lab's servers have seen so far, as one JSON document.

    counts.py BIND_LOG A2C_REQUESTS PRIMARY ZONE

updates: dynamic updates the BIND primary applied (its log's "updating zone" lines), serial: the zone's SOA
serial on the primary (PRIMARY ip or ip:port), orders: new orders acme2certifier created (201), per account
(the JWS kid) too, answers: challenge answers ("{}" POSTs to a challenge URL).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys

import dns.message
import dns.query


def main(bind_log, requests, primary, zone):
    with open(bind_log, errors='replace') as handle:
        updates = sum(1 for line in handle if 'updating zone' in line)
    host, sep, port = primary.partition(':')
    answer = dns.query.udp(dns.message.make_query(zone, 'SOA'), host, port=int(port or 53), timeout=5)
    entries = []
    with open(requests) as handle:
        entries = [json.loads(line) for line in handle if line.strip()]
    orders = [e for e in entries if e['path'] == '/acme/neworders' and e['status'] == 201]
    per_account = {}
    for entry in orders:
        per_account[entry.get('kid')] = per_account.get(entry.get('kid'), 0) + 1
    print(json.dumps({
        'updates': updates,
        'serial': answer.answer[0][0].serial,
        'orders': len(orders),
        'orders_by_account': per_account,
        'answers': sum(1 for e in entries if e['path'].startswith('/acme/chall/') and e.get('payload') == {}),
    }))


if __name__ == '__main__':
    main(*sys.argv[1:])
