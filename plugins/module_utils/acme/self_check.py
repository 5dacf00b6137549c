# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that what the CA will fetch is really there, before a challenge is answered.

A challenge answered too early fails the whole authorization, and the CA counts the
failure against its rate limits; so HTTP-01, TLS-ALPN-01 and DNS-01 are first checked
the way the CA will check them, from here. Every address a name resolves to is tried:
the CA may pick any of them.

The checks never raise for network trouble; they return a ``CheckResult`` whose
``detail`` says which address failed and what it answered.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import http.client
import ipaddress
import re
import socket
import ssl
import time

from ansible_collections.sslclm.acme.plugins.module_utils.acme.tls_alpn import (
    ALPN_PROTOCOL,
    check_challenge_certificate,
    sni_for_identifier,
)

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

CheckResult = collections.namedtuple('CheckResult', ['ok', 'detail', 'url'])

USER_AGENT = 'sslclm.acme-self-check'
_TOKEN_RE = re.compile(r'^[A-Za-z0-9_-]+$')
_MAX_BODY = 8192


class LookupFailed(Exception):
    """The name could not be resolved (timeout, SERVFAIL, no resolver): not the same as 'no address'."""


def _ip_literal(value):
    try:
        return ipaddress.ip_address(value.strip('[]'))
    except ValueError:
        return None


def _parse_nameserver(spec):
    """``'ip'``, ``'ip:port'`` or ``'[v6]:port'`` -> ``(ip, port)``."""
    spec = str(spec).strip()
    if spec.startswith('['):
        host, sep, port = spec[1:].partition(']')
        port = port.lstrip(':')
    elif spec.count(':') == 1:
        host, sep, port = spec.partition(':')
    else:
        host, port = spec, ''
    if _ip_literal(host) is None:
        raise ValueError('nameserver %r is not an IP address (optionally with :port)' % spec)
    return str(_ip_literal(host)), int(port) if port else 53


def _resolver(nameservers, timeout):
    if nameservers is None:
        resolver = dns.resolver.Resolver(configure=True)
    else:
        resolver = dns.resolver.Resolver(configure=False)
        parsed = [_parse_nameserver(spec) for spec in nameservers]
        try:
            resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in parsed]
        except AttributeError:  # dnspython < 2.4 has no dns.nameserver
            resolver.nameservers = [host for host, port in parsed]
            resolver.nameserver_ports = dict((host, port) for host, port in parsed)
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def _dns_query(name, rdtype, nameservers, timeout):
    """Answers of one type; [] for NXDOMAIN / no data, LookupFailed for everything else."""
    if not HAS_DNSPYTHON:
        raise LookupFailed('dnspython is not installed')
    try:
        return list(_resolver(nameservers, timeout).resolve(name, rdtype, search=False))
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
    literal = _ip_literal(name)
    if literal is not None:
        return [str(literal)]
    if nameservers is None and not HAS_DNSPYTHON:
        return _system_addresses(name)
    addresses = []
    for rdtype in ('A', 'AAAA'):
        for answer in _dns_query(name, rdtype, nameservers, timeout):
            if answer.address not in addresses:
                addresses.append(answer.address)
    return addresses


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


def _addresses_or_result(identifier, nameservers, timeout, url):
    """(addresses, None) or (None, failed CheckResult)."""
    try:
        addresses = resolve_addresses(identifier, nameservers=nameservers, timeout=timeout)
    except LookupFailed as exc:
        return None, CheckResult(False, 'cannot resolve %s: %s' % (identifier, exc), url)
    if not addresses:
        return None, CheckResult(False, '%s has no A or AAAA record' % identifier, url)
    return addresses, None


def _host_for_url(identifier):
    literal = _ip_literal(identifier)
    if literal is not None and literal.version == 6:
        return '[%s]' % literal
    return identifier


def _describe_error(exc):
    if isinstance(exc, socket.timeout):
        return 'timed out'
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, ssl.SSLError):
        return 'TLS error: %s' % (exc.reason or exc)
    text = getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__
    return text


def _excerpt(body, limit=100):
    text = body.decode('utf-8', 'replace')
    text = ' '.join(text.split())
    return repr(text[:limit] + ('...' if len(text) > limit else ''))


def _summarize(failures, addresses, success):
    if failures:
        return False, '; '.join(failures)
    return True, '%s (checked %s)' % (success, ', '.join(addresses))


# --------------------------------------------------------------------------- HTTP-01
def check_http01(identifier, token, key_authorization, port=80, nameservers=None, timeout=5):
    """GET ``/.well-known/acme-challenge/TOKEN`` from every address of ``identifier``.

    No proxy (``http.client`` uses none), ``Host`` as the CA sends it, redirects are
    not followed but reported. ok when every address answers 200 with the key
    authorization (surrounding whitespace ignored, as CAs do).
    """
    if not _TOKEN_RE.match(token or ''):
        raise ValueError('invalid ACME token %r: base64url characters only' % (token,))
    host = _host_for_url(identifier)
    authority = host if int(port) == 80 else '%s:%d' % (host, int(port))
    path = '/.well-known/acme-challenge/%s' % token
    url = 'http://%s%s' % (authority, path)
    addresses, failed = _addresses_or_result(identifier, nameservers, timeout, url)
    if failed:
        return failed
    failures = []
    for address in addresses:
        problem = _http01_problem(address, int(port), authority, path, key_authorization.strip(), timeout)
        if problem:
            failures.append('%s (%s port %d): %s' % (identifier, address, int(port), problem))
    ok, detail = _summarize(failures, addresses, '%s serves the key authorization' % url)
    return CheckResult(ok, detail, url)


def _http01_problem(address, port, authority, path, expected, timeout):
    """None when ``address`` serves ``expected``, else what went wrong."""
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request('GET', path, headers={'Host': authority, 'User-Agent': USER_AGENT,
                                                 'Accept': '*/*', 'Connection': 'close'})
        response = connection.getresponse()
        body = response.read(_MAX_BODY)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return _describe_error(exc)
    finally:
        connection.close()
    if 300 <= response.status < 400:
        return 'HTTP %d redirect to %s (the self-check does not follow redirects)' % (
            response.status, response.getheader('Location', 'nowhere'))
    if response.status != 200:
        return 'HTTP %d, body %s' % (response.status, _excerpt(body))
    if body.strip() != expected.encode('utf-8'):
        return 'HTTP 200 but the body is %s, not the key authorization' % _excerpt(body)
    return None


# --------------------------------------------------------------------------- TLS-ALPN-01
def check_tls_alpn01(identifier, key_authorization, port=443, nameservers=None, timeout=5):
    """Handshake with every address of ``identifier`` as the CA does (SNI, ALPN acme-tls/1,
    no verification) and check the challenge certificate it presents."""
    sni = sni_for_identifier(identifier)
    url = 'tls-alpn-01://%s:%d (SNI %s)' % (_host_for_url(identifier), int(port), sni)
    addresses, failed = _addresses_or_result(identifier, nameservers, timeout, url)
    if failed:
        return failed
    failures = []
    for address in addresses:
        problem = _tls_alpn01_problem(address, int(port), sni, identifier, key_authorization, timeout)
        if problem:
            failures.append('%s (%s port %d): %s' % (identifier, address, int(port), problem))
    ok, detail = _summarize(failures, addresses, '%s presents the challenge certificate' % url)
    return CheckResult(ok, detail, url)


def _tls_alpn01_problem(address, port, sni, identifier, key_authorization, timeout):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols([ALPN_PROTOCOL])
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=sni) as tls:
                protocol = tls.selected_alpn_protocol()
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as exc:
        return _describe_error(exc)
    if protocol != ALPN_PROTOCOL:
        return 'the server did not negotiate ALPN %s (got %s)' % (ALPN_PROTOCOL, protocol or 'none')
    if not der:
        return 'the server presented no certificate'
    ok, reason = check_challenge_certificate(der, identifier, key_authorization)
    return None if ok else reason


# --------------------------------------------------------------------------- DNS-01
def _txt_values(record_name, nameservers, timeout):
    return [b''.join(answer.strings).decode('utf-8', 'replace')
            for answer in _dns_query(record_name, 'TXT', nameservers, timeout)]


def check_dns01(record_name, expected_value, nameservers=None, timeout=5):
    """TXT lookup of ``record_name``; ok when ``expected_value`` is among the values."""
    url = 'dns:%s?type=TXT' % record_name.rstrip('.')
    try:
        values = _txt_values(record_name, nameservers, timeout)
    except LookupFailed as exc:
        return CheckResult(False, str(exc), url)
    where = ' at %s' % ', '.join(nameservers) if nameservers else ''
    if expected_value in values:
        return CheckResult(True, 'TXT %s holds the expected value%s' % (record_name, where), url)
    if not values:
        return CheckResult(False, 'TXT %s has no value%s' % (record_name, where), url)
    shown = ', '.join(repr(v[:100]) for v in values[:5]) + (' and %d more' % (len(values) - 5) if len(values) > 5 else '')
    return CheckResult(False, 'TXT %s%s holds %s, not the expected value' % (record_name, where, shown), url)


# --------------------------------------------------------------------------- waiting
def wait_for(check_fn, deadline_seconds, first_interval=0.1, max_interval=2.0, sleep=time.sleep, clock=time.monotonic):
    """Call ``check_fn()`` until its result is ok or ``deadline_seconds`` have passed.

    Intervals double from ``first_interval`` up to ``max_interval`` and never overshoot
    the deadline. ``check_fn`` runs at least once; the last result is returned.
    """
    end = clock() + deadline_seconds
    interval = first_interval
    while True:
        result = check_fn()
        if result.ok:
            return result
        remaining = end - clock()
        if remaining <= 0:
            return result
        sleep(min(interval, remaining))
        interval = min(interval * 2, max_interval)
