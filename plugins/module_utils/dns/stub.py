# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A, AAAA and CAA answers of one recursive resolver, asked over UDP and read with ``struct`` (stdlib only).

The self-check resolves every name it checks, twice (A and AAAA), and the CAA preflight asks CAA of it, for
every certificate of a run; dnspython builds and reads each message as Python objects, 0.3 ms of CPU a
question in the workers that share one interpreter lock. This asks the question and reads the answer
directly, following the CNAME chain of the answer as a resolver's client does (addresses), or leaving a
CNAME to the full look-up (CAA, whose owner matters).

Whatever it does not expect - no answer within ``STUB_WAIT``, a truncated answer, an error code other than
NXDOMAIN, a message it cannot read - it leaves to the full resolver (``StubUnsure``), which knows what to
make of it and says so.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import socket
import struct
import time

# rdtype -> (type code, address length, address family)
ADDRESS_TYPES = {'A': (1, 4, socket.AF_INET), 'AAAA': (28, 16, socket.AF_INET6)}
TYPE_CODES = {'A': 1, 'AAAA': 28, 'CAA': 257}
CNAME, CLASS_IN = 5, 1
STUB_WAIT = 1.0  # longer than this, and the full resolver asks again with the task's timeout
MAX_CHAIN = 16


class StubUnsure(Exception):
    """An answer the stub leaves to the full resolver."""


def encode_name(name):
    """``www.example.com`` -> its wire form; StubUnsure for what is not a plain ASCII host name."""
    wire = b''
    for label in name.rstrip('.').split('.'):
        try:
            raw = label.encode('ascii')
        except UnicodeError:
            raise StubUnsure('not an ASCII name')
        if not 0 < len(raw) < 64:
            raise StubUnsure('a label of %d octets' % len(raw))
        wire += struct.pack('B', len(raw)) + raw
    if len(wire) > 254:
        raise StubUnsure('a name longer than 255 octets')
    return wire + b'\0'


def read_name(message, offset):
    """(lower-case name, offset after it) at ``offset`` of ``message``, following compression pointers."""
    labels, after, jumps = [], None, 0
    while True:
        if offset >= len(message):
            raise StubUnsure('a name runs past the message')
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(message) or jumps > 64:
                raise StubUnsure('a broken compression pointer')
            after = offset + 2 if after is None else after
            offset, jumps = ((length & 0x3F) << 8) | message[offset + 1], jumps + 1
            continue
        if length & 0xC0:
            raise StubUnsure('an unknown label type')
        offset += 1
        if not length:
            return '.'.join(labels), offset if after is None else after
        try:
            labels.append(message[offset:offset + length].decode('ascii').lower())
        except UnicodeError:
            raise StubUnsure('a label that is not ASCII')
        offset += length


def query_message(ident, name, rdtype):
    return struct.pack('!HHHHHH', ident, 0x0100, 1, 0, 0, 0) + encode_name(name) + \
        struct.pack('!HH', TYPE_CODES[rdtype], CLASS_IN)


def read_answer(message, ident, name, rdtype):
    """(aliases {owner: CNAME target}, records {owner: [rdata bytes of ``rdtype``]}) of the answer section of
    ``message`` for (``ident``, ``name``, ``rdtype``); None when it answers another question (a stray datagram);
    ({}, {}) for NXDOMAIN; StubUnsure when it is not a plain answer."""
    if len(message) < 12:
        raise StubUnsure('a message shorter than its header')
    answer_id, flags, questions, answers = struct.unpack('!HHHH', message[:8])
    if answer_id != ident:
        return None
    if not flags & 0x8000 or flags & 0x7800 or questions != 1:
        raise StubUnsure('not an answer to a standard query')
    if flags & 0x0200:
        raise StubUnsure('truncated')
    code = TYPE_CODES[rdtype]
    owner, offset = read_name(message, 12)
    if offset + 4 > len(message) or owner != name.rstrip('.').lower() or \
            struct.unpack('!HH', message[offset:offset + 4]) != (code, CLASS_IN):
        return None
    rcode = flags & 0x000F
    if rcode == 3:  # NXDOMAIN
        return {}, {}
    if rcode:
        raise StubUnsure('rcode %d' % rcode)
    offset += 4
    aliases, found = {}, {}
    for unused in range(answers):
        owner, offset = read_name(message, offset)
        if offset + 10 > len(message):
            raise StubUnsure('a record runs past the message')
        rtype, rclass, unused_ttl, length = struct.unpack('!HHIH', message[offset:offset + 10])
        start, offset = offset + 10, offset + 10 + length
        if offset > len(message):
            raise StubUnsure('record data runs past the message')
        if rclass != CLASS_IN:
            continue
        if rtype == CNAME:
            aliases[owner] = read_name(message, start)[0]
        elif rtype == code:
            found.setdefault(owner, []).append(message[start:offset])
    return aliases, found


def chain_end(name, aliases):
    """Where ``name`` leads through the CNAMEs of an answer (itself when it is no alias)."""
    current = name.rstrip('.').lower()
    for unused in range(MAX_CHAIN):
        if current not in aliases:
            return current
        current = aliases[current]
    raise StubUnsure('a CNAME chain longer than %d' % MAX_CHAIN)


def ask(name, rdtype, server, timeout):
    """Ask ``server`` (``(ip, port)``) for ``rdtype`` of ``name``: → ``read_answer``'s (aliases, records).
    StubUnsure for anything else, network trouble included: the full resolver asks again."""
    ident = struct.unpack('!H', os.urandom(2))[0]
    request = query_message(ident, name, rdtype)
    wait = min(timeout, STUB_WAIT)
    deadline = time.monotonic() + wait
    try:
        with socket.socket(socket.AF_INET6 if ':' in server[0] else socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect((server[0], server[1]))  # a connected socket: the kernel drops datagrams from elsewhere
            sock.send(request)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StubUnsure('no answer within %ss' % wait)
                sock.settimeout(remaining)
                read = read_answer(sock.recv(4096), ident, name, rdtype)
                if read is not None:
                    return read
    except socket.timeout:
        raise StubUnsure('no answer within %ss' % wait)
    except (OSError, ValueError) as exc:
        raise StubUnsure(str(exc) or type(exc).__name__)


def addresses(name, rdtype, server, timeout):
    """The ``rdtype`` (A or AAAA) addresses of ``name`` from ``server`` (``(ip, port)``), [] for none or NXDOMAIN,
    at the end of the name's CNAME chain. StubUnsure as ``ask``."""
    unused_code, size, family = ADDRESS_TYPES[rdtype]
    aliases, found = ask(name, rdtype, server, timeout)
    rdatas = found.get(chain_end(name, aliases), [])
    if any(len(rdata) != size for rdata in rdatas):
        raise StubUnsure('an address of another length than %d octets' % size)
    return [socket.inet_ntop(family, rdata) for rdata in rdatas]


def caa_records(name, server, timeout):
    """The CAA records of ``name`` itself as ``(flags, tag, value)`` bytes; [] for none or NXDOMAIN.
    StubUnsure as ``ask``, and for a name that is an alias: where its records are found matters to CAA
    (RFC 8659 §3), and the full look-up says so."""
    aliases, found = ask(name, 'CAA', server, timeout)
    if aliases:
        raise StubUnsure('an alias')
    records = []
    for rdata in found.get(name.rstrip('.').lower(), []):
        if len(rdata) < 2 or 2 + rdata[1] > len(rdata) or not rdata[1]:
            raise StubUnsure('a CAA record it cannot read')
        records.append((rdata[0], rdata[2:2 + rdata[1]], rdata[2 + rdata[1]:]))
    return records
