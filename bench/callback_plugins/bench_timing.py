# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: one JSON line per task and per host result, with wall-clock times.

Enabled only by bench/bench.py (ANSIBLE_CALLBACKS_ENABLED=bench_timing,
BENCH_TIMING_FILE=path). Each line: {"ev": "task"|"start"|"end"|"play_end", "t": epoch
seconds, "task": name, "host": name, "status": ok|changed|failed|skipped|unreachable}.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: bench_timing
type: aggregate
short_description: task and host timings for bench/bench.py
description: Writes JSON lines with wall-clock times of every task and host result to $BENCH_TIMING_FILE.
requirements: [enabled by bench/bench.py]
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        path = os.environ.get('BENCH_TIMING_FILE')
        self._out = open(path, 'a') if path else None  # pylint: disable=consider-using-with
        self._task = None

    def _emit(self, **event):
        if self._out is None:
            return
        event['t'] = time.time()
        self._out.write(json.dumps(event) + '\n')
        self._out.flush()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task = task.get_name()
        self._emit(ev='task', task=self._task)

    def v2_runner_on_start(self, host, task):
        self._emit(ev='start', task=task.get_name(), host=host.get_name())

    def _end(self, result, status):
        if status == 'ok' and result._result.get('changed'):
            status = 'changed'
        self._emit(ev='end', task=result._task.get_name(), host=result._host.get_name(), status=status)

    def v2_runner_on_ok(self, result):
        self._end(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._end(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._end(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        self._emit(ev='play_end')
        if self._out is not None:
            self._out.close()
            self._out = None
