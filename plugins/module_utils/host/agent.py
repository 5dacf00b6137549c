# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The challenge agent of managed hosts (Python 3.8+, standard library only).

    sslclm_acme_agent.py --config /etc/sslclm-acme/agent.json [--user U --group G]
                         [--pidfile FILE --log FILE --daemon]
    sslclm_acme_agent.py --config FILE --check-config
    sslclm_acme_agent.py --config FILE --verify (--pid PID | --pidfile FILE) [--user U --group G] [--wait S]

Serves HTTP-01 (published token files and/or stateless answers for one account
thumbprint) and TLS-ALPN-01 (challenge certificates published as ``<sni>.crt.pem`` +
``<sni>.key.pem``, picked up within a second), IPv6 and IPv4 (``::`` is dual-stack).

Start-up: the configuration is checked whole (``agent_config``), the ports are bound,
then - started as root with ``--user`` - the agent becomes that user for good (no
capabilities left), checks that it can still read the challenge directories, and only
then detaches (``--daemon``: the starting command returns once the agent serves, and
fails with the reason if it cannot). SIGHUP re-reads the configuration: a file that does
not pass the checks is refused and the running configuration stays (logged); thumbprint,
directories and limits apply at once, changed listeners at the next restart (logged; the
role restarts the agent when ``--verify`` finds the listeners differ). SIGTERM stops.
The role ``sslclm.acme.acme_agent`` installs this package's ``host/`` modules and a
launcher (``roles/acme_agent/files/sslclm_acme_agent.py``), and writes the configuration.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import logging
import os
import select
import signal
import sys
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.agent_config import ConfigError, listeners, load_config
from ansible_collections.sslclm.acme.plugins.module_utils.host.agent_status import endpoint, wait_until_as_configured
from ansible_collections.sslclm.acme.plugins.module_utils.host.connection_limits import ConnectionLimits
from ansible_collections.sslclm.acme.plugins.module_utils.host.http01_responder import Http01Responder
from ansible_collections.sslclm.acme.plugins.module_utils.host.listeners import usable_address
from ansible_collections.sslclm.acme.plugins.module_utils.host.privileges import PrivilegeError, drop_privileges, unreadable
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_alpn_responder import TlsAlpnResponder

LOG = logging.getLogger('sslclm.acme.agent')
READY_TIMEOUT = 15.0


class StartupError(Exception):
    pass


def _limits(settings):
    return ConnectionLimits(settings['max_connections'], settings['max_connections_per_client'],
                            settings['request_timeout'])


def _apply_limits(limits, settings):
    limits.max_connections = settings['max_connections']
    limits.max_per_client = settings['max_connections_per_client']
    limits.deadline = settings['request_timeout']


def _describe(bound):
    return ', '.join('%s on %s' % (name, endpoint(address, port)) for name, address, port in bound) or 'nothing'


class Agent:
    def __init__(self, config_path, config=None):
        self.config_path = config_path
        self.config = config if config is not None else load_config(config_path)
        self.listening = listeners(self.config)
        self.http = None
        self.alpn = None
        self.stop_requested = False
        self.reload_requested = False
        self._alpn_dir_state = None

    @staticmethod
    def _address(section, name):
        address = usable_address(section['address'])
        if address != section['address']:
            LOG.warning('%s: this kernel has no IPv6; listening on %s instead of %s', name, address, section['address'])
        return address

    def bind(self):
        """Listen on the configured ports (root may be needed); nothing is served yet."""
        http, alpn, limits = self.config['http01'], self.config['tls_alpn01'], self.config['limits']
        if http['enabled']:
            self.http = Http01Responder(self._address(http, 'HTTP-01'), http['port'], challenge_dir=http['challenge_dir'],
                                        thumbprint=http['thumbprint'], logger=LOG, limits=_limits(limits)).bind()
        if alpn['enabled']:
            self.alpn = TlsAlpnResponder(self._address(alpn, 'TLS-ALPN-01'), alpn['port'], logger=LOG,
                                         handshake_timeout=limits['request_timeout'], limits=_limits(limits),
                                         client_hello_timeout=limits['client_hello_timeout']).bind()
        return self

    def serve(self):
        http, alpn = self.config['http01'], self.config['tls_alpn01']
        if self.http is not None:
            self.http.serve()
            LOG.info('HTTP-01 on %s (dir %s, %s)', endpoint(self.http.address, self.http.port), http['challenge_dir'],
                     'stateless' if http['thumbprint'] else 'publishing only')
        if self.alpn is not None:
            self.alpn.serve()
            LOG.info('TLS-ALPN-01 on %s (dir %s)', endpoint(self.alpn.address, self.alpn.port), alpn['cert_dir'])
        return self

    def start(self):
        return self.bind().serve()

    def directories(self):
        return [self.config['http01']['challenge_dir'] if self.http else None,
                self.config['tls_alpn01']['cert_dir'] if self.alpn else None]

    def reload(self):
        """SIGHUP: apply a new configuration that passes the checks; keep the running one otherwise."""
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            LOG.error('reload refused, the running configuration stays: %s', exc)
            return False
        if listeners(config) != self.listening:
            LOG.warning('listeners changed from %s to %s: they change when the agent restarts '
                        '(the rest of the configuration applies now)', _describe(self.listening), _describe(listeners(config)))
        self.config = config
        if self.http is not None:
            self.http.set_thumbprint(config['http01']['thumbprint'])
            self.http.set_challenge_dir(config['http01']['challenge_dir'])
        for responder in (self.http, self.alpn):
            if responder is not None:
                _apply_limits(responder.limits, config['limits'])
        self._alpn_dir_state = None
        problems = unreadable(self.directories())
        if problems:
            LOG.error('the agent cannot read %s', '; '.join(problems))
        LOG.info('configuration reloaded (HTTP-01 %s)', 'stateless' if config['http01']['thumbprint'] else 'publishing only')
        return True

    def sync_alpn(self):
        cert_dir = self.config['tls_alpn01']['cert_dir']
        if self.alpn is None or not cert_dir or not os.path.isdir(cert_dir):
            return
        state = sorted((entry, os.stat(os.path.join(cert_dir, entry)).st_mtime_ns) for entry in os.listdir(cert_dir))
        if state != self._alpn_dir_state:
            self._alpn_dir_state = state
            names = self.alpn.load_from_directory(cert_dir, sync=True)
            LOG.info('TLS-ALPN-01 challenge names: %s', ', '.join(names) or 'none')

    def run(self):
        """Serve until ``stop_requested``; reload when ``reload_requested`` (both set by signal handlers)."""
        while not self.stop_requested:
            if self.reload_requested:
                self.reload_requested = False
                self.reload()
            try:
                self.sync_alpn()
            except OSError as exc:
                LOG.warning('cannot read the TLS-ALPN-01 directory: %s', exc)
            time.sleep(0.25)
        self.stop()
        LOG.info('stopped')

    def stop(self):
        for server in (self.http, self.alpn):
            if server is not None:
                server.stop()


class PidFile:
    """Opened before privileges are dropped; written and, at the end, removed (or emptied) through that handle."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o644)
        self.pid = None

    def write(self, pid):
        self.pid = pid
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, b'%d\n' % pid, 0)

    def remove(self):
        """Remove the file if it still names this process; empty it when its directory is not ours to change."""
        try:
            with open(self.path) as handle:
                mine = handle.read().strip() == str(self.pid)
        except (IOError, OSError):
            mine = False
        if mine:
            try:
                os.unlink(self.path)
            except OSError:
                os.ftruncate(self.fd, 0)
        os.close(self.fd)


def daemonize():
    """Detach; → the write end of a pipe on which the detached process reports b'ready'.

    The starting process waits for that (at most READY_TIMEOUT) and exits 0, or 1 when the
    agent died first - so ``--daemon`` fails like a foreground start would.
    """
    read_end, write_end = os.pipe()
    if os.fork():
        os.close(write_end)
        readable = select.select([read_end], [], [], READY_TIMEOUT)[0]
        ready = readable and os.read(read_end, 16) == b'ready'
        if not ready:
            sys.stderr.write('sslclm-acme-agent: the agent did not start; see its log\n')
        os._exit(0 if ready else 1)
    os.close(read_end)
    os.setsid()
    if os.fork():
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    return write_end


def _arguments(argv):
    parser = argparse.ArgumentParser(description='sslclm.acme challenge responder')
    parser.add_argument('--config', required=True)
    parser.add_argument('--pidfile')
    parser.add_argument('--log', help='log file (default: standard error)')
    parser.add_argument('--daemon', action='store_true', help='detach; requires --pidfile')
    parser.add_argument('--user', help='started as root: serve as this user once the ports are bound')
    parser.add_argument('--group', help='with --user: this group instead of the user\'s primary group')
    parser.add_argument('--check-config', action='store_true', help='check the configuration file and exit')
    parser.add_argument('--verify', action='store_true',
                        help='report (JSON) whether the running agent (--pid or --pidfile) is as configured')
    parser.add_argument('--pid', type=int)
    parser.add_argument('--wait', type=float, default=0.0, help='with --verify: seconds to wait for it')
    parser.add_argument('--allow-capability', action='append', default=[], help='with --verify: a capability it may hold')
    args = parser.parse_args(argv)
    if args.daemon and not args.pidfile:
        parser.error('--daemon needs --pidfile')
    if args.verify and not (args.pid or args.pidfile):
        parser.error('--verify needs --pid or --pidfile')
    return args


def _check_config(path):
    try:
        load_config(path)
    except ConfigError as exc:
        sys.stderr.write('%s\n' % exc)
        return 2
    return 0


def _verify(args):
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        sys.stdout.write(json.dumps({'problems': [str(exc)]}) + '\n')
        return 2
    report = wait_until_as_configured(config, args.config, args.wait, pid=args.pid, pidfile=args.pidfile, user=args.user,
                                      group=args.group, allowed_capabilities=args.allow_capability)
    sys.stdout.write(json.dumps(report, sort_keys=True) + '\n')
    return 1 if report['problems'] else 0


def _startup_failed(args, exc, code):
    LOG.error('cannot start: %s', exc)
    if args.log:  # the log is a file: say it where the starting command sees it too
        sys.stderr.write('sslclm-acme-agent: cannot start: %s\n' % exc)
    return code


def _prepare(args, agent):
    """Pid file, ports, user: everything that may need root, done before detaching; → the PidFile or None."""
    pidfile = PidFile(args.pidfile) if args.pidfile else None
    agent.bind()
    if args.user:
        uid, gid = drop_privileges(args.user, args.group)
        LOG.info('serving as %s (uid %d, gid %d)', args.user, uid, gid)
    problems = unreadable(agent.directories())
    if problems:
        raise StartupError('running as uid %d, the agent cannot read %s (give its group read access, and search '
                           'access to every parent directory)' % (os.getuid(), '; '.join(problems)))
    return pidfile


def _serve(args, agent):
    logging.basicConfig(filename=args.log, level=logging.INFO, format='%(asctime)s %(name)s %(levelname)s %(message)s')
    try:
        pidfile = _prepare(args, agent)
    except (OSError, PrivilegeError, StartupError) as exc:
        agent.stop()
        return _startup_failed(args, exc, 1)
    ready = daemonize() if args.daemon else None
    if pidfile is not None:
        pidfile.write(os.getpid())
    signal.signal(signal.SIGTERM, lambda signum, frame: setattr(agent, 'stop_requested', True))
    signal.signal(signal.SIGINT, lambda signum, frame: setattr(agent, 'stop_requested', True))
    signal.signal(signal.SIGHUP, lambda signum, frame: setattr(agent, 'reload_requested', True))
    try:
        agent.serve()
        if ready is not None:
            os.write(ready, b'ready')
            os.close(ready)
        agent.run()
    finally:
        if pidfile is not None:
            pidfile.remove()
    return 0


def main(argv=None):
    args = _arguments(argv)
    if args.check_config:
        return _check_config(args.config)
    if args.verify:
        return _verify(args)
    try:
        agent = Agent(args.config)
    except ConfigError as exc:
        sys.stderr.write('sslclm-acme-agent: cannot start: %s\n' % exc)
        return 2
    return _serve(args, agent)
