#!/usr/bin/env python
"""Small DNS servers for the lab (dnspython), on loopback only.

    dnsserve.py relay CONF     CONF: {"relay": {"127.0.10.1:53": "127.0.0.1:10053", ...}}
    dnsserve.py route53 CONF   CONF: {"listen": "127.0.10.3:53", "endpoint": "http://127.0.0.1:5000"}

relay: forwards each DNS message, byte for byte, over UDP or TCP as it came. BIND only
listens on addresses configured on an interface (lo carries 127.0.0.1 alone), so the
lab's BIND servers listen on 127.0.0.1:100xx and the relay gives each one the address
its NS record names, on port 53, as a real authoritative server has.

route53: the DNS side of the Route 53 API that moto server fakes. Every answer is built
from the hosted zones and record sets moto holds at that moment (through boto3, like
any client), so a record is visible in DNS exactly when the API has it.

``serve`` and ``authoritative_response`` are shared with cloudflare_fake.py.
"""
import json
import ipaddress
import socket
import socketserver
import struct
import sys
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

TIMEOUT = 5.0


def split_addr(addr):
    host, port = addr.rsplit(":", 1)
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit("refusing to listen on %s: loopback only" % addr)
    return host, int(port)


def _recv_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def serve(listen, handle):
    """UDP and TCP listeners on ``listen`` ('ip:port'); ``handle(wire, proto) -> wire or None``. Returns the servers."""
    address = split_addr(listen)

    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            reply = handle(data, "udp")
            if reply:
                sock.sendto(reply, self.client_address)

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.settimeout(TIMEOUT)
            try:
                while True:
                    size = struct.unpack("!H", _recv_exact(self.request, 2))[0]
                    reply = handle(_recv_exact(self.request, size), "tcp")
                    if not reply:
                        return
                    self.request.sendall(struct.pack("!H", len(reply)) + reply)
            except (OSError, EOFError):
                return

    class UdpServer(socketserver.ThreadingUDPServer):
        daemon_threads = True
        allow_reuse_address = True

    class TcpServer(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    servers = [UdpServer(address, Udp), TcpServer(address, Tcp)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers


# ------------------------------------------------------------------ relay
def relay_handler(target):
    host, port = target.rsplit(":", 1)
    port = int(port)

    def handle(wire, proto):
        try:
            if proto == "udp":
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.settimeout(TIMEOUT)
                    sock.sendto(wire, (host, port))
                    return sock.recv(65535)
            with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
                sock.sendall(struct.pack("!H", len(wire)) + wire)
                return _recv_exact(sock, struct.unpack("!H", _recv_exact(sock, 2))[0])
        except (OSError, EOFError):
            return None  # like a server that did not answer
    return handle


# ---------------------------------------------------------- authoritative
def authoritative_response(wire, zones_for, proto="udp"):
    """Answer one query from zone data. ``zones_for(qname) -> (zone name, {owner: {rdtype: (ttl, [rdata text])}})``
    or (None, None) when no zone holds the name (REFUSED). Names are lower case without the trailing dot."""
    try:
        query = dns.message.from_wire(wire)
    except Exception:  # pylint: disable=broad-except
        return None
    response = dns.message.make_response(query)
    if not query.question:
        response.set_rcode(dns.rcode.FORMERR)
        return response.to_wire()
    question = query.question[0]
    qname = question.name.to_text().rstrip(".").lower()
    try:
        _fill(response, qname, dns.rdatatype.to_text(question.rdtype), *zones_for(qname))
    except Exception as exc:  # pylint: disable=broad-except  # bad data or a failing API: SERVFAIL, like a server
        print("answering %s failed: %r" % (qname, exc), file=sys.stderr, flush=True)
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL)
        return response.to_wire()
    limit = max(512, query.payload if query.edns >= 0 else 512) if proto == "udp" else 65535
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        response.answer, response.authority = [], []
        response.flags |= dns.flags.TC
        return response.to_wire()


def _fill(response, qname, rdtype, zone, records):
    if zone is None:
        response.set_rcode(dns.rcode.REFUSED)
        return
    response.flags |= dns.flags.AA
    response.flags &= ~dns.flags.RA
    at_name = records.get(qname, {})
    if rdtype in at_name:
        response.answer.append(_rrset(qname, rdtype, at_name[rdtype]))
    elif "CNAME" in at_name:
        response.answer.append(_rrset(qname, "CNAME", at_name["CNAME"]))
    else:
        exists = bool(at_name) or any(owner.endswith("." + qname) for owner in records)
        if not exists:
            response.set_rcode(dns.rcode.NXDOMAIN)
        if "SOA" in records.get(zone, {}):
            response.authority.append(_rrset(zone, "SOA", records[zone]["SOA"]))


def _rrset(owner, rdtype, entry):
    ttl, texts = entry
    return dns.rrset.from_text_list(owner + ".", ttl, dns.rdataclass.IN, rdtype, texts)


def longest_zone(qname, zone_names):
    best = None
    for zone in zone_names:
        if (qname == zone or qname.endswith("." + zone)) and (best is None or len(zone) > len(best)):
            best = zone
    return best


# ---------------------------------------------------------------- route53
def route53_zones_for(endpoint):
    import boto3  # only this server needs it
    client = boto3.session.Session(aws_access_key_id="lab", aws_secret_access_key="lab").client(
        "route53", region_name="us-east-1", endpoint_url=endpoint)
    lock = threading.Lock()

    def zones_for(qname):
        with lock:  # one boto3 client, many server threads
            hosted = {}
            for page in client.get_paginator("list_hosted_zones").paginate():
                for zone in page["HostedZones"]:
                    if not zone.get("Config", {}).get("PrivateZone"):
                        hosted[zone["Name"].rstrip(".").lower()] = zone["Id"]
            zone = longest_zone(qname, hosted)
            if zone is None:
                return None, None
            records = {}
            for page in client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=hosted[zone]):
                for rrset in page["ResourceRecordSets"]:
                    if rrset.get("ResourceRecords"):
                        owner = rrset["Name"].rstrip(".").lower().replace("\\052", "*")
                        records.setdefault(owner, {})[rrset["Type"]] = (
                            rrset.get("TTL", 300), [r["Value"] for r in rrset["ResourceRecords"]])
            soa = records.get(zone, {}).get("SOA")
            if soa is None or not soa[1][0].split()[-1].isdigit():  # moto 5 stores a repr() as the SOA value
                records.setdefault(zone, {})["SOA"] = (900, [
                    "ns-2048.awsdns-64.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 60"])
            return zone, records
    return zones_for


def main(argv):
    if len(argv) != 2 or argv[0] not in ("relay", "route53"):
        raise SystemExit(__doc__)
    with open(argv[1]) as handle:
        conf = json.load(handle)
    if argv[0] == "relay":
        for listen, target in sorted(conf["relay"].items()):
            serve(listen, relay_handler(target))
    else:
        zones_for = route53_zones_for(conf["endpoint"])
        serve(conf["listen"], lambda wire, proto: authoritative_response(wire, zones_for, proto))
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1:])
