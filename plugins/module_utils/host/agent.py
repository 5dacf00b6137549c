# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The challenge agent of managed hosts (Python 3.8+, standard library only).

    sslclm_acme_agent.py --config /etc/sslclm-acme/agent.json [--pidfile FILE --daemon]

Serves HTTP-01 (published token files and/or stateless answers for one account
thumbprint) and TLS-ALPN-01 (challenge certificates published as ``<sni>.crt.pem`` +
``<sni>.key.pem``, picked up within a second). SIGHUP re-reads the configuration (a new
thumbprint after a key rollover) without dropping the listeners; SIGTERM stops.
The role ``sslclm.acme.acme_agent`` installs this package's ``host/`` modules and a
launcher (``roles/acme_agent/files/sslclm_acme_agent.py``), and writes the configuration.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import logging
import os
import signal
import threading

from ansible_collections.sslclm.acme.plugins.module_utils.host.http01_responder import Http01Responder
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_alpn_responder import TlsAlpnResponder

LOG = logging.getLogger('sslclm.acme.agent')


def load_config(path):
    with open(path) as handle:
        config = json.load(handle)
    return {'http01': config.get('http01') or {}, 'tls_alpn01': config.get('tls_alpn01') or {}}


class Agent:
    def __init__(self, config_path):
        self.config_path = config_path
        self.config = load_config(config_path)
        self.http = None
        self.alpn = None
        self.stopping = threading.Event()
        self._alpn_dir_state = None

    def start(self):
        http = self.config['http01']
        if http.get('enabled', True):
            self.http = Http01Responder(http.get('address', '0.0.0.0'), http.get('port', 80),
                                        challenge_dir=http.get('challenge_dir'), thumbprint=http.get('thumbprint'),
                                        logger=LOG).start()
            LOG.info('HTTP-01 on %s:%s (dir %s, %s)', http.get('address', '0.0.0.0'), self.http.port,
                     http.get('challenge_dir'), 'stateless' if http.get('thumbprint') else 'publishing only')
        alpn = self.config['tls_alpn01']
        if alpn.get('enabled'):
            self.alpn = TlsAlpnResponder(alpn.get('address', '0.0.0.0'), alpn.get('port', 443), logger=LOG).start()
            LOG.info('TLS-ALPN-01 on %s:%s (dir %s)', alpn.get('address', '0.0.0.0'), self.alpn.port, alpn.get('cert_dir'))

    def reload(self):
        """SIGHUP: new thumbprint / challenge certificates; listeners stay up."""
        try:
            self.config = load_config(self.config_path)
        except (OSError, ValueError) as exc:
            LOG.error('reload failed, keeping the running configuration: %s', exc)
            return
        if self.http is not None:
            self.http.set_thumbprint(self.config['http01'].get('thumbprint'))
        self._alpn_dir_state = None
        LOG.info('configuration reloaded')

    def sync_alpn(self):
        cert_dir = self.config['tls_alpn01'].get('cert_dir')
        if self.alpn is None or not cert_dir or not os.path.isdir(cert_dir):
            return
        state = sorted((entry, os.stat(os.path.join(cert_dir, entry)).st_mtime_ns) for entry in os.listdir(cert_dir))
        if state != self._alpn_dir_state:
            self._alpn_dir_state = state
            names = self.alpn.load_from_directory(cert_dir, sync=True)
            LOG.info('TLS-ALPN-01 challenge names: %s', ', '.join(names) or 'none')

    def run(self):
        self.start()
        while not self.stopping.wait(0.5):
            try:
                self.sync_alpn()
            except OSError as exc:
                LOG.warning('cannot read the TLS-ALPN-01 directory: %s', exc)
        for server in (self.http, self.alpn):
            if server is not None:
                server.stop()
        LOG.info('stopped')


def daemonize(pidfile):
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    with open(pidfile, 'w') as handle:
        handle.write('%d\n' % os.getpid())


def main(argv=None):
    parser = argparse.ArgumentParser(description='sslclm.acme challenge responder')
    parser.add_argument('--config', required=True)
    parser.add_argument('--pidfile')
    parser.add_argument('--log', help='log file (default: standard error)')
    parser.add_argument('--daemon', action='store_true', help='detach; requires --pidfile')
    args = parser.parse_args(argv)
    logging.basicConfig(filename=args.log, level=logging.INFO,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    agent = Agent(args.config)  # configuration errors surface before detaching
    if args.daemon:
        if not args.pidfile:
            parser.error('--daemon needs --pidfile')
        daemonize(args.pidfile)
    elif args.pidfile:
        with open(args.pidfile, 'w') as handle:
            handle.write('%d\n' % os.getpid())
    signal.signal(signal.SIGTERM, lambda signum, frame: agent.stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: agent.stopping.set())
    signal.signal(signal.SIGHUP, lambda signum, frame: agent.reload())
    try:
        agent.run()
    finally:
        if args.pidfile and os.path.exists(args.pidfile):
            os.unlink(args.pidfile)
