#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side ACME phase of (a) alone: sslclm.acme.acme_enroll's module code run in
this process with the given arguments, without ansible-playbook around it.

    enroll_phase.py --collections DIR --args ARGS.json [--profile OUT.prof] [--trace OUT.json [--trace-cpu]]

DIR is a collections path holding ansible_collections/sslclm/acme. ARGS.json holds the
module arguments (ca, http01, self_check, certificates, max_workers, ...). Prints one JSON
object: import_s (interpreter start to module imported), main_s (the module's main(): argument
handling, the whole ACME work, files written), failed_count, certificates. With --profile,
main() runs under cProfile - the main thread and, by wrapping enroll._run_one, every
certificate's worker-thread call with a profiler of its own - and the merged stats are dumped to
OUT.prof (cumulative times are then summed over threads: waits in one thread overlap others).
With --trace, the steps of every certificate's flow (``TRACED``) are timed by the wall clock in
the thread that runs them, without a profiler's overhead, and OUT.json gets, per step, its calls
and seconds summed over the certificates (steps nest: a step's time includes the steps it calls);
with --trace-cpu the seconds are the thread's CPU time (``time.thread_time``) instead: the phase is bound
by the interpreter lock, so CPU per step is what moves its wall time.
"""

from __future__ import absolute_import, division, print_function

import argparse
import contextlib
import faulthandler
import io
import json
import signal
import sys
import time

T_START = time.perf_counter()

# (module under plugins/module_utils/, attribute path) of the steps --trace times
TRACED = (
    ('acme.enroll', 'CertificateEnrollment.run_flow'),
    ('acme.enroll', 'CertificateEnrollment._decide'),
    ('acme.preflight', 'preflight'),
    ('acme.enroll', 'CertificateEnrollment._locked_flow'),
    ('state.locks', 'CertificateLock.acquire'),
    ('acme.enroll', 'CertificateEnrollment._resume_or_create'),
    ('acme.budget', 'RunBudget.reserve_order'),
    ('acme.budget', 'RunBudget.order_sent'),
    ('acme.budget', 'RunBudget.record'),
    ('acme.budget', 'RunBudget.violations'),
    ('state.sqlite', 'Ledger.record'),
    ('state.sqlite', 'Ledger.execute'),
    ('state.sqlite', 'Ledger.rows'),
    ('acme.order', 'OrderClient.new_order'),
    ('acme.order', 'OrderClient.authorizations'),
    ('acme.enroll', 'CertificateEnrollment._validate'),
    ('acme.self_check', 'SelfChecker.verify'),
    ('acme.order', 'OrderClient.answer'),
    ('acme.order', 'OrderClient.wait_for_authorizations'),
    ('acme.enroll', 'CertificateEnrollment._finish'),
    ('acme.enroll', 'CertificateEnrollment._remember_order'),
    ('acme.order', 'OrderClient.finalize'),
    ('acme.order', 'OrderClient.download'),
    ('acme.destination', 'write_certificate'),
    ('state.files', 'OrderStore.remember_issuer'),
    ('state.files', 'OrderStore.forget'),
    ('state.files', 'OrderStore.forget_challenge_keys'),
    ('acme.enroll', 'CertificateEnrollment._renew_at_of'),
    ('acme.polling', 'Poller._wait'),
    ('acme.network', 'AcmeNetwork.post'),
    ('acme.caa', 'CaaPreflight.check'),
    ('acme.enroll', 'CertificateEnrollment._order_flow'),
    ('state.files', 'OrderStore.load'),
    ('state.files', 'OrderStore.save'),
    ('acme.enroll', 'CertificateEnrollment.__init__'),
    ('acme.enroll', 'CertificateEnrollment._restore_pending'),
    ('acme.enroll', 'CertificateEnrollment.base_result'),
    ('acme.enroll', 'CertificateEnrollment._pending_challenges'),
    ('acme.enroll', '_enroll_one'),
    ('acme.enroll', '_run_one'),
    ('acme.enroll', 'make_csr'),
    ('acme.enroll', 'generate_private_key'),
    ('acme.enroll', 'key_matches'),
    ('acme.enroll', 'describe'),
    ('acme.enroll', 'cert_identifiers'),
    ('acme.enroll', 'pick_chain'),
    ('acme.budget', 'RunBudget.settle_order'),
    ('acme.enroll_run', 'EnrollRun.session'),
    ('acme.preflight', 'check_keys'),
    ('acme.preflight', 'order_profile'),
    ('acme.self_check', 'SelfChecker._check_for'),
    ('acme.self_check', 'check_http01'),
    ('acme.self_check', 'resolve_addresses'),
)


def install_tracer(clock=time.perf_counter):
    """Wrap the ``TRACED`` steps; → the totals dict they fill ({step: [calls, seconds]}). ``clock``: the wall
    clock, or ``time.thread_time`` for the CPU the thread spent (the phase is bound by the interpreter lock)."""
    import importlib  # pylint: disable=import-outside-toplevel
    import threading  # pylint: disable=import-outside-toplevel
    totals, lock = {}, threading.Lock()

    def wrap(label, func):
        def traced(*args, **kwargs):
            t0 = clock()
            try:
                return func(*args, **kwargs)
            finally:
                took = clock() - t0
                with lock:
                    entry = totals.setdefault(label, [0, 0.0])
                    entry[0] += 1
                    entry[1] += took
        return traced

    for module_name, path in TRACED:
        module = importlib.import_module('ansible_collections.sslclm.acme.plugins.module_utils.' + module_name)
        owner, unused, attribute = path.rpartition('.')
        holder = getattr(module, owner) if owner else module
        original = getattr(holder, attribute, None)
        if original is None:
            continue  # an older checkout without that step
        traced = wrap(path, original)
        setattr(holder, attribute, traced)
        if not owner:  # a function other modules imported by name: their copies too
            for other in list(sys.modules.values()):
                if (getattr(other, '__name__', None) or '').startswith('ansible_collections.sslclm.acme.') and \
                        getattr(other, attribute, None) is original:
                    setattr(other, attribute, traced)
    return totals


# a run the bench kills for taking too long (SIGTERM) leaves every thread's stack in its stderr.log
faulthandler.register(signal.SIGTERM, all_threads=True, chain=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--collections', required=True)
    parser.add_argument('--args', required=True)
    parser.add_argument('--profile')
    parser.add_argument('--trace')
    parser.add_argument('--trace-cpu', action='store_true', help='--trace counts thread CPU time, not wall time')
    args = parser.parse_args(argv)
    sys.path.insert(0, args.collections)
    with open(args.args) as handle:
        module_args = json.load(handle)

    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    from ansible_collections.sslclm.acme.plugins.modules import acme_enroll  # pylint: disable=import-outside-toplevel
    t_imported = time.perf_counter()
    totals = install_tracer(time.thread_time if args.trace_cpu else time.perf_counter) if args.trace else None

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
    if totals is not None:
        with open(args.trace, 'w') as handle:
            steps = dict((k, {'calls': v[0], 'seconds': v[1]}) for k, v in totals.items())
            json.dump({'main_s': t1 - t0, 'clock': 'cpu' if args.trace_cpu else 'wall', 'steps': steps},
                      handle, indent=1, sort_keys=True)
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
