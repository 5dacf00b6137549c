#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet benchmark (issue 9): sslclm.acme vs community.crypto's documented pattern, same Pebble, same forks.

Run through scripts/bench.sh (which installs what this needs); directly:

    .venv/bench/bin/python bench/bench.py [--sizes 1,10,50] [--forks 5] [--repeats 3] ...

What it does, all on loopback, all servers its own (stopped by pid at the end):
  1. Pebble (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0) on 127.0.0.1:14900/15900 validating HTTP-01 on port 5902, and
     pebble-challtestsrv on 127.0.0.1:18055 (management) / 18053 (DNS) - tests/lab/lab.py with its own
     instance table, so it never collides with the test lab (8053/8055/14000-14300/15000-15300).
  2. Untimed set-up: the ACME account and CA instance (sslclm.acme.acme_connector/acme_ca); fleet (a) =
     N loopback hosts 127.1.x.y (250 per /24), each with its own acme_agent in stateless mode (installed with the
     collection's sslclm.acme.agent playbook, timed separately); fleet (b) = hosts 127.2.x.y, each with
     a stdlib web server serving its web root on port 5902
     (tests/integration/targets/setup_lab_helpers/files/serve.py).
  3. For each repeat, for each size N, interleaved (the order of a/b alternates between repeats):
     (a) bench/playbooks/collection.yml - account + CA instance + ONE acme_enroll task for all N
         certificates (run_once, delegate_to localhost) + one acme_deploy task per host;
     (b) bench/playbooks/crypto.yml - community.crypto: key, CSR, acme_certificate step 1, copy the
         token into the web root, step 2 - per host.
     Every run orders fresh names (<host>.<run label>.bench.test, mapped with add-a), is timed (wall,
     CPU of ansible-playbook and all its children), its ACME requests are counted from Pebble's log
     between markers, and every host's deployed certificate is checked (name, key match).
  4. The controller-side ACME phase of (a) alone (bench/enroll_phase.py: the acme_enroll module run in
     one process, N=max) interleaved with the bare acme library, 8 threads (bench/baseline_acme.py);
     a cProfile of the module phase; a converge run of (a) with nothing due; a one-task floor.
  5. bench/RESULTS.md (the section between the analysis markers is kept from the previous file).
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import importlib.metadata
import io
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, 'bench')
WORK = os.path.join(ROOT, 'build', 'bench')
PY = sys.executable
BIN = os.path.dirname(PY)
SERVE = os.path.join(ROOT, 'tests', 'integration', 'targets', 'setup_lab_helpers', 'files', 'serve.py')

sys.path.insert(0, os.path.join(ROOT, 'tests', 'lab'))
import lab as labmod  # noqa: E402  pylint: disable=wrong-import-position

# Our own servers, away from the test lab's ports.
labmod.CHALLTESTSRV = {'management': '127.0.0.1:18055', 'dns01': '127.0.0.1:18053'}
HTTP_PORT = 5902
# PEBBLE_AUTHZREUSE=0: no authorization is reused (each run orders new names anyway). It does NOT prevent Pebble
# 2.4.0's deadlock, seen twice here: a newOrder looks for a reusable authorization whatever this says, holding the
# store's read lock while it waits for an authorization's lock that the VA waits to write, and a write of the store
# (AddCertificate, AddChallenge) waits behind it - every request hangs from then on, until --run-timeout.
labmod.INSTANCES = {'bench': {'port': 14900, 'management': 15900, 'env': {'PEBBLE_AUTHZREUSE': '0'},
                              'config': {'httpPort': HTTP_PORT, 'tlsPort': 5901}}}
labmod.DEFAULT_INSTANCES = ('bench',)
labmod.WITH_PROXY = False  # no run goes through a proxy; tinyproxy's fixed address would collide with the test lab's
DIRECTORY = 'https://127.0.0.1:14900/dir'
DNS = labmod.CHALLTESTSRV['dns01']
ZONE = 'bench.test'
# (a) 127.1.x.y, (b) 127.2.x.y: up to 250 hosts per /24, all of them on lo
NET = {'a': 127 * 256 + 1, 'b': 127 * 256 + 2}
MAX_HOSTS = 1000
# Runs the playbook and writes the peak resident size (KiB) of its largest process - ansible-playbook itself, a
# worker or a module - to the file named first (RUSAGE_CHILDREN of a process that has nothing else to wait for).
RSS_WRAPPER = ('import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); '
               'open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); '
               'sys.exit(rc)')


def host_address(variant, i):
    """The loopback address of host ``i`` (1-based) of a variant's fleet."""
    return '%d.%d.%d.%d' % (NET[variant] // 256, NET[variant] % 256, (i - 1) // 250, (i - 1) % 250 + 1)


REQ_RE = re.compile(r'^Pebble \S+ \S+ (GET|HEAD|POST) (/[^/\s]*)\S* -> calling handler')
RESULTS_BEGIN = '<!-- analysis:begin (kept by bench.py across runs; edit freely) -->'
RESULTS_END = '<!-- analysis:end -->'


def log(msg):
    sys.stderr.write('[bench %s] %s\n' % (time.strftime('%H:%M:%S'), msg))
    sys.stderr.flush()


class BenchError(Exception):
    pass


def _rand(k=4):
    return ''.join(random.choice(string.ascii_lowercase + string.digits) for unused_i in range(k))


def _cpu_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _write_json(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.chmod(path, mode)
    return path


PEBBLE_LINE_RE = re.compile(r'^Pebble (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) (.*)$')
PEBBLE_STALL_S = 90.0
PEBBLE_WATCH = []  # [path of the bench Pebble's log] once the lab runs: _run stops a run when Pebble hangs


def pebble_stalled(log_path, stall=PEBBLE_STALL_S, tail_bytes=262144):
    """A reason when Pebble hangs (2.4.0 deadlocks, see INSTANCES): requests still arrive - "calling handler()"
    lines - but for ``stall`` seconds after them Pebble has logged nothing else. Else None. (A client polling one
    order for that long would look the same; with PEBBLE_VA_NOSLEEP no bench run does.)"""
    try:
        with open(log_path, 'rb') as handle:
            handle.seek(max(0, os.path.getsize(log_path) - tail_bytes))
            lines = handle.read().decode('utf-8', 'replace').splitlines()
    except OSError:
        return None
    last_request = last_work = None
    for line in lines:
        found = PEBBLE_LINE_RE.match(line)
        if not found:
            continue
        when = datetime.datetime.strptime(found.group(1), '%Y/%m/%d %H:%M:%S')
        if found.group(2).endswith('-> calling handler()'):
            last_request = when
        else:
            last_work = when
    if last_request is None or last_work is None or (last_request - last_work).total_seconds() < stall:
        return None
    return ('Pebble hangs: requests kept arriving until %s, but it has done nothing since %s (the Pebble 2.4.0 '
            'deadlock; kill -QUIT its pid to log its goroutines)' % (last_request, last_work))


def _run(argv, log_path, env, timeout, cwd=WORK, stdout_to_log=True, rss_path=None):
    """Run a command in its own session; kill its process group after timeout. -> (rc, wall, cpu, start_epoch)
    With ``rss_path``, the peak RSS (KiB) of the command's largest process is written there."""
    if rss_path:
        argv = [sys.executable, '-c', RSS_WRAPPER, rss_path] + list(argv)
    cpu0, start_epoch, t0 = _cpu_children(), time.time(), time.perf_counter()
    with open(log_path, 'ab') as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                stdout=out if stdout_to_log else subprocess.PIPE, stderr=out,
                                start_new_session=True)
        try:
            stdout, stalled = None, None
            deadline = time.monotonic() + timeout
            while True:  # in slices, to notice a hung Pebble long before the run's timeout
                try:
                    stdout, unused_err = proc.communicate(timeout=max(0.1, min(15.0, deadline - time.monotonic())))
                    break
                except subprocess.TimeoutExpired:
                    stalled = PEBBLE_WATCH and pebble_stalled(PEBBLE_WATCH[0])
                    if stalled or time.monotonic() >= deadline:
                        raise
        except subprocess.TimeoutExpired:
            try:  # SIGTERM first: the bench's own scripts write every thread's stack to the log then
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            raise BenchError(stalled or '%s ran longer than %ss (killed); see %s' % (
                os.path.basename(argv[1]), timeout, log_path))
        except BaseException:  # interrupted: take the run's whole process group down with us
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            raise
    wall = time.perf_counter() - t0
    return proc.returncode, wall, _cpu_children() - cpu0, start_epoch, stdout


# --------------------------------------------------------------------------- servers
class Servers:
    """Pebble + challtestsrv (lab.py), the (a) agents and the (b) web servers - all ours, by pid."""

    def __init__(self):
        self.lab = labmod.Lab(os.path.join(WORK, 'lab'))
        self.agent_pidfiles = []
        self.web_pidfiles = []

    @property
    def pebble_log(self):
        return self.lab.path('pebble-bench.log')

    @property
    def ca_file(self):
        return self.lab.ca

    def start_lab(self, postgres=False):
        self.lab.start(['bench'] + (['postgres'] if postgres else []))
        PEBBLE_WATCH[:] = [self.pebble_log]

    def state_env(self):
        """The environment of variant (p): the shared state on the lab's PostgreSQL (issue 16), sealed keys."""
        return {'SSLCLM_ACME_STATE_URL': self.lab.postgres_url(), 'SSLCLM_ACME_STATE_KEY': 'bench-state-key-0123456789'}

    def add_a(self, name, address):
        self.lab.add_a(name, address)

    def start_web(self, hosts):
        for host in hosts:
            webroot = host['webroot']
            os.makedirs(os.path.join(webroot, '.well-known', 'acme-challenge'), exist_ok=True)
            pidfile = os.path.join(host['dir'], 'web.pid')
            subprocess.run([PY, SERVE, 'start', host['addr'], str(HTTP_PORT), webroot, pidfile, '10800'],
                           check=True, stdin=subprocess.DEVNULL, timeout=30)
            self.web_pidfiles.append(pidfile)
        _wait_listening([h['addr'] for h in hosts])

    def stop(self):
        for pidfile in self.agent_pidfiles:
            _stop_pidfile(pidfile, 'sslclm_acme_agent.py')
        for pidfile in self.web_pidfiles:
            _stop_pidfile(pidfile, 'serve.py')
        try:
            self.lab.stop()
        except labmod.LabError as exc:
            log('lab stop: %s' % exc)


def _wait_listening(addresses, timeout=20.0):
    deadline = time.monotonic() + timeout
    for addr in addresses:
        while True:
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if sock.connect_ex((addr, HTTP_PORT)) == 0:
                    break
            if time.monotonic() > deadline:
                raise BenchError('nothing listens on %s:%d' % (addr, HTTP_PORT))
            time.sleep(0.05)


def _stop_pidfile(pidfile, marker, timeout=10.0):
    """SIGTERM (then SIGKILL) the pid in pidfile if its command line names marker and the pid file."""
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return

    def ours():
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                argv = handle.read().decode(errors='replace').split('\0')
        except OSError:
            return False
        return any(marker in a for a in argv) and any(pidfile == a for a in argv)

    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not ours():
            break
        try:
            os.kill(pid, sig)
        except OSError:
            break
        deadline = time.monotonic() + timeout
        while ours() and time.monotonic() < deadline:
            time.sleep(0.05)
    try:
        os.unlink(pidfile)
    except OSError:
        pass


# --------------------------------------------------------------------------- Pebble log
class RequestCounter:
    def __init__(self, path):
        self.path = path

    def mark(self, text):
        with open(self.path, 'ab') as handle:  # Pebble appends to the same file (O_APPEND): lines stay whole
            handle.write(('BENCH-MARK %s\n' % text).encode())
        return os.path.getsize(self.path)

    def count(self, start, end):
        with open(self.path, 'rb') as handle:
            handle.seek(start)
            data = handle.read(end - start).decode(errors='replace')
        by_path = {}
        for line in data.splitlines():
            match = REQ_RE.match(line)
            if match:
                key = '%s %s' % (match.group(1), match.group(2))
                by_path[key] = by_path.get(key, 0) + 1
        return sum(by_path.values()), by_path

    def count_lines(self, start, end, text):
        """How many of Pebble's log lines between two marks contain ``text`` ("Added order": orders it created)."""
        with open(self.path, 'rb') as handle:
            handle.seek(start)
            data = handle.read(end - start).decode(errors='replace')
        return sum(1 for line in data.splitlines() if text in line)


# --------------------------------------------------------------------------- verification
def _shift_ledger(path, seconds):
    """Move every event of the SQLite ledger ``seconds`` into the past ("a week later" without waiting a week)."""
    import sqlite3  # pylint: disable=import-outside-toplevel
    with sqlite3.connect(path) as db:
        db.execute('UPDATE events SET ts = ts - ?', (seconds,))


def verify_cert(fullchain, key_path, fqdn):
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    try:
        with open(fullchain, 'rb') as handle:
            certs = x509.load_pem_x509_certificates(handle.read())
        with open(key_path, 'rb') as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
    except (OSError, ValueError):
        return False
    leaf = certs[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    return names == [fqdn] and leaf.public_key().public_numbers() == key.public_key().public_numbers() and len(certs) >= 2


# --------------------------------------------------------------------------- timings
def parse_timing(path, start_epoch):
    tasks = []
    by_name = {}
    end_epoch = None
    if not os.path.exists(path):
        return {'tasks': [], 'startup_s': None}
    with open(path) as handle:
        for line in handle:
            ev = json.loads(line)
            if ev['ev'] == 'task':
                entry = {'task': ev['task'], 't_task': ev['t'], 'starts': {}, 'ends': {}, 'status': {}}
                tasks.append(entry)
                by_name[ev['task']] = entry
            elif ev['ev'] in ('start', 'end') and ev.get('task') in by_name:
                entry = by_name[ev['task']]
                entry['starts' if ev['ev'] == 'start' else 'ends'][ev['host']] = ev['t']
                if ev['ev'] == 'end':
                    entry['status'][ev['host']] = ev['status']
            elif ev['ev'] == 'play_end':
                end_epoch = ev['t']
    out = []
    for i, entry in enumerate(tasks):
        following = tasks[i + 1]['t_task'] if i + 1 < len(tasks) else end_epoch
        host_times = [entry['ends'][h] - entry['starts'][h] for h in entry['ends'] if h in entry['starts']]
        statuses = {}
        for status in entry['status'].values():
            statuses[status] = statuses.get(status, 0) + 1
        out.append({
            'task': entry['task'],
            'wall_s': (following - entry['t_task']) if following else None,
            'hosts': len(host_times),
            'host_mean_s': statistics.mean(host_times) if host_times else None,
            'host_max_s': max(host_times) if host_times else None,
            'statuses': statuses,
        })
    first = tasks[0]['t_task'] if tasks else None
    return {'tasks': out, 'startup_s': (first - start_epoch) if first else None,
            'shutdown_s': None}


# --------------------------------------------------------------------------- the bench
class Bench:
    def __init__(self, args):
        self.args = args
        self.sizes = args.sizes
        self.max_n = max(self.sizes)
        # hosts with an acme_agent (installing one costs ~24 CPU-s; it answers HTTP-01, which is not what is timed)
        self.agent_count = min(self.max_n, args.agents) if args.agents else self.max_n
        self.focus_n = args.focus if args.focus in self.sizes else self.max_n
        self.servers = Servers()
        self.counter = None
        self.ca = None
        self.thumbprint = None
        self.account_uri = None
        self.collections = os.path.join(WORK, 'collections')
        self.have_deploy = all(os.path.exists(os.path.join(ROOT, p)) for p in (
            'plugins/modules/acme_deploy.py', 'plugins/action/acme_deploy.py'))
        self.results = {'runs': [], 'phase': [], 'baseline': [], 'converge': [], 'floor': [], 'micro': [],
                        'phase_converge': [], 'nothing_due': [], 'setup': {}}

    def forks_for(self, n):
        """The forks of runs over ``n`` hosts: ``--forks``, or what ``--forks-at`` says for that size."""
        return self.args.forks_at.get(n, self.args.forks)

    # -- environment ------------------------------------------------------
    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith('ANSIBLE_')}
        ca = self.servers.ca_file
        env.update({
            'PATH': BIN + os.pathsep + env.get('PATH', ''),
            'ANSIBLE_COLLECTIONS_PATH': self.collections,
            'ANSIBLE_CALLBACK_PLUGINS': os.path.join(BENCH, 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'bench_timing',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_HOST_KEY_CHECKING': '0',
            'ANSIBLE_LOCAL_TEMP': os.path.join(WORK, 'tmp', 'local'),
            'ANSIBLE_REMOTE_TEMP': os.path.join(WORK, 'tmp', 'remote'),
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'SSLCLM_ACME_STATE_DIR': os.path.join(WORK, 'state'),
            # the rate-limit ledger defaults to ~/.ansible: keep the bench's thousands of events out of it
            'SSLCLM_ACME_LEDGER': os.path.join(WORK, 'state', 'ledger.sqlite'),
            # the bench's own CA, never the system's (the environment may point these elsewhere)
            'SSL_CERT_FILE': ca, 'REQUESTS_CA_BUNDLE': ca, 'CURL_CA_BUNDLE': ca,
            'no_proxy': '*', 'NO_PROXY': '*',
        })
        for name in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'):
            env.pop(name, None)
        for item in self.args.ansible_env:
            key, unused_sep, value = item.partition('=')
            env[key] = value
        env.update(extra)
        return env

    def common_vars(self):
        return {
            'bench_zone': ZONE, 'bench_directory': DIRECTORY, 'bench_ca_bundle': self.servers.ca_file,
            'bench_account_key': os.path.join(WORK, 'account.key'), 'bench_dns': DNS,
            'bench_http_port': HTTP_PORT, 'bench_max_workers': self.args.max_workers,
            'bench_ca_file': os.path.join(WORK, 'ca.json'),
        }

    # -- inventory ---------------------------------------------------------
    def hosts(self, variant, n):
        out = []
        for i in range(1, n + 1):
            name = 'h%03d' % i
            d = os.path.join(WORK, 'fleet', variant, name)
            out.append({'name': name, 'addr': host_address(variant, i), 'dir': d, 'webroot': os.path.join(d, 'www')})
        return out

    def inventory(self, variant, n):
        path = os.path.join(WORK, 'inventory', '%s-%d' % (variant, n), 'hosts.yml')
        if os.path.exists(path):
            return path
        common = {
            'ansible_connection': 'local',
            'ansible_python_interpreter': PY,
            'bench_fqdn': '{{ inventory_hostname }}.{{ bench_run }}.{{ bench_zone }}',
        }
        hosts = {}
        for host in self.hosts(variant, n):
            hv = {'bench_host_dir': host['dir'], 'bench_addr': host['addr']}
            if variant == 'a':
                hv.update({
                    'acme_agent_http01_address': host['addr'],
                    'acme_agent_base_dir': os.path.join(host['dir'], 'agent', 'data'),
                    'acme_agent_install_dir': os.path.join(host['dir'], 'agent', 'lib'),
                    'acme_agent_config_dir': os.path.join(host['dir'], 'agent', 'etc'),
                    'acme_agent_pidfile': os.path.join(host['dir'], 'agent', 'agent.pid'),
                    'acme_agent_log': os.path.join(host['dir'], 'agent', 'agent.log'),
                })
            else:
                hv['bench_webroot'] = host['webroot']
            hosts[host['name']] = hv
        if variant == 'a':
            common.update({
                'bench_tls_dir': '{{ bench_host_dir }}/tls/{{ bench_run }}',
                'bench_cert': {
                    'name': '{{ inventory_hostname }}',
                    'identifiers': ['{{ bench_fqdn }}'],
                    'private_key_path': '{{ bench_ctl_dir }}/{{ inventory_hostname }}.key',
                    'fullchain_path': '{{ bench_ctl_dir }}/{{ inventory_hostname }}.pem',
                },
                'acme_agent_python': PY,
                'acme_agent_service_manager': 'background',
                'acme_agent_http01_port': HTTP_PORT,
                'acme_agent_account_thumbprint': self.thumbprint,
            })
        else:
            common['bench_run_dir'] = '{{ bench_host_dir }}/run/{{ bench_run }}'
        # JSON is YAML: no YAML library needed
        return _write_json(path, {'all': {'vars': common, 'children': {'fleet': {'hosts': hosts}}}})

    # -- running playbooks ------------------------------------------------
    def playbook(self, label, playbook, inventory, extra_vars, forks, var_files=(), timeout=None, extra_args=(),
                 env=None):
        run_dir = os.path.join(WORK, 'runs', label)
        os.makedirs(run_dir, exist_ok=True)
        vars_file = _write_json(os.path.join(run_dir, 'vars.json'), extra_vars, 0o600)
        timing = os.path.join(run_dir, 'timing.jsonl')
        if os.path.exists(timing):
            os.unlink(timing)
        argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, '-f', str(forks), playbook, '-e', '@' + vars_file]
        for extra in var_files:
            argv += ['-e', '@' + extra]
        argv += list(extra_args)
        log_path = os.path.join(run_dir, 'ansible.log')
        load_before = os.getloadavg()[0]
        start = self.counter.mark('begin %s' % label) if self.counter else None
        rss_path = os.path.join(run_dir, 'peak_rss_kib')
        rc, wall, cpu, start_epoch, unused_out = _run(
            argv, log_path, self.env(BENCH_TIMING_FILE=timing, **(env or {})), timeout or self.args.run_timeout,
            rss_path=rss_path)
        end = self.counter.mark('end %s' % label) if self.counter else None
        requests, by_path = self.counter.count(start, end) if self.counter else (None, None)
        result = {'label': label, 'rc': rc, 'wall_s': wall, 'cpu_s': cpu, 'requests': requests, 'log_span': (start, end),
                  'peak_rss_mib': _read_rss(rss_path),
                  'load_before': load_before, 'load_after': os.getloadavg()[0],
                  'requests_by_path': by_path, 'timing': parse_timing(timing, start_epoch), 'log': log_path}
        if rc != 0:
            with open(log_path, errors='replace') as handle:
                tail = ''.join(handle.readlines()[-25:])
            log('%s failed (rc %s); tail of %s:\n%s' % (label, rc, log_path, tail))
        return result

    # -- set-up ---------------------------------------------------------------
    def setup(self):
        for sub in ('runs', 'fleet', 'inventory', 'state', 'tmp', 'profile'):
            shutil.rmtree(os.path.join(WORK, sub), ignore_errors=True)
        os.makedirs(WORK, exist_ok=True)
        log('staging the collection (scripts/stage.sh)')
        subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'stage.sh'), self.collections], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        # the code measured is the code staged now, whatever the checkout holds when the run ends
        self.results['staged'] = versions()['sslclm.acme']
        log('starting Pebble %s + challtestsrv %s' % (DIRECTORY, labmod.CHALLTESTSRV['management']))
        self.servers.start_lab(postgres='p' in self.args.variants)
        self.counter = RequestCounter(self.servers.pebble_log)

        log('account and CA instance (untimed)')
        ctl_inventory = _write_json(os.path.join(WORK, 'inventory', 'controller', 'hosts.yml'), {'all': {'hosts': {
            'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': PY}}}})
        res = self.playbook('setup-account', os.path.join(BENCH, 'playbooks', 'setup.yml'), ctl_inventory,
                            self.common_vars(), 1)
        if res['rc'] != 0:
            raise BenchError('account set-up failed; see %s' % res['log'])
        with open(os.path.join(WORK, 'ca.json')) as handle:
            self.ca = json.load(handle)['bench_ca']
        self.thumbprint = self.ca['connector']['key_thumbprint']
        self.account_uri = self.ca['connector']['account_uri']

        hosts_a = self.hosts('a', self.agent_count)
        log('installing %d acme_agent responders (stateless) with sslclm.acme.agent, forks %d'
            % (len(hosts_a), self.args.setup_forks))
        self.servers.agent_pidfiles = [os.path.join(h['dir'], 'agent', 'agent.pid') for h in hosts_a]
        # The first host alone first: every bench host is this machine, and on a fresh one the agents' shared
        # system user would otherwise be created by several forks at once (useradd: user already exists).
        first = self.playbook('setup-agents-first', 'sslclm.acme.agent', self.inventory('a', 1),
                              {'acme_agent_hosts': 'fleet'}, 1, timeout=1800)
        res = first if first['rc'] else self.playbook(
            'setup-agents', 'sslclm.acme.agent', self.inventory('a', self.agent_count), {'acme_agent_hosts': 'fleet'},
            self.args.setup_forks, timeout=1800)
        self.results['setup']['agents'] = {'hosts': len(hosts_a), 'forks': self.args.setup_forks,
                                           'wall_s': first['wall_s'] + res['wall_s'] * (res is not first),
                                           'cpu_s': first['cpu_s'] + res['cpu_s'] * (res is not first), 'rc': res['rc']}
        if res['rc'] != 0:
            raise BenchError('agent installation failed; see %s' % res['log'])
        _wait_listening([h['addr'] for h in hosts_a])

        if 'b' in self.args.variants:
            hosts_b = self.hosts('b', min(self.max_n, self.args.b_max))
            log('starting %d web servers for (b)' % len(hosts_b))
            t0 = time.perf_counter()
            self.servers.start_web(hosts_b)
            self.results['setup']['web'] = {'hosts': len(hosts_b), 'wall_s': time.perf_counter() - t0}

        # Untimed warm-up, N=1 each: byte-compiles the staged collection and the site-packages code paths,
        # fills the page cache, and creates the state directory's sub-directories from one thread.
        for variant in self.args.variants:
            res = self.run_b(1, 0) if variant == 'b' else self.run_a(1, 0, kind='warmup', variant=variant)
            self.results['setup']['warmup_' + variant] = {
                k: res[k] for k in ('wall_s', 'cpu_s', 'requests', 'rc', 'verified')}
            log('warm-up (%s) N=1: %.1f s, rc %s' % (variant, res['wall_s'], res['rc']))
            if res['rc'] != 0:
                raise BenchError('warm-up run (%s) failed; see %s' % (variant, res['log']))

    def map_names(self, variant, n, label):
        """Each host's name for this run, in challtestsrv's DNS. With ``--agents K`` the names of (a) hosts past the
        K-th point at the agents of the first K hosts (stateless: every agent answers every token of the account)."""
        names = []
        for i, host in enumerate(self.hosts(variant, n)):
            fqdn = '%s.%s.%s' % (host['name'], label, ZONE)
            answering = host if variant != 'a' or i < self.agent_count else self.hosts('a', self.agent_count)[i % self.agent_count]
            self.servers.add_a(fqdn, answering['addr'])
            names.append((host, fqdn))
        return names

    # -- (a) and (b) ------------------------------------------------------------
    def run_a(self, n, rep, label=None, account_tasks=True, kind='run', variant='a'):
        """(a): the collection's enroll + deploy playbook; with ``label`` a converge run of that earlier run.
        Variant (p) is the same run with the state on PostgreSQL instead of the embedded SQLite file."""
        converge = label is not None
        label = label or '%s%dr%d%s' % (variant, n, rep, _rand())
        names = self.map_names('a', n, label) if not converge else [
            (h, '%s.%s.%s' % (h['name'], label, ZONE)) for h in self.hosts('a', n)]
        ctl = os.path.join(WORK, 'runs', label, 'ctl')
        os.makedirs(ctl, exist_ok=True)
        for host, unused_fqdn in names:
            os.makedirs(os.path.join(host['dir'], 'tls', label), exist_ok=True)
        extra = dict(self.common_vars(), bench_run=label, bench_ctl_dir=ctl, bench_account_tasks=account_tasks)
        playbook = 'collection.yml' if self.have_deploy else 'collection_copy.yml'
        res = self.playbook(label + ('-converge' if converge else '') + ('' if account_tasks else '-noacct'),
                            os.path.join(BENCH, 'playbooks', playbook), self.inventory('a', n), extra,
                            self.forks_for(n), var_files=[os.path.join(WORK, 'ca.json')],
                            env=self.servers.state_env() if variant == 'p' else None)
        res.update(variant=variant, n=n, rep=rep, kind=kind, account_tasks=account_tasks, run=label,
                   verified=sum(verify_cert(os.path.join(h['dir'], 'tls', label, 'fullchain.pem'),
                                            os.path.join(h['dir'], 'tls', label, 'privkey.pem'), fqdn)
                                for h, fqdn in names))
        return res

    def run_renew_converge(self, n, label):
        """The collection's scheduled convergence (playbook sslclm.acme.renew, role renewal) over the
        fleet of the (a) run ``label``, whose certificates are deployed and current: nothing is due."""
        tls = '{{ bench_host_dir }}/tls/%s/' % label
        extra = dict(self.common_vars(), bench_run=label, **{
            'acme_connectors': {'pebble': {'directory': DIRECTORY, 'account_key_src': os.path.join(WORK, 'account.key'),
                                           'ca_bundle': self.servers.ca_file}},
            'acme_cas': {'pebble': {'connector': 'pebble', 'rate_limits': self.ca['policy'].get('rate_limits')}},
            'acme_certificates': [{'name': '{{ inventory_hostname }}', 'identifiers': ['{{ bench_fqdn }}'],
                                   'ca': 'pebble', 'deploy': {'fullchain': tls + 'fullchain.pem',
                                                              'key': tls + 'privkey.pem'}}],
            'renewal_store_dir': os.path.join(WORK, 'renew', 'store'),
            'renewal_report_dir': os.path.join(WORK, 'renew', 'reports'),
            'renewal_enroll_options': {'http01': {'mode': 'stateless'},
                                       'self_check': {'nameservers': [DNS], 'http_port': HTTP_PORT, 'timeout': 10}},
        })
        res = self.playbook(label + '-renew', 'sslclm.acme.renew', self.inventory('a', n),
                            dict(extra, acme_hosts='fleet'), self.forks_for(n))
        res.update(variant='renew', n=n, rep=0, kind='converge', account_tasks=None, run=label)
        return res

    def run_b(self, n, rep):
        label = 'b%dr%d%s' % (n, rep, _rand())
        names = self.map_names('b', n, label)
        for host, unused_fqdn in names:
            os.makedirs(os.path.join(host['dir'], 'run', label), exist_ok=True)
        extra = dict(self.common_vars(), bench_run=label)
        res = self.playbook(label, os.path.join(BENCH, 'playbooks', 'crypto.yml'), self.inventory('b', n), extra,
                            self.forks_for(n))
        res.update(variant='b', n=n, rep=rep, kind='run', run=label,
                   verified=sum(verify_cert(os.path.join(h['dir'], 'run', label, 'fullchain.pem'),
                                            os.path.join(h['dir'], 'run', label, 'privkey.pem'), fqdn)
                                for h, fqdn in names))
        return res

    # -- controller phase alone and the bare library -------------------------
    def run_phase(self, n, rep, profile=None, again=None, trace=None, trace_cpu=False):
        """again: the label of an earlier phase run to repeat with the same arguments (nothing due then)."""
        label = again or 'c%dr%d%s' % (n, rep, _rand())
        names = [(h, '%s.%s.%s' % (h['name'], label, ZONE)) for h in self.hosts('a', n)] if again else \
            self.map_names('a', n, label)  # the agents of fleet (a) answer
        ctl = os.path.join(WORK, 'runs', label, 'ctl')
        os.makedirs(ctl, exist_ok=True)
        module_args = {
            'ca': self.ca, 'ca_bundle': self.servers.ca_file,
            'http01': {'mode': 'stateless'},
            'self_check': {'nameservers': [DNS], 'http_port': HTTP_PORT, 'timeout': 10},
            'max_workers': self.args.max_workers,
            'state_dir': os.path.join(WORK, 'state'),
            'certificates': [{'name': h['name'], 'identifiers': [fqdn],
                              'private_key_path': os.path.join(ctl, h['name'] + '.key'),
                              'fullchain_path': os.path.join(ctl, h['name'] + '.pem')} for h, fqdn in names],
        }
        if self.args.no_self_check_phase:
            module_args['self_check'] = {'enabled': False}
        if again:
            args_file = os.path.join(WORK, 'runs', label, 'args.json')
        else:
            args_file = _write_json(os.path.join(WORK, 'runs', label, 'args.json'), module_args, 0o600)
        argv = [PY, os.path.join(BENCH, 'enroll_phase.py'), '--collections', self.collections, '--args', args_file]
        if profile:
            argv += ['--profile', profile]
        if trace:
            argv += ['--trace', trace] + (['--trace-cpu'] if trace_cpu else [])
        out, measured = self.run_script(label, argv, {'failed': True, 'msg': 'no output'})
        if again:
            label += '-again'
        rc = measured['rc']
        res = dict(out, label=label, n=n, rep=rep, profiled=bool(profile), **measured,
                   verified=sum(verify_cert(os.path.join(ctl, h['name'] + '.pem'), os.path.join(ctl, h['name'] + '.key'),
                                            fqdn) for h, fqdn in names))
        if trace and os.path.exists(trace):
            with open(trace) as handle:
                res['trace'] = json.load(handle)
        if rc:
            log('%s failed: %s' % (label, out.get('msg')))
        return res

    def run_script(self, label, argv, no_output):
        """Run a bench script that prints one JSON line last → (that document, or ``no_output``; the
        run's rc, wall_s, cpu_s, load_before, requests and requests_by_path)."""
        load_before = os.getloadavg()[0]
        start = self.counter.mark('begin %s' % label)
        rc, wall, cpu, unused_start, stdout = _run(
            argv, os.path.join(WORK, 'runs', label, 'stderr.log'), self.env(), self.args.run_timeout, stdout_to_log=False)
        end = self.counter.mark('end %s' % label)
        requests, by_path = self.counter.count(start, end)
        try:
            out = json.loads(stdout.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            out = dict(no_output)
        return out, {'rc': rc, 'wall_s': wall, 'cpu_s': cpu, 'load_before': load_before, 'requests': requests,
                     'requests_by_path': by_path}

    def run_baseline(self, n, rep):
        label = 'l%dr%d%s' % (n, rep, _rand())
        names = self.map_names('a', n, label)
        out_dir = os.path.join(WORK, 'runs', label, 'ctl')
        os.makedirs(out_dir, exist_ok=True)
        jobs = [[fqdn, os.path.join(out_dir, h['name'] + '.key'), os.path.join(out_dir, h['name'] + '.pem')]
                for h, fqdn in names]
        jobs_file = _write_json(os.path.join(WORK, 'runs', label, 'jobs.json'), jobs)
        argv = [PY, os.path.join(BENCH, 'baseline_acme.py'), '--directory', DIRECTORY,
                '--ca-bundle', self.servers.ca_file, '--account-key', os.path.join(WORK, 'account.key'),
                '--account-uri', self.account_uri, '--jobs', jobs_file, '--threads', str(self.args.baseline_threads)]
        out, measured = self.run_script(label, argv, {'failures': ['no output']})
        rc = measured['rc']
        res = dict(out, label=label, n=n, rep=rep, **measured,
                   verified=sum(verify_cert(j[2], j[1], j[0]) for j in jobs))
        if rc:
            log('%s failed: %s' % (label, out.get('failures')))
        return res

    # -- main loop ----------------------------------------------------------------
    def run(self):
        self.setup()
        variants = self.args.variants
        n_max = self.focus_n  # the size of the detail runs (phase, floor, converge, nothing due, micro, profiles)
        for rep in range(1, self.args.repeats + 1):
            order = variants if rep % 2 else variants[::-1]
            for n in self.sizes:
                for variant in order:
                    if variant == 'b' and n > self.args.b_max:
                        continue  # extrapolated in the report from its per-host cost at the largest size it ran
                    res = self.run_b(n, rep) if variant == 'b' else self.run_a(n, rep, variant=variant)
                    self.results['runs'].append(res)
                    log('rep %d N=%d (%s): %.1f s wall, %.1f CPU-s, %s requests (%.2f/cert), %d/%d verified, rc %s'
                        % (rep, n, variant, res['wall_s'], res['cpu_s'], res['requests'],
                           (res['requests'] or 0) / n, res['verified'], n, res['rc']))
            if not self.args.no_phase:
                pair = (self.run_phase, self.run_baseline) if rep % 2 else (self.run_baseline, self.run_phase)
                for func in pair:
                    res = func(n_max, rep)
                    self.results['phase' if func == self.run_phase else 'baseline'].append(res)
                    log('rep %d N=%d %s: %.2f s process wall (%s), %s requests (%.2f/cert), %d/%d verified'
                        % (rep, n_max, 'enroll module' if func == self.run_phase else 'bare acme',
                           res['wall_s'], 'main %.2f s' % res['main_s'] if 'main_s' in res
                           else 'work %.2f s' % res.get('work_s', 0),
                           res['requests'], (res['requests'] or 0) / n_max, res['verified'], n_max))
            if not self.args.no_floor and 'a' in variants:
                res = self.playbook('floor%dr%d' % (n_max, rep), os.path.join(BENCH, 'playbooks', 'micro.yml'),
                                    self.inventory('a', n_max), {'bench_run': 'floor'}, self.forks_for(n_max),
                                    extra_args=['--tags', 'ping'])
                res.update(n=n_max, rep=rep)
                self.results['floor'].append(res)
                log('rep %d N=%d floor (one ping task per host): %.1f s' % (rep, n_max, res['wall_s']))
        # converge: the last (a) run at the largest size again, nothing due
        last_a = [r for r in self.results['runs'] if r['variant'] == 'a' and r['n'] == n_max and r['rc'] == 0]
        if last_a:
            for account_tasks in (True, False):
                res = self.run_a(n_max, 0, label=last_a[-1]['run'], account_tasks=account_tasks, kind='converge')
                self.results['converge'].append(res)
                log('converge N=%d (account tasks %s): %.1f s, %s requests %s' % (
                    n_max, account_tasks, res['wall_s'], res['requests'], res['requests_by_path']))
            res = self.run_renew_converge(n_max, last_a[-1]['run'])
            self.results['converge'].append(res)
            log('converge N=%d (sslclm.acme.renew): %.1f s, rc %s, %s requests %s' % (
                n_max, res['wall_s'], res['rc'], res['requests'], res['requests_by_path']))
            if self.have_deploy:
                self.run_nothing_due(n_max, last_a[-1]['run'])
        if self.args.budget:
            self.run_budget(self.max_n)
        if not self.args.no_micro and last_a:
            self.run_micro(n_max, last_a[-1]['run'])
        if not self.args.no_profile and not self.args.no_phase:
            prof = os.path.join(WORK, 'profile', 'enroll.prof')
            os.makedirs(os.path.dirname(prof), exist_ok=True)
            # the steps of each certificate timed without a profiler's overhead
            self.results['trace'] = self.run_phase(n_max, 0, trace=os.path.join(WORK, 'profile', 'enroll-trace.json'),
                                                   trace_cpu=True)
            log('traced enroll module run: %.2f s main' % self.results['trace'].get('main_s', 0))
            res = self.run_phase(n_max, 0, profile=prof)
            self.results['profile'] = dict(res, stats=profile_summary(
                prof, os.path.join(WORK, 'profile', 'enroll-profile.txt')))
            log('profiled enroll module run: %.2f s main; %s' % (res.get('main_s', 0), prof))
            # the same 50 certificates again: nothing due, the converge path of the module
            for i in range(1, 4):
                res = self.run_phase(n_max, -i, again=res['label'] if i == 1 else res['label'][:-len('-again')])
                self.results['phase_converge'].append(res)
                log('enroll module, nothing due: %.2f s process wall (main %.2f s), %s requests'
                    % (res['wall_s'], res.get('main_s', 0), res['requests']))
            prof = os.path.join(WORK, 'profile', 'enroll-converge.prof')
            res = self.run_phase(n_max, -9, profile=prof, again=res['label'][:-len('-again')])
            self.results['profile_converge'] = dict(res, stats=profile_summary(
                prof, os.path.join(WORK, 'profile', 'enroll-converge-profile.txt')))

    def run_budget(self, n):
        """Issue 20, budgets at scale: ``n`` certificates under one registered domain, the CA instance's default
        budgets (Let's Encrypt's), a fresh ledger. The first run must issue what the budget allows and refuse the
        rest before any request, naming when capacity returns; a week later (the ledger's events moved back 7 days
        and an hour) the same run continues with the next ones. Pebble has no rate limit of its own: each newOrder
        it saw is one the budget let through."""
        label = 'budget%d%s' % (n, _rand())
        state = os.path.join(WORK, 'state-budget')
        shutil.rmtree(state, ignore_errors=True)
        os.makedirs(state)
        ledger = os.path.join(state, 'ledger.sqlite')
        env = {'SSLCLM_ACME_STATE_DIR': state, 'SSLCLM_ACME_LEDGER': ledger}
        names = self.map_names('a', n, label)
        ctl = os.path.join(WORK, 'runs', label, 'ctl')
        os.makedirs(ctl, exist_ok=True)
        steps = []
        for step in ('first run', 'a week later'):
            if steps:
                _shift_ledger(ledger, 7 * 86400 + 3600)
            out = os.path.join(WORK, 'runs', label, 'certificates-%d.json' % len(steps))
            extra = dict(self.common_vars(), bench_run=label, bench_ctl_dir=ctl, bench_budget_out=out)
            res = self.playbook('%s-%d' % (label, len(steps)), os.path.join(BENCH, 'playbooks', 'budget.yml'),
                                self.inventory('a', n), extra, self.forks_for(n), env=env)
            certs = []
            if os.path.exists(out):
                with open(out) as handle:
                    certs = json.load(handle)
            refused = [c for c in certs if c.get('rate_limit_violations')]
            others = [c for c in certs if c.get('failed') and not c.get('rate_limit_violations')]
            frees = sorted(v.get('frees_at') for c in refused for v in c['rate_limit_violations'] if v.get('frees_at'))
            with open(res['log'], errors='replace') as handle:
                rate_limited = handle.read().count('rateLimited')
            steps.append({
                'step': step, 'rc': res['rc'], 'wall_s': res['wall_s'], 'cpu_s': res['cpu_s'],
                'requests': res['requests'], 'requests_by_path': res['requests_by_path'],
                'new_orders': (res['requests_by_path'] or {}).get('POST /order-plz', 0),
                # newOrder requests include badNonce retries; Pebble's "Added order" lines are the orders it made
                'orders_created': self.counter.count_lines(res['log_span'][0], res['log_span'][1], 'Added order'),
                'issued': sum(1 for c in certs if c.get('changed') and not c.get('failed')),
                'refused': len(refused), 'other_failures': len(others),
                'other_failure_sample': [c.get('msg') for c in others[:3]],
                'limits': sorted(set(v.get('limit') for c in refused for v in c['rate_limit_violations'])),
                'frees_at': [frees[0], frees[-1]] if frees else None,
                'refusal_sample': refused[0].get('msg') if refused else None,
                'rate_limited_answers': rate_limited, 'results': len(certs),
                'verified': sum(verify_cert(os.path.join(ctl, h['name'] + '.pem'), os.path.join(ctl, h['name'] + '.key'),
                                            fqdn) for h, fqdn in names)})
            log('budget N=%d, %s: %d issued, %d refused by the budget (%s), %d other failures, %s newOrder requests, '
                '%d rateLimited, %.1f s' % (n, step, steps[-1]['issued'], steps[-1]['refused'],
                                            ', '.join(steps[-1]['limits']), len(others), steps[-1]['new_orders'],
                                            rate_limited, res['wall_s']))
        self.results['budget'] = {'n': n, 'forks': self.forks_for(n), 'steps': steps}

    def run_nothing_due(self, n, label):
        """Issue 15, item 11: the nothing-due ``sslclm.acme.renew`` against one ``acme_discover`` task reading the
        same files on the same hosts, interleaved, ``--repeats`` pairs (the renew run above was the first, untimed
        here: it may still write the report directory and warm the page cache)."""
        for rep in range(1, self.args.repeats + 1):
            pair = {'rep': rep}
            for which in (('discover', 'renew') if rep % 2 else ('renew', 'discover')):
                if which == 'renew':
                    res = self.run_renew_converge(n, label)
                else:
                    res = self.playbook('%s-discover-r%d' % (label, rep), os.path.join(BENCH, 'playbooks', 'micro.yml'),
                                        self.inventory('a', n), {'bench_run': label}, self.forks_for(n),
                                        extra_args=['--tags', 'discover'])
                pair[which] = {k: res[k] for k in ('wall_s', 'cpu_s', 'requests', 'rc', 'load_before', 'load_after')}
            self.results['nothing_due'].append(pair)
            log('nothing due N=%d rep %d: renew %.2f s (%s requests), one acme_discover task %.2f s: %.2fx'
                % (n, rep, pair['renew']['wall_s'], pair['renew']['requests'], pair['discover']['wall_s'],
                   pair['renew']['wall_s'] / pair['discover']['wall_s']))

    def run_micro(self, n, src_run):
        """One task per host over the (a) fleet: raw, ping, copy, acme_deploy (new files, then unchanged),
        acme_discover; without and with pipelining."""
        ctl = os.path.join(WORK, 'runs', src_run, 'ctl')
        steps = [('raw', 'raw (no Python module)'), ('ping', 'ping'), ('copy', 'copy, 2 files (loop)')]
        if self.have_deploy:
            steps += [('deploy', 'acme_deploy (new files)'), ('deploy', 'acme_deploy (unchanged)')]
            steps += [('discover', 'acme_discover (1 file)')]
        for pipelining in ('0', '1'):
            label = 'micro-p%s-%s' % (pipelining, _rand())
            for tag, what in steps:
                if pipelining == '1' and tag not in ('ping', 'deploy') or 'unchanged' in what and pipelining == '1':
                    continue  # pipelining changes little on a local connection: two samples suffice
                dest = '%s-%s' % (label, tag)  # each task its own destination; the unchanged deploy reuses its own
                for host in self.hosts('a', n):
                    os.makedirs(os.path.join(host['dir'], 'tls', dest), exist_ok=True)
                res = self.playbook('%s%s' % (dest, '-again' if 'unchanged' in what else ''),
                                    os.path.join(BENCH, 'playbooks', 'micro.yml'), self.inventory('a', n),
                                    {'bench_run': dest, 'bench_ctl_dir': ctl}, self.forks_for(n),
                                    extra_args=['--tags', tag], env={'ANSIBLE_PIPELINING': pipelining})
                task = res['timing']['tasks'][0] if res['timing']['tasks'] else {}
                res.update(n=n, what=what, pipelining=pipelining == '1', task_wall_s=task.get('wall_s'),
                           host_mean_s=task.get('host_mean_s'), statuses=task.get('statuses'))
                self.results['micro'].append(res)
                log('micro N=%d pipelining %s %-20s %.1f s (task %s s), %.1f CPU-s, %s' % (
                    n, pipelining, what, res['wall_s'], _fmt(res['task_wall_s'], 1), res['cpu_s'], res['statuses']))

    def close(self):
        self.servers.stop()


def profile_summary(prof, text_path):
    """Top functions of the cProfile run (text file) + a few grouped figures for RESULTS.md."""
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats('cumulative').print_stats(45)
    stats.sort_stats('tottime').print_stats(30)
    with open(text_path, 'w') as handle:
        handle.write(buf.getvalue())
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():  # pylint: disable=no-member
        rows.append({'func': '%s:%d(%s)' % (_short(filename), line, func), 'ncalls': nc, 'tottime': tt,
                     'cumtime': ct})
    top_tot = sorted(rows, key=lambda r: -r['tottime'])[:12]
    breakdown = []
    for label, pattern in PROFILE_BUCKETS:
        hits = [r for r in rows if re.search(pattern, r['func'])]
        if hits:
            breakdown.append({'part': label, 'cumtime': max(r['cumtime'] for r in hits),
                              'ncalls': max(r['ncalls'] for r in hits)})
    own = [r for r in rows if 'sslclm' in r['func'] or 'acme/' in r['func'][:40]]
    top_cum = sorted((r for r in own), key=lambda r: -r['cumtime'])[:25]
    return {'top_tottime': top_tot, 'top_cumtime_collection': top_cum, 'text': text_path, 'breakdown': breakdown}


# Parts of one certificate's flow in the module, by the function that wraps each (cumulative time
# summed over the worker threads; the parts nest: e.g. HTTP is inside new order, polls, finalize).
PROFILE_BUCKETS = (
    ('whole flow of every certificate (_run_one)', r'enroll\.py:\d+\(_run_one\)'),
    ('rate-limit check before ordering (budget_violations)', r'enroll\.py:\d+\(budget_violations\)'),
    ('ledger reads (Ledger.events)', r'ledger\.py:\d+\(events\)'),
    ('ledger writes (Ledger.record)', r'ledger\.py:\d+\(record\)'),
    ('per-certificate lock (CertificateLock.acquire)', r'locking\.py:\d+\(acquire\)'),
    ('order store writes (OrderStore.save)', r'order_store\.py:\d+\(save\)'),
    ('new order + authorizations (_resume_or_create)', r'enroll\.py:\d+\(_resume_or_create\)'),
    ('self-check (SelfChecker.verify)', r'precheck\.py:\d+\(verify\)'),
    ('answer + wait for validation (_validate)', r'enroll\.py:\d+\(_validate\)'),
    ('polling loops (Poller.until)', r'polling\.py:\d+\(until\)'),
    ('  of which sleeping (time.sleep)', r'\(<built-in method time\.sleep>\)'),
    ('key, CSR, finalize, download, write (_finish)', r'enroll\.py:\d+\(_finish\)'),
    ('  private key generation', r'keys\.py:\d+\(generate_private_key\)'),
    ('  atomic file writes (atomic_write_many)', r'files\.py:\d+\(atomic_write_many\)'),
    ('  fsync (all callers)', r'\(<built-in method posix\.fsync>\)'),
    ('all HTTP requests (ClientNetwork._send_request)', r'acme/client\.py:\d+\(_send_request\)'),
    ('JWS signing (ECPrivateKey.sign)', r"ECPrivateKey' objects>\)|\(sign\)"),
)


def _short(filename):
    for marker in ('ansible_collections/', 'site-packages/', 'lib/python3'):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --------------------------------------------------------------------------- report
def _least_squares(points):
    """(slope, intercept) of the straight line through ``[(x, y)]`` (two points or more)."""
    n = len(points)
    mx, my = sum(p[0] for p in points) / n, sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return slope, my - slope * mx


def _scale_rows(res, sizes):
    """``(n, wall, cpu, peak RSS, (b) wall)`` medians of (a) per size (and of (b) where it ran)."""
    rows = []
    for n in sizes:
        ra = [r for r in res['runs'] if r['variant'] == 'a' and r['n'] == n and r['rc'] == 0]
        rb = [r for r in res['runs'] if r['variant'] == 'b' and r['n'] == n and r['rc'] == 0]
        if ra:
            rows.append((n, _median([r['wall_s'] for r in ra]), _median([r['cpu_s'] for r in ra]),
                         _median([r.get('peak_rss_mib') for r in ra]), _median([r['wall_s'] for r in rb])))
    return rows


def _scale_section(add, res, sizes, args):
    """Issue 20: how (a) grows with N - wall and CPU per host, the controller's peak RSS, the slope of a straight
    line through the medians - and (b) above --b-max extrapolated from its per-host cost at its largest size."""
    rows = _scale_rows(res, sizes)
    if len(rows) < 2:
        return
    measured_b = [(n, b) for n, unused, unused_c, unused_m, b in rows if b]
    b_ref = measured_b[-1] if measured_b else None
    add('Scale of (a): medians per size; peak RSS is the largest process of the run (ansible-playbook, a worker or '
        'a module)%s.' % ('; (b) above N=%d is extrapolated from its measured %.2f s per host at N=%d, not run'
                          % (b_ref[0], b_ref[1] / b_ref[0], b_ref[0]) if b_ref and rows[-1][0] > b_ref[0] else ''))
    add('')
    add('| N | forks | (a) wall s | (a) wall s/host | (a) CPU-s/host | peak RSS MiB | (b) s | ratio (b)/(a) |')
    add('|---|---|---|---|---|---|---|---|')
    for n, wall, cpu, rss, b in rows:
        estimated = b is None and b_ref is not None and n > b_ref[0]
        b_value = b if b else (b_ref[1] / b_ref[0] * n if estimated else None)
        add('| %d | %d | %.2f | %.3f | %.3f | %s | %s%s | %s |' % (
            n, args.forks_at.get(n, args.forks), wall, wall / n, cpu / n, _fmt(rss, 0), _fmt(b_value, 1),
            ' (extrapolated)' if estimated else '', _fmt(b_value / wall, 2) + '×' if b_value else '-'))
    slope, intercept = _least_squares([(n, wall) for n, wall, unused_c, unused_m, unused_b in rows])
    rss_points = [(n, rss) for n, unused_w, unused_c, rss, unused_b in rows if rss]
    add('')
    add('Straight line through the (a) medians: **%.3f s per host** (marginal cost) + %.2f s fixed%s.' % (
        slope, intercept, '; peak RSS %.2f MiB per host + %.0f MiB' % _least_squares(rss_points)
        if len(rss_points) >= 2 else ''))
    add('')


def _read_rss(path):
    try:
        with open(path) as handle:
            return int(handle.read().strip()) / 1024.0
    except (IOError, OSError, ValueError):
        return None


def _nothing_due_ratio(pairs, key):
    """Median renew / median acme_discover over the interleaved pairs."""
    return _median([p['renew'][key] for p in pairs]) / _median([p['discover'][key] for p in pairs])


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(value, digits=1):
    return '-' if value is None else ('%.*f' % (digits, value))


def machine_info():
    info = {'nproc': os.cpu_count(), 'kernel': platform.release(), 'python': platform.python_version()}
    try:
        with open('/proc/cpuinfo') as handle:
            info['cpu'] = next((l.split(':', 1)[1].strip() for l in handle if l.startswith('model name')), '?')
        with open('/proc/meminfo') as handle:
            kb = int(next(l for l in handle if l.startswith('MemTotal')).split()[1])
            info['ram'] = '%.1f GiB' % (kb / 1024.0 / 1024.0)
    except (OSError, StopIteration, ValueError):
        pass
    try:
        with open('/etc/debian_version') as handle:
            info['os'] = 'Debian ' + handle.read().strip()
    except OSError:
        info['os'] = platform.platform()
    return info


def versions():
    out = {}
    import ansible.release  # pylint: disable=import-outside-toplevel
    out['ansible-core'] = ansible.release.__version__
    for dist in ('ansible', 'acme', 'josepy', 'cryptography', 'requests'):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = '?'
    import ansible_collections  # pylint: disable=import-outside-toplevel
    for path in ansible_collections.__path__:
        manifest = os.path.join(path, 'community', 'crypto', 'MANIFEST.json')
        if os.path.exists(manifest):
            with open(manifest) as handle:
                out['community.crypto'] = json.load(handle)['collection_info']['version']
            break
    try:
        out['pebble'] = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', 'pebble'], capture_output=True,
                                       text=True, timeout=10, check=False).stdout.strip() or '?'
    except OSError:
        out['pebble'] = '?'
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        out['sslclm.acme'] = next((l.split(':', 1)[1].strip() for l in handle if l.startswith('version:')), '?')
    try:
        head = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--', 'plugins', 'roles', 'playbooks'],
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
        out['sslclm.acme'] += ' (commit %s%s)' % (head, ', plus uncommitted changes in plugins/roles' if dirty else '')
    except OSError:
        pass
    return out


def _task_wall(run, pattern):
    for task in run['timing']['tasks']:
        if re.search(pattern, task['task']):
            return task['wall_s']
    return None


def build_report(bench, args, started, finished):
    res = bench.results
    lines = []
    add = lines.append
    mi, vs = res.get('machine') or machine_info(), res.get('versions') or versions()
    add('# Fleet benchmark: sslclm.acme vs community.crypto (issue 9)')
    add('')
    add('Generated by %s on %s (UTC), %.0f min in all. Raw data: '
        '`build/bench/results.json`; per-run logs under `build/bench/runs/`.'
        % ('`bash scripts/bench.sh %s`' % ' '.join(args.argv_text) if args.argv_text else
           '`bash scripts/bench.sh` (defaults: --sizes 1,10,50 --forks 5 --repeats 3)',
           started.strftime('%Y-%m-%d %H:%M'), (finished - started).total_seconds() / 60))
    add('')
    add('| machine | |')
    add('|---|---|')
    add('| CPU | %s, nproc %s |' % (mi.get('cpu'), mi.get('nproc')))
    add('| RAM | %s |' % mi.get('ram'))
    add('| OS | %s, kernel %s, Python %s |' % (mi.get('os'), mi.get('kernel'), mi.get('python')))
    add('')
    add('| software | version |')
    add('|---|---|')
    for key in ('ansible-core', 'ansible', 'community.crypto', 'sslclm.acme', 'acme', 'josepy', 'cryptography',
                'requests', 'pebble'):
        add('| %s | %s |' % (key if key != 'ansible' else 'ansible (PyPI package)', vs.get(key)))
    add('')
    if res.get('ledger_events'):
        add('The rate-limit ledger (`SSLCLM_ACME_LEDGER`, fresh for each bench run under `build/bench/state/`) held '
            '%s at the end; acme_enroll reads it for every certificate, so later runs of one bench run '
            'read more of it than earlier ones.' % ', '.join('%d %s events' % (v, k) for k, v in
                                                             sorted(res['ledger_events'].items())))
        add('')
    add('Set-up: Pebble with `PEBBLE_VA_NOSLEEP=1` and `PEBBLE_AUTHZREUSE=0` (defaults otherwise: 5 %% of nonces rejected, so badNonce '
        'retries are part of the counts), HTTP-01 validated on port %d; forks %d for both; '
        'acme_enroll `max_workers` %d; every host uses `ansible_connection: local` and its own loopback address '
        '((a) 127.1.x.y with a stateless acme_agent, (b) 127.2.x.y with a web server on its web root); '
        'Ansible defaults otherwise (no pipelining%s). Deploy in (a): %s.'
        % (HTTP_PORT, args.forks, args.max_workers,
           '; extra environment: ' + ', '.join(args.ansible_env) if args.ansible_env else '',
           '`sslclm.acme.acme_deploy`' if bench.have_deploy else
           '`ansible.builtin.copy` (acme_deploy was not available yet)'))
    add('')

    # -- main table
    add('## (a) vs (b), medians of %d repeats' % args.repeats)
    add('')
    loads = [r['load_before'] for r in res['runs']]
    if loads:
        add('Load average (1 min) at the start of the runs: median %.1f, max %.1f on %s CPUs%s.' % (
            _median(loads), max(loads), mi.get('nproc'),
            ' - the bench\'s own processes count too ((b)\'s forks and modules, the web servers, the agents), so a '
            'high figure alone does not say that other work shared the machine; the analysis says what else ran. '
            'CPU-seconds and the interleaved ratio are the steadier figures'
            if _median(loads) > 0.5 * (mi.get('nproc') or 1) else ''))
        add('')
    add('| N | forks | (a) sslclm.acme s | (b) community.crypto s | ratio (b)/(a) | (a) req/cert | (b) req/cert '
        '| (a) CPU-s/cert | (b) CPU-s/cert | CPU ratio | verified (a) / (b) |')
    add('|---|---|---|---|---|---|---|---|---|---|---|')
    summary = {}
    for n in bench.sizes:
        ra = [r for r in res['runs'] if r['variant'] == 'a' and r['n'] == n]
        rb = [r for r in res['runs'] if r['variant'] == 'b' and r['n'] == n]
        wa, wb = _median([r['wall_s'] for r in ra]), _median([r['wall_s'] for r in rb])
        qa = _median([r['requests'] / n for r in ra if r['requests'] is not None])
        qb = _median([r['requests'] / n for r in rb if r['requests'] is not None])
        ca = _median([r['cpu_s'] / n for r in ra])
        cb = _median([r['cpu_s'] / n for r in rb])
        ratio = (wb / wa) if wa and wb else None
        summary[n] = {'a': wa, 'b': wb, 'ratio': ratio, 'qa': qa, 'qb': qb}
        add('| %d | %d | %s | %s | **%s** | %s | %s | %s | %s | %s | %s / %s |' % (
            n, args.forks_at.get(n, args.forks), _fmt(wa, 2), _fmt(wb, 2), _fmt(ratio, 2) + '×' if ratio else '-', _fmt(qa, 2), _fmt(qb, 2),
            _fmt(ca, 2), _fmt(cb, 2), _fmt(cb / ca, 2) + '×' if ca and cb else '-', '+'.join(str(r['verified']) for r in ra) or '-',
            '+'.join(str(r['verified']) for r in rb) or '-'))
    add('')
    _scale_section(add, res, bench.sizes, args)
    if any(r['variant'] == 'p' for r in res['runs']):
        add('State on PostgreSQL - (p) is run (a) with `SSLCLM_ACME_STATE_URL` on the lab\'s PostgreSQL (ledger, budgets, '
            'locks, orders in flight, pending certificates sealed with a state key), interleaved with (a):')
        add('')
        add('| N | (a) SQLite s | (p) PostgreSQL s | (p)/(a) wall | (a) CPU-s | (p) CPU-s | (p)/(a) CPU | (p) req/cert '
            '| verified (p) |')
        add('|---|---|---|---|---|---|---|---|---|')
        for n in bench.sizes:
            ra = [r for r in res['runs'] if r['variant'] == 'a' and r['n'] == n]
            rp = [r for r in res['runs'] if r['variant'] == 'p' and r['n'] == n]
            wa, wp = _median([r['wall_s'] for r in ra]), _median([r['wall_s'] for r in rp])
            ca, cp = _median([r['cpu_s'] for r in ra]), _median([r['cpu_s'] for r in rp])
            qp = _median([r['requests'] / n for r in rp if r['requests'] is not None])
            summary[n]['p'] = wp
            add('| %d | %s | %s | **%s** | %s | %s | %s | %s | %s |' % (
                n, _fmt(wa, 2), _fmt(wp, 2), _fmt(wp / wa, 2) + '×' if wa and wp else '-', _fmt(ca, 1), _fmt(cp, 1),
                _fmt(cp / ca, 2) + '×' if ca and cp else '-', _fmt(qp, 2), '+'.join(str(r['verified']) for r in rp) or '-'))
        add('')
    add('Ratio = median (b) wall time / median (a) wall time of the same, interleaved repeats. '
        'Every run: wall time of the whole `ansible-playbook` process; CPU = user+sys of it and all its children; '
        'requests = request lines in Pebble\'s log between the run\'s markers (all of them: account look-ups, '
        'directory, nonces, polls, retries), divided by N. "verified" = hosts whose deployed full chain names '
        'exactly their name and matches the deployed key.')
    add('')
    add('All runs:')
    add('')
    add('| run | N | rep | wall s | CPU s | requests | load avg before → after | rc |')
    add('|---|---|---|---|---|---|---|---|')
    for r in res['runs']:
        add('| %s (%s) | %d | %d | %.2f | %.1f | %s | %.1f → %.1f | %s |' % (
            r['label'], r['variant'], r['n'], r['rep'], r['wall_s'], r['cpu_s'], r['requests'], r['load_before'],
            r['load_after'], r['rc']))
    add('')

    # -- where the time goes in (a)
    n_max = bench.focus_n  # the size of the detail sections (--focus)
    ra = [r for r in res['runs'] if r['variant'] == 'a' and r['n'] == n_max and r['rc'] == 0]
    if ra:
        add('## Where the time goes in (a), N=%d (medians)' % n_max)
        add('')
        add('| part | wall s |')
        add('|---|---|')
        add('| ansible-playbook start-up (to the first task) | %s |' % _fmt(_median([r['timing']['startup_s'] for r in ra]), 2))
        for task in ra[0]['timing']['tasks']:
            walls = [next((t['wall_s'] for t in r['timing']['tasks'] if t['task'] == task['task']), None) for r in ra]
            means = [next((t['host_mean_s'] for t in r['timing']['tasks'] if t['task'] == task['task']), None) for r in ra]
            add('| task "%s" (%d hosts; mean per host %s s) | %s |' % (
                task['task'], task['hosts'], _fmt(_median(means), 2), _fmt(_median(walls), 2)))
        add('| whole run | %s |' % _fmt(_median([r['wall_s'] for r in ra]), 2))
        add('')
        rb = [r for r in res['runs'] if r['variant'] == 'b' and r['n'] == n_max and r['rc'] == 0]
        if rb:
            add('(b) at N=%d for comparison:' % n_max)
            add('')
            add('| task | wall s | mean per host s |')
            add('|---|---|---|')
            for task in rb[0]['timing']['tasks']:
                walls = [next((t['wall_s'] for t in r['timing']['tasks'] if t['task'] == task['task']), None) for r in rb]
                means = [next((t['host_mean_s'] for t in r['timing']['tasks'] if t['task'] == task['task']), None)
                         for r in rb]
                add('| %s | %s | %s |' % (task['task'], _fmt(_median(walls), 2), _fmt(_median(means), 2)))
            add('')
        by_path = {}
        for r in ra:
            for k, v in (r['requests_by_path'] or {}).items():
                by_path.setdefault(k, []).append(v)
        add('ACME requests of (a) at N=%d by endpoint (median per run): %s.' % (n_max, ', '.join(
            '%s %s' % (k, _fmt(_median(v), 0)) for k, v in sorted(by_path.items()))))
        rb_paths = {}
        for r in [r for r in res['runs'] if r['variant'] == 'b' and r['n'] == n_max]:
            for k, v in (r['requests_by_path'] or {}).items():
                rb_paths.setdefault(k, []).append(v)
        if rb_paths:
            add('(b): %s.' % ', '.join('%s %s' % (k, _fmt(_median(v), 0)) for k, v in sorted(rb_paths.items())))
        add('')
    if res['floor']:
        add('Floor: one `ansible.builtin.ping` task over the same %d hosts, forks %d: median %s s for the whole '
            'playbook (%s s for the task alone) - the price of any per-host task.'
            % (n_max, args.forks, _fmt(_median([r['wall_s'] for r in res['floor']]), 2),
               _fmt(_median([_task_wall(r, 'Ping') for r in res['floor']]), 2)))
        add('')

    if res['micro']:
        add('### Per-host task costs (N=%d, forks %d, one run each)' % (n_max, args.forks))
        add('')
        add('One task over the %d hosts of (a); "task s" is the task\'s wall time, CPU is the whole '
            'ansible-playbook process tree, per host.' % n_max)
        add('')
        add('| task | pipelining | task s | CPU-s per host | statuses |')
        add('|---|---|---|---|---|')
        for r in res['micro']:
            statuses = ', '.join('%s %d' % kv for kv in sorted((r['statuses'] or {}).items()))
            add('| %s | %s | %s | %.2f | %s |' % (
                r['what'], 'on' if r['pipelining'] else 'off', _fmt(r['task_wall_s'], 2), r['cpu_s'] / r['n'], statuses))
        add('')

    # -- controller phase vs bare library
    if res['phase']:
        add('## Controller-side ACME phase (N=%d) vs the bare acme library' % n_max)
        add('')
        ph = [r for r in res['phase'] if not r.get('profiled')]
        bl = res['baseline']
        add('| | wall s (process) | in-process s | CPU s | requests/cert | verified |')
        add('|---|---|---|---|---|---|')
        add('| acme_enroll module code, %d workers (bench/enroll_phase.py) | %s | %s (main()) | %s | %s | %s |' % (
            args.max_workers, _fmt(_median([r['wall_s'] for r in ph]), 2), _fmt(_median([r.get('main_s') for r in ph]), 2),
            _fmt(_median([r['cpu_s'] for r in ph]), 1), _fmt(_median([r['requests'] / n_max for r in ph]), 2),
            '+'.join(str(r['verified']) for r in ph)))
        add('| bare acme library, %d threads (bench/baseline_acme.py) | %s | %s (work) | %s | %s | %s |' % (
            args.baseline_threads, _fmt(_median([r['wall_s'] for r in bl]), 2),
            _fmt(_median([r.get('work_s') for r in bl]), 2), _fmt(_median([r['cpu_s'] for r in bl]), 1),
            _fmt(_median([r['requests'] / n_max for r in bl]), 2), '+'.join(str(r['verified']) for r in bl)))
        ra_enroll = _median([_task_wall(r, '^Enroll') for r in ra]) if ra else None
        p_in, b_in = _median([r.get('main_s') for r in ph]), _median([r.get('work_s') for r in bl])
        p_w, b_w = _median([r['wall_s'] for r in ph]), _median([r['wall_s'] for r in bl])
        add('')
        add('Ratio module/bare: %s in-process, %s whole process; the acme_enroll task inside the (a) playbook took '
            '%s s (median), i.e. %s of the bare library\'s whole process.' % (
                _fmt(p_in / b_in, 2) + '×' if p_in and b_in else '-', _fmt(p_w / b_w, 2) + '×' if p_w and b_w else '-',
                _fmt(ra_enroll, 2), _fmt(ra_enroll / b_w, 2) + '×' if ra_enroll and b_w else '-'))
        bl_paths, ph_paths = {}, {}
        for src, dst in ((bl, bl_paths), (ph, ph_paths)):
            for r in src:
                for k, v in (r['requests_by_path'] or {}).items():
                    dst.setdefault(k, []).append(v)
        add('')
        add('Requests by endpoint, module: %s; bare: %s.' % (
            ', '.join('%s %s' % (k, _fmt(_median(v), 0)) for k, v in sorted(ph_paths.items())),
            ', '.join('%s %s' % (k, _fmt(_median(v), 0)) for k, v in sorted(bl_paths.items()))))
        add('')
    traced = res.get('trace') or {}
    steps = (traced.get('trace') or {}).get('steps')
    if steps:
        per = traced.get('n') or n_max
        add('### Where a certificate\'s time goes in the module phase (N=%d, one run, %s s in main(), no profiler)'
            % (per, _fmt(traced.get('main_s'), 2)))
        add('')
        if traced['trace'].get('clock') == 'cpu':
            add('CPU time of each step in the worker thread that ran it (`time.thread_time`), summed over the %d '
                'certificates and divided by them (steps nest). The phase is bound by the interpreter lock, so CPU is '
                'what moves its wall time; with %d workers a thread\'s CPU time includes the cost of switching between '
                'them (a step costs more here than alone).' % (per, args.max_workers))
        else:
            add('Wall time of each step in the worker thread that ran it, summed over the %d certificates and divided '
                'by them (steps nest; with %d workers, a certificate\'s wall time is about %d× the run\'s share of it).'
                % (per, args.max_workers, args.max_workers))
        add('')
        add('| step | calls | s per certificate |')
        add('|---|---|---|')
        for name, entry in sorted(steps.items(), key=lambda kv: -kv[1]['seconds']):
            add('| `%s` | %d | %s |' % (name, entry['calls'], _fmt(entry['seconds'] / per, 4)))
        add('')
    prof = res.get('profile')
    if prof:
        add('### cProfile of the module phase (N=%d, one run, %s s in main() under the profiler)'
            % (n_max, _fmt(prof.get('main_s'), 2)))
        add('')
        add('Full listing: `%s`. Cumulative time is summed over the %d worker threads, so it exceeds wall time.'
            % (os.path.relpath(prof['stats']['text'], ROOT), args.max_workers))
        add('')
        if prof['stats'].get('breakdown'):
            add('| part of the flow (summed over the worker threads; parts nest) | calls | cumulative s |')
            add('|---|---|---|')
            for row in prof['stats']['breakdown']:
                add('| %s | %d | %.2f |' % (row['part'], row['ncalls'], row['cumtime']))
            add('')
        add('| function (collection and acme code, by cumulative time) | calls | cumulative s |')
        add('|---|---|---|')
        for row in prof['stats']['top_cumtime_collection'][:18]:
            add('| `%s` | %d | %.2f |' % (row['func'], row['ncalls'], row['cumtime']))
        add('')
        add('| function (all code, by own time) | calls | own s |')
        add('|---|---|---|')
        for row in prof['stats']['top_tottime'][:10]:
            add('| `%s` | %d | %.2f |' % (row['func'], row['ncalls'], row['tottime']))
        add('')

    if res.get('phase_converge'):
        pc = res['phase_converge']
        add('The same module phase again with all %d certificates current (nothing due; 3 runs): median %s s process '
            'wall, %s s in main(), %s ACME requests. %s'
            % (n_max, _fmt(_median([r['wall_s'] for r in pc]), 2), _fmt(_median([r.get('main_s') for r in pc]), 2),
               '/'.join(str(r['requests']) for r in pc),
               'Profile: `%s`.' % os.path.relpath(res['profile_converge']['stats']['text'], ROOT)
               if res.get('profile_converge') else ''))
        add('')
        pcv = res.get('profile_converge')
        if pcv:
            add('| nothing due: function (collection code, by cumulative time, summed over threads) | calls | cumulative s |')
            add('|---|---|---|')
            for row in pcv['stats']['top_cumtime_collection'][:12]:
                add('| `%s` | %d | %.2f |' % (row['func'], row['ncalls'], row['cumtime']))
            add('')

    # -- converge
    if res['converge']:
        add('## Converge run with nothing due (N=%d, the last (a) run again)' % n_max)
        add('')
        add('| playbook | wall s | ACME requests | by endpoint | acme_enroll | deploy (changed/ok) |')
        add('|---|---|---|---|---|---|')
        for r in res['converge']:
            enroll = next((t for t in r['timing']['tasks'] if t['task'].startswith('Enroll')), {})
            deploy = next((t for t in r['timing']['tasks'] if t['task'].startswith('Deploy') and
                           t['statuses'].get('skipped', 0) < t['hosts']), {})
            add('| %s | %.2f | %s | %s | %s | %s/%s |' % (
                'sslclm.acme.renew (role renewal: acme_discover per host, plan, report)' if r.get('variant') == 'renew'
                else 'with acme_connector + acme_ca in the run' if r['account_tasks'] else
                'acme_enroll + deploy only (CA instance from a file)', r['wall_s'], r['requests'],
                ', '.join('%s %d' % kv for kv in sorted((r['requests_by_path'] or {}).items())) or '-',
                ', '.join('%s %d' % kv for kv in sorted((enroll.get('statuses') or {}).items())),
                (deploy.get('statuses') or {}).get('changed', 0), (deploy.get('statuses') or {}).get('ok', 0)))
        add('')

    pairs = [p for p in res.get('nothing_due') or [] if p['renew']['rc'] == 0 and p['discover']['rc'] == 0]
    if pairs:
        add('## Nothing due: `sslclm.acme.renew` against one `acme_discover` task (N=%d, forks %d, interleaved)'
            % (n_max, args.forks))
        add('')
        add('Both read the same files on the same hosts; the renew run also plans, runs its `acme_enroll` task (the '
            'decisions: nothing due), writes the report and the summary.')
        add('')
        add('| repeat | renew wall s | renew CPU s | renew ACME requests | acme_discover wall s | acme_discover CPU s | '
            'ratio (wall) | load before |')
        add('|---|---|---|---|---|---|---|---|')
        for p in pairs:
            add('| %d | %.2f | %.2f | %s | %.2f | %.2f | %.2f× | %.1f |' % (
                p['rep'], p['renew']['wall_s'], p['renew']['cpu_s'], p['renew']['requests'], p['discover']['wall_s'],
                p['discover']['cpu_s'], p['renew']['wall_s'] / p['discover']['wall_s'], p['renew']['load_before']))
        add('')
        add('Medians: renew %.2f s, one acme_discover task %.2f s: **%.2f×** (CPU %.2f×).' % (
            _median([p['renew']['wall_s'] for p in pairs]), _median([p['discover']['wall_s'] for p in pairs]),
            _nothing_due_ratio(pairs, 'wall_s'), _nothing_due_ratio(pairs, 'cpu_s')))
        add('')

    budget = res.get('budget')
    if budget:
        add('## Budgets at scale: a first run of %d certificates under one registered domain (forks %d)'
            % (budget['n'], budget['forks']))
        add('')
        add('The CA instance has the default budgets (Let\'s Encrypt\'s: 50 certificates per registered domain per week, '
            '300 new orders per 3 hours per account) and a fresh ledger; Pebble has no rate limit, so every newOrder it '
            'saw is one the budget let through. "A week later": the ledger\'s events moved back 7 days and an hour, '
            'the same playbook again.')
        add('')
        add('| run | wall s | issued | refused by the budget | other failures | orders the CA made | newOrder requests '
            '(with badNonce retries) | all requests | rateLimited answers | capacity returns (first, last) |')
        add('|---|---|---|---|---|---|---|---|---|---|')
        for st in budget['steps']:
            add('| %s | %.1f | %d | %d (%s) | %d | %s | %s | %s | %d | %s |' % (
                st['step'], st['wall_s'], st['issued'], st['refused'], ', '.join(st['limits']) or '-',
                st['other_failures'], st.get('orders_created', '-'), st['new_orders'], st['requests'],
                st['rate_limited_answers'], ' → '.join(st['frees_at']) if st['frees_at'] else '-'))
        add('')
        if budget['steps'][0].get('refusal_sample'):
            add('What a refused certificate says: "%s"' % budget['steps'][0]['refusal_sample'])
            add('')

    # -- targets
    add('## Targets of issue 9')
    add('')
    s = summary.get(50) or summary.get(n_max) or {}
    n_t = 50 if 50 in summary else n_max
    add('| target | measured | met |')
    add('|---|---|---|')
    ratio = s.get('ratio')
    add('| N=%d, forks %d: (a) ≥ 10× faster than (b) | %s | %s |' % (
        n_t, args.forks, _fmt(ratio, 2) + '×' if ratio else '-', _yes(ratio is not None and ratio >= 10)))
    for n_goal, goal in ((50, 15), (200, 20)):  # issue 20
        r_goal = (summary.get(n_goal) or {}).get('ratio')
        if r_goal:
            add('| issue 20: N=%d, forks %d: (a) ≥ %d× faster than (b) | %s | %s |' % (
                n_goal, args.forks_at.get(n_goal, args.forks), goal, _fmt(r_goal, 2) + '×', _yes(r_goal >= goal)))
    scale = _scale_rows(res, bench.sizes)
    if len(scale) >= 2 and scale[-1][0] > 50:
        small, large = next((row for row in scale if row[0] >= 50), scale[0]), scale[-1]
        add('| issue 20: linear growth and bounded memory up to N=%d (wall per host at N=%d within 1.1× of N=%d; peak '
            'RSS within 1.5×) | %.3f → %.3f s/host, %s → %s MiB | %s |' % (
                large[0], large[0], small[0], small[1] / small[0], large[1] / large[0], _fmt(small[3], 0),
                _fmt(large[3], 0), _yes(large[1] / large[0] <= 1.1 * small[1] / small[0]
                                        and small[3] and large[3] and large[3] <= 1.5 * small[3])))
    others = ', '.join('N=%d: %s' % (n, _fmt(v.get('qa'), 2)) for n, v in sorted(summary.items()) if n != n_t)
    add('| ≤ 8 ACME requests per certificate | (a) %s at N=%d%s | %s |' % (
        _fmt(s.get('qa'), 2), n_t, ' (%s; the account look-up and CA instance spread over fewer certificates)'
        % others if others else '', _yes(s.get('qa') is not None and s['qa'] <= 8)))
    if res['phase']:
        ph = [r for r in res['phase'] if not r.get('profiled')]
        p_w, b_w = _median([r['wall_s'] for r in ph]), _median([r['wall_s'] for r in res['baseline']])
        p_in, b_in = _median([r.get('main_s') for r in ph]), _median([r.get('work_s') for r in res['baseline']])
        add('| controller ACME phase within 2× the bare library (8 threads) | %s whole process (%s in-process) | %s |' % (
            _fmt(p_w / b_w, 2) + '×' if p_w and b_w else '-', _fmt(p_in / b_in, 2) + '×' if p_in and b_in else '-',
            _yes(p_w is not None and b_w and p_w / b_w <= 2)))
        phase_ratio = p_in / b_in if p_in and b_in else None
        measured = _fmt(phase_ratio, 2) + '×' if phase_ratio else '-'
        met = _yes(phase_ratio is not None and phase_ratio <= 1.3)
        add('| issue 20: controller ACME phase within 1.3× the bare library at N=%d (the work, in-process, against '
            'the library\'s work) | %s | %s |' % (n_max, measured, met))
    if res['converge']:
        worst = {r['account_tasks']: r['requests'] for r in res['converge'] if r.get('variant') != 'renew'}
        renew = [r['requests'] for r in res['converge'] if r.get('variant') == 'renew' and r['rc'] == 0]
        counted = [v for v in list(worst.values()) + renew if v is not None]
        add('| converge with nothing due: 0 ACME requests | %s with acme_connector + acme_ca in the run, %s without, '
            '%s for `sslclm.acme.renew` | %s |' % (worst.get(True), worst.get(False), renew[0] if renew else '-',
                                                   _yes(bool(counted) and max(counted) == 0)))
    if pairs:
        ratio = _nothing_due_ratio(pairs, 'wall_s')
        requests = [p['renew']['requests'] for p in pairs]
        add('| issue 15 item 11: nothing-due `sslclm.acme.renew` within 1.5× of one `acme_discover` task (N=%d, '
            'forks %d), 0 requests | %.2f× (median of %d interleaved pairs), %s requests | %s |' % (
                n_max, args.forks, ratio, len(pairs), '/'.join(str(r) for r in requests),
                _yes(ratio <= 1.5 and all(r == 0 for r in requests))))
    if budget:
        first = budget['steps'][0]
        later = budget['steps'][1] if len(budget['steps']) > 1 else None
        ok = (first['issued'] == min(50, budget['n']) and first.get('orders_created') == first['issued']
              and first['refused'] == budget['n'] - first['issued'] and first['other_failures'] == 0
              and all(st['rate_limited_answers'] == 0 for st in budget['steps'])
              and later is not None and later['issued'] == min(50, budget['n'] - first['issued'])
              and later.get('orders_created') == later['issued'])
        add('| issue 20: first run of %d with default budgets issues what they allow, refuses the rest before any '
            'request, a later run continues, no `rateLimited` | %d issued / %d refused, %s orders at the CA; a week '
            'later %s issued, %s orders | %s |' % (
                budget['n'], first['issued'], first['refused'], first.get('orders_created', '-'),
                later['issued'] if later else '-', later.get('orders_created', '-') if later else '-', _yes(ok)))
    add('')
    if res['setup'].get('agents'):
        ag = res['setup']['agents']
        web = res['setup'].get('web')
        add('Untimed set-up, for the record: installing the %d stateless agents with `sslclm.acme.agent` (forks %d) '
            'took %.1f s (%.1f CPU-s)%s; warm-up runs at N=1 (not in the figures): %s.'
            % (ag['hosts'], ag['forks'], ag['wall_s'], ag['cpu_s'],
               '; starting the %d web servers of (b) %.1f s' % (web['hosts'], web['wall_s']) if web else '',
               ', '.join('(%s) %.1f s' % (k[-1], v['wall_s']) for k, v in sorted(res['setup'].items())
                         if k.startswith('warmup_'))))
        if ag['hosts'] < bench.max_n:
            add('Agents on the first %d hosts of (a) only (`--agents`): the names of the other hosts point at them for '
                'HTTP-01 (stateless, every agent answers every token of the account). The enrollment, the deploys and '
                'the discovery still run against every host.' % ag['hosts'])
        add('')
    return '\n'.join(lines) + '\n', summary


def ledger_counts():
    path = os.path.join(WORK, 'state', 'ledger.sqlite')
    if not os.path.exists(path):
        return {}
    import sqlite3  # pylint: disable=import-outside-toplevel
    db = sqlite3.connect(path, timeout=30)
    try:
        return dict(db.execute('SELECT kind, COUNT(*) FROM events GROUP BY kind').fetchall())
    except sqlite3.Error:
        return {}
    finally:
        db.close()


def _yes(flag):
    return 'yes' if flag else '**no**'


def write_results(path, body):
    kept = None
    if os.path.exists(path):
        with open(path) as handle:
            old = handle.read()
        if RESULTS_BEGIN in old and RESULTS_END in old:
            kept = old[old.index(RESULTS_BEGIN):old.index(RESULTS_END) + len(RESULTS_END)]
    if kept is None:
        kept = RESULTS_BEGIN + '\n## Analysis\n\n(written by hand; bench.py keeps this section)\n' + RESULTS_END
    with open(path, 'w') as handle:
        handle.write(body + '\n' + kept + '\n')


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='1,10,50', help='comma-separated fleet sizes (default 1,10,50)')
    parser.add_argument('--forks', type=int, default=5)
    parser.add_argument('--forks-at', default='', metavar='N=FORKS,...',
                        help='other forks for some sizes, e.g. 200=10,500=10 (issue 20: N=200 with forks 10)')
    parser.add_argument('--b-max', type=int, default=200,
                        help='largest size community.crypto (b) runs at; above it (b) is extrapolated from its '
                             'measured per-host cost, and the report says so (default 200)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--max-workers', type=int, default=8, help='acme_enroll max_workers')
    parser.add_argument('--baseline-threads', type=int, default=8)
    parser.add_argument('--setup-forks', type=int, default=10, help='forks of the agent installation')
    parser.add_argument('--focus', type=int, default=0, metavar='N',
                        help='fleet size of the detail runs - phase vs bare library, floor, converge, nothing due, '
                             'per-host costs, profiles (default: the largest size)')
    parser.add_argument('--budget', action='store_true',
                        help='add the budget-limited first run (and a week later) at the largest size (issue 20)')
    parser.add_argument('--agents', type=int, default=0, metavar='K',
                        help='install acme_agent on the first K hosts of (a) only; the names of the others point at '
                             'those agents for HTTP-01 (default: every host)')
    parser.add_argument('--variants', default='a,b',
                        help='comma-separated: a (the collection), b (community.crypto), p (a with the state on '
                             'PostgreSQL, started from the lab on 127.0.0.1:15432); default a,b')
    parser.add_argument('--run-timeout', type=float, default=900.0, help='seconds one run may take before it is killed')
    parser.add_argument('--ansible-env', action='append', default=[], metavar='KEY=VALUE',
                        help='extra environment for every ansible-playbook run (e.g. ANSIBLE_PIPELINING=1)')
    parser.add_argument('--no-phase', action='store_true', help='skip the module phase / bare library comparison')
    parser.add_argument('--no-profile', action='store_true')
    parser.add_argument('--no-floor', action='store_true')
    parser.add_argument('--no-micro', action='store_true', help='skip the per-host task cost runs')
    parser.add_argument('--no-self-check-phase', action='store_true', help='module phase without the self-check')
    parser.add_argument('--results', default=os.path.join(BENCH, 'RESULTS.md'))
    parser.add_argument('--report-only', action='store_true',
                        help='only re-render RESULTS.md from build/bench/results.json (and its profile files)')
    args = parser.parse_args(argv)
    args.argv_text = argv
    args.sizes = sorted(set(int(s) for s in args.sizes.split(',') if s.strip()))
    try:
        args.forks_at = dict((int(k), int(v)) for k, v in (item.split('=') for item in args.forks_at.split(',') if item))
    except ValueError:
        parser.error('--forks-at takes N=FORKS pairs, e.g. 200=10,500=10')
    args.variants = [v for v in args.variants.split(',') if v in ('a', 'b', 'p')]
    if not args.sizes or min(args.sizes) < 1 or max(args.sizes) > MAX_HOSTS:
        parser.error('sizes must be 1..%d' % MAX_HOSTS)
    if not args.variants or args.repeats < 1 or args.forks < 1:
        parser.error('need variants, repeats >= 1 and forks >= 1')
    return args


def report_only(bench, args):
    with open(os.path.join(WORK, 'results.json')) as handle:
        data = json.load(handle)
    saved = data.pop('args', {})
    for key in ('sizes', 'forks', 'repeats', 'max_workers', 'baseline_threads', 'ansible_env', 'argv_text', 'variants',
                'forks_at', 'b_max', 'focus', 'agents', 'budget'):
        if key in saved:
            setattr(args, key, saved[key])
    args.forks_at = dict((int(k), v) for k, v in (getattr(args, 'forks_at', None) or {}).items())  # JSON keys are text
    bench.sizes, bench.max_n = args.sizes, max(args.sizes)
    bench.focus_n = args.focus if args.focus in args.sizes else bench.max_n
    bench.results = dict(bench.results, **data)
    for key, name in (('profile', 'enroll.prof'), ('profile_converge', 'enroll-converge.prof')):
        prof = os.path.join(WORK, 'profile', name)
        if bench.results.get(key) and os.path.exists(prof):
            bench.results[key]['stats'] = profile_summary(prof, bench.results[key]['stats']['text'])
    started = datetime.datetime.fromisoformat(data['started'])
    finished = datetime.datetime.fromisoformat(data['finished'])
    body, unused_summary = build_report(bench, args, started, finished)
    write_results(args.results, body)
    print('re-rendered %s' % args.results)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    bench = Bench(args)
    if args.report_only:
        return report_only(bench, args)

    def terminate(signum, frame):  # pylint: disable=unused-argument
        raise KeyboardInterrupt('signal %d' % signum)

    signal.signal(signal.SIGTERM, terminate)
    started = datetime.datetime.now(datetime.timezone.utc)
    rc = 0
    try:
        bench.run()
    except (BenchError, labmod.LabError, subprocess.CalledProcessError) as exc:
        log('ERROR: %s' % exc)
        rc = 1
    except KeyboardInterrupt:
        log('interrupted')
        rc = 130
    finally:
        log('stopping every server this run started (by pid)')
        bench.close()
    finished = datetime.datetime.now(datetime.timezone.utc)
    bench.results['ledger_events'] = ledger_counts()
    bench.results['machine'], bench.results['versions'] = machine_info(), versions()
    if bench.results.get('staged'):
        bench.results['versions']['sslclm.acme'] = bench.results['staged']
    bench.results['started'], bench.results['finished'] = started.isoformat(), finished.isoformat()
    _write_json(os.path.join(WORK, 'results.json'), dict(bench.results, args=vars(args)))
    if not bench.results['runs']:
        return rc or 1
    body, summary = build_report(bench, args, started, finished)
    write_results(args.results, body)
    print('\nmedians    N    forks  (a) s    (b) s    (b)/(a)  (a) req/cert  (b) req/cert')
    for n, s in sorted(summary.items()):
        print('           %-4d %-6d %-8s %-8s %-8s %-13s %s' % (
            n, args.forks_at.get(n, args.forks), _fmt(s.get('a'), 2), _fmt(s.get('b'), 2), _fmt(s.get('ratio'), 2), _fmt(s.get('qa'), 2),
            _fmt(s.get('qb'), 2)))
    print('\nresults: %s' % os.path.relpath(args.results, os.getcwd()))
    if any(r['rc'] for r in bench.results['runs']):
        rc = rc or 1
    return rc


if __name__ == '__main__':
    sys.exit(main())
