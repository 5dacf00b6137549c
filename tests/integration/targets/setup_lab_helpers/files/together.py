#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: start the same command N times at the same moment (two controllers, two AWX jobs, a
timer and a playbook) and print, as JSON, each run's exit code and output.

    together.py N COMMAND ARGS...
    together.py --commands '[["cmd1", "arg"], ["cmd2", "arg"]]'    (different commands, e.g. two controllers)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import subprocess
import sys
import threading


def main():
    if sys.argv[1] == '--commands':
        commands = json.loads(sys.argv[2])
    else:
        commands = [sys.argv[2:]] * int(sys.argv[1])
    count = len(commands)
    start = threading.Barrier(count)
    runs = [None] * count

    def run(index):
        start.wait()
        done = subprocess.run(commands[index], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        runs[index] = {'rc': done.returncode, 'output': done.stdout.decode('utf-8', 'replace')}
    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(runs))


if __name__ == '__main__':
    main()
