# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS questions put to named servers (dnspython): CNAME chains, the zone of a name, a zone's
authoritative servers and what one server answers.

Every question goes to an explicit server so that answers can be attributed: a
recursive resolver for look-ups, one authoritative server for propagation checks.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket

from ansible_collections.sslclm.acme.plugins.module_utils.dns import stub
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed, parse_nameserver
from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import normalize_name, zone_candidates

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.resolver
    HAS_DNSPYTHON = True
except ImportError:
    HAS_DNSPYTHON = False

MAX_CNAME_HOPS = 8


def require_dnspython():
    if not HAS_DNSPYTHON:
        raise LookupFailed('the Python package dnspython is needed on the controller (pip install dnspython)')


def server_label(server):
    """``(ip, port)`` → ``'ip'`` or ``'ip:port'`` (``'[v6]:port'``) for messages."""
    host, port = server
    if port == 53:
        return host
    return ('[%s]:%d' if ':' in host else '%s:%d') % (host, port)


def parse_servers(specs):
    """``['ip', 'ip:port', '[v6]:port']`` → ``[(ip, port)]``; a host name is resolved (system resolver) to its first address."""
    servers = []
    for spec in specs:
        try:
            servers.append(parse_nameserver(spec))
        except ValueError:
            host, sep, port = str(spec).rpartition(':') if str(spec).count(':') == 1 else (str(spec), '', '')
            try:
                address = socket.getaddrinfo(host, None, 0, socket.SOCK_DGRAM)[0][4][0]
            except (socket.gaierror, IndexError) as exc:
                raise LookupFailed('cannot resolve the DNS server %s: %s' % (spec, exc))
            servers.append((address, int(port) if port else 53))
    return servers


def system_servers():
    """The resolvers of the controller's ``/etc/resolv.conf`` as ``(ip, port)``."""
    require_dnspython()
    try:
        resolver = dns.resolver.Resolver(configure=True)
    except dns.exception.DNSException as exc:
        raise LookupFailed('no system resolver: %s' % exc)
    servers = []
    for entry in resolver.nameservers:
        if isinstance(entry, str):
            servers.append((entry, resolver.port))
        elif getattr(entry, 'address', None):  # dnspython >= 2.4 Nameserver objects
            servers.append((entry.address, getattr(entry, 'port', 53)))
    if not servers:
        raise LookupFailed('the system resolver configuration names no nameserver')
    return servers


def query(server, qname, rdtype, timeout=5.0, recursion=True):
    """One question to one server (UDP, TCP when truncated). Returns the response message.

    Raises ``LookupFailed`` naming the server when it does not answer.
    """
    require_dnspython()
    request = dns.message.make_query(qname, rdtype)
    if not recursion:
        request.flags &= ~dns.flags.RD
    try:
        response = dns.query.udp_with_fallback(request, server[0], timeout=timeout, port=server[1])[0]
    except dns.exception.Timeout:
        raise LookupFailed('%s did not answer %s %s within %ss' % (server_label(server), rdtype, qname, timeout))
    except (dns.exception.DNSException, OSError, ValueError, EOFError) as exc:
        raise LookupFailed('%s: %s %s failed: %s' % (server_label(server), rdtype, qname, str(exc) or type(exc).__name__))
    return response


def rcode_text(response):
    return dns.rcode.to_text(response.rcode())


def is_authoritative(response):
    return bool(response.flags & dns.flags.AA)


def _find(section, name, rdtype):
    for rrset in section:
        if rrset.name == name and rrset.rdtype == rdtype and rrset.rdclass == dns.rdataclass.IN:
            return rrset
    return None


def answer_rrset(response, qname, rdtype):
    """The rrset of ``rdtype`` for ``qname`` in the answer section, following CNAMEs inside it, or None."""
    name = dns.name.from_text(normalize_name(qname) + '.')
    wanted = dns.rdatatype.from_text(rdtype)
    for dummy in range(MAX_CNAME_HOPS + 1):
        found = _find(response.answer, name, wanted)
        if found is not None:
            return found
        cname = _find(response.answer, name, dns.rdatatype.CNAME)
        if cname is None or wanted == dns.rdatatype.CNAME:
            return None
        name = cname[0].target
    return None


def cname_of(response, name):
    """The target of the CNAME record of ``name`` in the answer section of ``response``, or None."""
    rrset = answer_rrset(response, name, 'CNAME')
    return normalize_name(rrset[0].target.to_text()) if rrset is not None else None


def follow_cnames(name, target_of):
    """The end of the CNAME chain from ``name``; ``target_of(alias)`` → the target of one alias, or None.
    Loops and chains longer than ``MAX_CNAME_HOPS`` raise ``LookupFailed``."""
    seen = [normalize_name(name)]
    while True:
        target = target_of(seen[-1])
        if target is None:
            return seen[-1]
        if target in seen or len(seen) > MAX_CNAME_HOPS:
            raise LookupFailed('the CNAME chain %s does not end' % ' -> '.join(seen + [target]))
        seen.append(target)


def txt_values(response, qname):
    """Every TXT value (character strings joined) for ``qname`` in the response."""
    rrset = answer_rrset(response, qname, 'TXT')
    if rrset is None:
        return []
    return [b''.join(rdata.strings).decode('utf-8', 'replace') for rdata in rrset]


def soa_serial(response, zone):
    rrset = answer_rrset(response, zone, 'SOA')
    return rrset[0].serial if rrset is not None else None


class DnsLookup:
    """Look-ups through a list of resolvers (``None``: the system's), tried in order until one answers."""

    def __init__(self, nameservers=None, timeout=5.0, recursion=True, ask=query):
        self._specs = list(nameservers) if nameservers else None
        self._servers = None
        self.timeout = timeout
        self.recursion = recursion
        self.ask = ask

    @property
    def servers(self):
        if self._servers is None:
            self._servers = parse_servers(self._specs) if self._specs else system_servers()
        return self._servers

    def describe(self):
        return ', '.join(server_label(s) for s in self.servers)

    def resolve(self, qname, rdtype):
        """The first usable response (not SERVFAIL / REFUSED) of the servers, else ``LookupFailed``."""
        problems = []
        for server in self.servers:
            try:
                response = self.ask(server, qname, rdtype, timeout=self.timeout, recursion=self.recursion)
            except LookupFailed as exc:
                problems.append(str(exc))
                continue
            if response.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return response
            problems.append('%s answered %s to %s %s' % (server_label(server), rcode_text(response), rdtype, qname))
        raise LookupFailed('; '.join(problems))

    def plain_caa(self, name):
        """The CAA records of ``name`` from the first resolver, read by the stub (``stub.py``), when its answer is
        plain: ``[(flags, tag, value)]``. None when the full look-up must ask: an alias, anything the stub does
        not expect, or questions that go elsewhere than to the network (``ask``)."""
        if self.ask is not query or not self.recursion:
            return None
        try:
            return stub.caa_records(name, self.servers[0], self.timeout)
        except stub.StubUnsure:
            return None

    def cname_target(self, name):
        """Where ``name`` leads through CNAMEs (itself when it is no alias). Loops and long chains are errors."""
        return follow_cnames(name, lambda alias: cname_of(self.resolve(alias, 'CNAME'), alias))

    def zone_of(self, name):
        """The apex of the zone holding ``name``: the owner of the SOA in the answer or in the authority
        section (negative answers carry it), walking up one label at a time. ``name`` must not be a CNAME."""
        for candidate in zone_candidates(name):
            response = self.resolve(candidate, 'SOA')
            if answer_rrset(response, candidate, 'SOA') is not None:
                return candidate
            for rrset in response.authority:
                owner = normalize_name(rrset.name.to_text())
                if rrset.rdtype == dns.rdatatype.SOA and (candidate == owner or candidate.endswith('.' + owner)):
                    return owner
        raise LookupFailed('no zone holds %s (no SOA found through %s)' % (name, self.describe()))

    def nameserver_addresses(self, zone):
        """``[(ns name, ip)]`` of the zone's NS records: IPv4 addresses, IPv6 ones for a server without IPv4."""
        rrset = answer_rrset(self.resolve(zone, 'NS'), zone, 'NS')
        if rrset is None:
            raise LookupFailed('the zone %s has no NS records (asked %s)' % (zone, self.describe()))
        found = []
        for ns_name in sorted(normalize_name(rdata.target.to_text()) for rdata in rrset):
            addresses = []
            for rdtype in ('A', 'AAAA'):
                rrs = answer_rrset(self.resolve(ns_name, rdtype), ns_name, rdtype)
                addresses = [rdata.address for rdata in rrs] if rrs is not None else []
                if addresses:
                    break
            if not addresses:
                raise LookupFailed('the nameserver %s of %s has no address (asked %s)' % (ns_name, zone, self.describe()))
            found.extend((ns_name, address) for address in sorted(addresses))
        return found
