#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: who holds sslclm.acme's advisory locks in a PostgreSQL state, and how many sealed keys it keeps.

    holder.py wait URL SECONDS     wait until a sslclm.acme session holds an advisory lock; print its pid
    holder.py sealed URL           print the number of sealed keys (orders in flight + pending certificates)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import sys
import time

import psycopg

HOLDERS = ("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
           "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'sslclm.acme %'")


def main():
    action, url = sys.argv[1], sys.argv[2]
    with psycopg.connect(url, autocommit=True) as conn:
        if action == 'sealed':
            orders = conn.execute('SELECT COUNT(*) FROM sslclm_orders WHERE sealed_key IS NOT NULL').fetchone()[0]
            pending = conn.execute('SELECT COUNT(*) FROM sslclm_pending').fetchone()[0]
            print(orders + pending)
            return 0
        deadline = time.monotonic() + float(sys.argv[3])
        while time.monotonic() < deadline:
            rows = conn.execute(HOLDERS).fetchall()
            if rows:
                # application_name: "sslclm.acme [job N on ]HOST/PID"
                print(re.search(r'/(\d+)$', rows[0][0]).group(1))
                return 0
            time.sleep(0.2)
    print('no sslclm.acme session holds a lock', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
