# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers from a recursive resolver - the system's, or the ones a task names - through dnspython.

``resolve_addresses`` is how the self-checks find every address a CA may connect to;
``txt_values`` what a resolver returns for a TXT name. Lookups that fail (timeout,
SERVFAIL, no resolver) raise ``LookupFailed``, which is not the same as "no answer".
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import ipaddress
import socket

from ansible_collections.sslclm.acme.plugins.module_utils.dns import stub

try:
    import dns.exception
    import dns.resolver
    try:
        import dns.nameserver
    except ImportError:  # dnspython < 2.4
        pass
    HAS_DNSPYTHON = True
except ImportError:
    HAS_DNSPYTHON = False


class LookupFailed(Exception):
    """The name could not be resolved (timeout, SERVFAIL, no resolver): not the same as 'no address'."""


def ip_literal(value):
    try:
        return ipaddress.ip_address(value.strip('[]'))
    except ValueError:
        return None


def parse_nameserver(spec):
    """``'ip'``, ``'ip:port'`` or ``'[v6]:port'`` -> ``(ip, port)``."""
    spec = str(spec).strip()
    if spec.startswith('['):
        host, sep, port = spec[1:].partition(']')
        port = port.lstrip(':')
    elif spec.count(':') == 1:
        host, sep, port = spec.partition(':')
    else:
        host, port = spec, ''
    if ip_literal(host) is None:
        raise ValueError('nameserver %r is not an IP address (optionally with :port)' % spec)
    return str(ip_literal(host)), int(port) if port else 53


def make_resolver(nameservers, timeout):
    if nameservers is None:
        resolver = dns.resolver.Resolver(configure=True)
    else:
        resolver = dns.resolver.Resolver(configure=False)
        parsed = [parse_nameserver(spec) for spec in nameservers]
        try:
            resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in parsed]
        except AttributeError:  # dnspython < 2.4 has no dns.nameserver
            resolver.nameservers = [host for host, port in parsed]
            resolver.nameserver_ports = dict((host, port) for host, port in parsed)
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def query(name, rdtype, nameservers, timeout):
    """Answers of one type; [] for NXDOMAIN / no data, LookupFailed for everything else."""
    if not HAS_DNSPYTHON:
        raise LookupFailed('dnspython is not installed')
    try:
        return list(make_resolver(nameservers, timeout).resolve(name, rdtype, search=False))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.resolver.NoNameservers as exc:
        raise LookupFailed('no nameserver answered %s %s (%s)' % (rdtype, name, exc))
    except dns.exception.Timeout:
        raise LookupFailed('%s lookup of %s timed out after %ss' % (rdtype, name, timeout))
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        raise LookupFailed('%s lookup of %s failed: %s' % (rdtype, name, exc))


def resolve_addresses(name, nameservers=None, timeout=5.0):
    """IP addresses of ``name`` as strings, A records first, then AAAA.

    An IP literal resolves to itself. ``nameservers``: list of ``'ip'`` / ``'ip:port'``;
    None uses the system resolver (through dnspython when installed, else getaddrinfo).
    Raises ``LookupFailed`` when the lookup itself fails; a name without addresses gives [].
    """
    literal = ip_literal(name)
    if literal is not None:
        return [str(literal)]
    if nameservers is None and not HAS_DNSPYTHON:
        return _system_addresses(name)
    addresses = []
    for rdtype in ('A', 'AAAA'):
        for address in _addresses_of(name, rdtype, nameservers, timeout):
            if address not in addresses:
                addresses.append(address)
    return addresses


def _addresses_of(name, rdtype, nameservers, timeout):
    """The stub (``stub.py``) asks the first resolver; what it leaves, dnspython asks of them all."""
    try:
        server = parse_nameserver(nameservers[0]) if nameservers else _first_system_server()
        return stub.addresses(name, rdtype, server, timeout)
    except (stub.StubUnsure, ValueError, LookupFailed):
        return [answer.address for answer in query(name, rdtype, nameservers, timeout)]


_SYSTEM_SERVER = []


def _first_system_server():
    """The first resolver of ``/etc/resolv.conf``, read once per process."""
    if not _SYSTEM_SERVER:
        from ansible_collections.sslclm.acme.plugins.module_utils.dns import lookup  # pylint: disable=import-outside-toplevel
        _SYSTEM_SERVER.append(lookup.system_servers()[0])
    return _SYSTEM_SERVER[0]


def _system_addresses(name):
    try:
        infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, 'EAI_NODATA', socket.EAI_NONAME)):
            return []
        raise LookupFailed('cannot resolve %s: %s' % (name, exc))
    found = [info[4][0] for info in infos]
    ordered = [a for a in found if ':' not in a] + [a for a in found if ':' in a]
    return list(collections.OrderedDict.fromkeys(ordered))


def txt_values(record_name, nameservers, timeout):
    """The TXT values of ``record_name`` as text (each record's strings joined)."""
    return [b''.join(answer.strings).decode('utf-8', 'replace')
            for answer in query(record_name, 'TXT', nameservers, timeout)]
