#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side ACME phase of (a) alone: sslclm.acme.acme_enroll's module code run in
this process with the given arguments, without ansible-playbook around it.

    enroll_phase.py --collections DIR --args ARGS.json [--profile OUT.prof]

DIR is a collections path holding ansible_collections/sslclm/acme. ARGS.json holds the
module arguments (ca, http01, self_check, certificates, max_workers, ...). Prints one JSON
object: import_s (interpreter start to module imported), main_s (the module's main(): argument
handling, the whole ACME work, files written), failed_count, certificates. With --profile,
main() runs under cProfile - the main thread and, by wrapping enroll._run_one, every
certificate's worker-thread call with a profiler of its own - and the merged stats are dumped to
OUT.prof (cumulative times are then summed over threads: waits in one thread overlap others).
"""

from __future__ import absolute_import, division, print_function

import argparse
import contextlib
import io
import json
import sys
import time

T_START = time.perf_counter()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--collections', required=True)
    parser.add_argument('--args', required=True)
    parser.add_argument('--profile')
    args = parser.parse_args(argv)
    sys.path.insert(0, args.collections)
    with open(args.args) as handle:
        module_args = json.load(handle)

    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    from ansible_collections.sslclm.acme.plugins.modules import acme_enroll  # pylint: disable=import-outside-toplevel
    t_imported = time.perf_counter()

    out = io.StringIO()
    profiler = None
    thread_profiles = []
    if args.profile:
        import cProfile  # pylint: disable=import-outside-toplevel
        import threading  # pylint: disable=import-outside-toplevel
        from ansible_collections.sslclm.acme.plugins.module_utils.acme import enroll as enroll_mod  # pylint: disable=import-outside-toplevel
        profiler = cProfile.Profile()
        lock = threading.Lock()
        original = enroll_mod._run_one  # pylint: disable=protected-access

        def profiled_run_one(run, spec):
            if threading.current_thread() is threading.main_thread():
                return original(run, spec)
            thread_profiler = cProfile.Profile()
            try:
                return thread_profiler.runcall(original, run, spec)
            finally:
                with lock:
                    thread_profiles.append(thread_profiler)

        enroll_mod._run_one = profiled_run_one  # pylint: disable=protected-access
    t0 = time.perf_counter()
    with patch_module_args(module_args), contextlib.redirect_stdout(out):
        try:
            if profiler:
                profiler.runcall(acme_enroll.main)
            else:
                acme_enroll.main()
        except SystemExit:
            pass
    t1 = time.perf_counter()
    if profiler:
        import pstats  # pylint: disable=import-outside-toplevel
        profiler.create_stats()
        stats = pstats.Stats(profiler)
        for thread_profiler in thread_profiles:
            thread_profiler.create_stats()
            stats.add(thread_profiler)
        stats.dump_stats(args.profile)
    try:
        result = json.loads(out.getvalue().strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {'failed': True, 'msg': 'no module result: %r' % out.getvalue()[-500:]}
    certs = result.get('certificates') or []
    summary = {
        'import_s': t_imported - T_START,
        'main_s': t1 - t0,
        'failed': bool(result.get('failed')),
        'failed_count': result.get('failed_count'),
        'changed': result.get('changed'),
        'issued': sum(1 for c in certs if c.get('changed') and not c.get('failed')),
        'msg': (result.get('msg') or '')[:2000],
    }
    json.dump(summary, sys.stdout)
    sys.stdout.write('\n')
    return 1 if summary['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
