# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is the running agent the one its configuration describes? Read from /proc (stdlib, Linux).

The role asks this after every start, reload or restart (``sslclm_acme_agent.py --verify``):
the process runs with this configuration file, listens on exactly the configured addresses
and ports - no missing listener, no stale one after a change - runs as the configured user
and holds no capability beyond those allowed. A port that answers is not enough: another
program, or the agent before a restart, may be the one answering.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import os
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.agent_config import listeners
from ansible_collections.sslclm.acme.plugins.module_utils.host.privileges import PrivilegeError, resolve

_TCP_LISTEN = '0A'
CAPABILITY_NAMES = {10: 'cap_net_bind_service', 12: 'cap_net_admin', 13: 'cap_net_raw', 21: 'cap_sys_admin'}


def endpoint(address, port):
    return ('[%s]:%d' if ':' in address else '%s:%d') % (address, port)


def _hex_address(text):
    raw = bytes.fromhex(text)
    # /proc/net/tcp*: the address as 32-bit words in host (little-endian) byte order
    ordered = b''.join(raw[index:index + 4][::-1] for index in range(0, len(raw), 4))
    return str(ipaddress.ip_address(ordered))


def _socket_inodes(pid):
    inodes = set()
    directory = '/proc/%d/fd' % pid
    for name in os.listdir(directory):
        try:
            target = os.readlink(os.path.join(directory, name))
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    return inodes


def listening_endpoints(pid):
    """Sorted ``address:port`` of the TCP sockets ``pid`` holds in the LISTEN state."""
    inodes = _socket_inodes(pid)
    found = set()
    for table in ('tcp', 'tcp6'):
        try:
            with open('/proc/%d/net/%s' % (pid, table)) as handle:
                rows = handle.read().splitlines()[1:]
        except (IOError, OSError):
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == _TCP_LISTEN and fields[9] in inodes:
                address, port = fields[1].split(':')
                found.add(endpoint(_hex_address(address), int(port, 16)))
    return sorted(found)


def process_identity(pid):
    """uids, gids and effective capabilities of ``pid`` from /proc/PID/status."""
    status = {}
    with open('/proc/%d/status' % pid) as handle:
        for line in handle:
            key, unused, value = line.partition(':')
            status[key] = value.split()
    effective = int(status.get('CapEff', ['0'])[0], 16)
    return {
        'uids': [int(value) for value in status.get('Uid', [])],
        'gids': [int(value) for value in status.get('Gid', [])],
        'capabilities': [CAPABILITY_NAMES.get(bit, 'cap_%d' % bit) for bit in range(64) if effective >> bit & 1],
        'no_new_privs': status.get('NoNewPrivs', ['0'])[0] == '1',
    }


def _expected(config, ipv6_available):
    wanted = []
    for unused, address, port in listeners(config):
        if address == '::' and not ipv6_available:
            address = '0.0.0.0'  # the agent falls back to IPv4 on a kernel without IPv6
        wanted.append(endpoint(address, port))
    return sorted(wanted)


def _read_pid(pid=None, pidfile=None):
    if pid:
        return int(pid)
    try:
        with open(pidfile) as handle:
            return int(handle.read().strip() or 0) or None
    except (IOError, OSError, ValueError):
        return None


def check(config, config_path, pid=None, pidfile=None, user=None, group=None, allowed_capabilities=()):
    """A report: pid, listening, expected, uid, capabilities, and ``problems`` (empty when all is as configured)."""
    report = {'pid': _read_pid(pid, pidfile), 'expected': _expected(config, os.path.exists('/proc/net/tcp6')),
              'problems': []}
    problems = report['problems']
    try:
        with open('/proc/%d/cmdline' % report['pid'], 'rb') as handle:
            argv = handle.read().split(b'\0')
        report['identity'] = process_identity(report['pid'])
        report['listening'] = listening_endpoints(report['pid'])
    except (TypeError, IOError, OSError):
        problems.append('the agent is not running (pid %s)' % report['pid'])
        return report
    if os.fsencode(config_path) not in argv:
        problems.append('process %d is not the agent of %s' % (report['pid'], config_path))
    missing = sorted(set(report['expected']) - set(report['listening']))
    extra = sorted(set(report['listening']) - set(report['expected']))
    if missing:
        problems.append('not listening on %s' % ', '.join(missing))
    if extra:
        problems.append('still listening on %s, which the configuration no longer has' % ', '.join(extra))
    _check_identity(report, user, group, allowed_capabilities)
    return report


def _check_identity(report, user, group, allowed_capabilities):
    """With ``user``: the process runs as that user and group, and (unless it is root) holds no capability beyond those allowed."""
    if not user:
        return
    identity = report['identity']
    try:
        uid, gid = resolve(user, group)
    except PrivilegeError as exc:
        report['problems'].append(str(exc))
        return
    if set(identity['uids']) != {uid} or set(identity['gids']) != {gid}:
        report['problems'].append('runs as uids %s gids %s, not as %s (%d:%d)' % (
            identity['uids'], identity['gids'], user, uid, gid))
    surplus = sorted(set(identity['capabilities']) - set(allowed_capabilities))
    if uid != 0 and surplus:
        report['problems'].append('holds capabilities %s' % ', '.join(surplus))


def wait_until_as_configured(config, config_path, timeout, **kwargs):
    """``check`` until it finds no problem or ``timeout`` seconds pass; the last report."""
    deadline = time.monotonic() + timeout
    while True:
        report = check(config, config_path, **kwargs)
        if not report['problems'] or time.monotonic() >= deadline:
            return report
        time.sleep(0.2)
