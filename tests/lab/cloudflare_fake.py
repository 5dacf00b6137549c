#!/usr/bin/env python
"""A stand-in for Cloudflare: the subset of the v4 API that DNS-01 needs, and the DNS it serves.

    cloudflare_fake.py CONF
    CONF: {"api": "127.0.0.1:5080", "dns": "127.0.10.4:53", "zones": ["cf.test", ...],
           "tokens": {"TOKEN": "edit" | "read"}, "name_servers": ["ns.cf.test"],
           "ns_address": "127.0.10.4", "max_per_page": 5}

API under /client/v4, in Cloudflare's documented shapes: every answer is the envelope
{"success", "errors", "messages", "result"} (+ "result_info" on lists); errors are
[{"code", "message"[, "error_chain"]}].
  GET    /zones?name=&status=&page=&per_page=            paginated (per_page 5..50, default 20)
  GET    /zones/{zone_id}
  GET    /zones/{zone_id}/dns_records?type=&name=&content=&page=&per_page=   (default 100)
  POST   /zones/{zone_id}/dns_records   {"type", "name", "content", "ttl", "comment"}
  DELETE /zones/{zone_id}/dns_records/{id}
Auth: "Authorization: Bearer TOKEN" - missing 400/9106, malformed 400/6003+6111, unknown
403/10000 "Authentication error", a "read" token writing 403/10000. An identical record
is 400/81058, a missing one 404/81044, an unknown zone id 400/7003+7000.
Test knob (not Cloudflare's): max_per_page caps per_page so that small lists paginate.
DNS: the zones' records, authoritative, with a synthesized SOA and NS at each apex.
State lives in memory; everything is on loopback.
"""
import datetime
import hashlib
import json
import os
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsserve  # noqa: E402  pylint: disable=wrong-import-position

PREFIX = "/client/v4"
TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{40}$")


class ApiError(Exception):
    def __init__(self, status, *errors):
        super().__init__(status)
        self.status = status
        self.errors = [dict(code=code, message=message, **extra) for code, message, extra in
                       ((e + ({},))[:3] for e in errors)]


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class State:
    def __init__(self, conf):
        self.conf = conf
        self.lock = threading.Lock()
        self.zones = {}
        for name in conf["zones"]:
            zone_id = hashlib.sha256(name.encode()).hexdigest()[:32]
            self.zones[zone_id] = {
                "id": zone_id, "name": name, "status": "active", "paused": False, "type": "full",
                "development_mode": 0, "name_servers": list(conf.get("name_servers", [])),
                "original_name_servers": None, "account": {"id": "0" * 32, "name": "sslclm lab"},
                "created_on": _now(), "modified_on": _now(), "activated_on": _now()}
        self.records = {}  # id -> record, in creation order

    # -------------------------------------------------------------- API
    def zone(self, zone_id):
        if zone_id not in self.zones:
            raise ApiError(400, (7003, "Could not route to /zones/%s, perhaps your object identifier is invalid?" % zone_id),
                           (7000, "No route for that URI"))
        return self.zones[zone_id]

    def page(self, items, query, default, largest):
        try:
            page = int(query.get("page", 1))
            per_page = int(query.get("per_page", default))
        except ValueError:
            raise ApiError(400, (1004, "page and per_page must be numbers")) from None
        if page < 1 or per_page < 1:
            raise ApiError(400, (1004, "page and per_page must be at least 1"))
        per_page = min(per_page, largest, int(self.conf.get("max_per_page") or largest))
        total_pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page:page * per_page]
        return chunk, {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(items),
                       "total_pages": total_pages}

    def create(self, zone, body):
        if not isinstance(body, dict) or not body.get("type") or body.get("content") in (None, ""):
            raise ApiError(400, (9207, "Request body is invalid."))
        name = str(body.get("name") or "@").rstrip(".").lower()
        name = zone["name"] if name == "@" else name
        if not (name == zone["name"] or name.endswith("." + zone["name"])):
            name = "%s.%s" % (name, zone["name"])
        ttl = body.get("ttl", 1)
        if not isinstance(ttl, int) or not (ttl == 1 or 60 <= ttl <= 86400):
            raise ApiError(400, (9003, "Invalid 'ttl' setting."))
        rtype, content = str(body["type"]).upper(), str(body["content"])
        for record in self.records.values():
            if (record["zone_id"], record["name"], record["type"], record["content"]) == (zone["id"], name, rtype, content):
                raise ApiError(400, (81058, "An identical record already exists."))
        record = {"id": uuid.uuid4().hex, "zone_id": zone["id"], "zone_name": zone["name"], "name": name,
                  "type": rtype, "content": content, "proxiable": False, "proxied": False, "ttl": ttl,
                  "settings": {}, "meta": {}, "comment": body.get("comment"), "tags": [],
                  "created_on": _now(), "modified_on": _now()}
        self.records[record["id"]] = record
        return record

    def handle(self, method, path, query, token, body):
        """(HTTP status, result, result_info) or ApiError."""
        self.authorize(token, method)
        parts = [p for p in path[len(PREFIX):].split("/") if p] if path.startswith(PREFIX + "/") else []
        with self.lock:
            if parts == ["zones"] and method == "GET":
                zones = [z for z in self.zones.values() if query.get("name", z["name"]) == z["name"]
                         and query.get("status", z["status"]) == z["status"]]
                return (200,) + self.page(sorted(zones, key=lambda z: z["name"]), query, 20, 50)
            if len(parts) == 2 and parts[0] == "zones" and method == "GET":
                return 200, self.zone(parts[1]), None
            if len(parts) == 3 and parts[0] == "zones" and parts[2] == "dns_records":
                zone = self.zone(parts[1])
                if method == "POST":
                    return 200, self.create(zone, body), None
                if method == "GET":
                    wanted = [(key, query.get(key) or query.get(key + ".exact")) for key in ("type", "name", "content")]
                    found = [r for r in self.records.values() if r["zone_id"] == zone["id"]
                             and all(v is None or r[k] == v for k, v in wanted)]
                    return (200,) + self.page(found, query, 100, 5000000)
            if len(parts) == 4 and parts[0] == "zones" and parts[2] == "dns_records" and method == "DELETE":
                self.zone(parts[1])
                record = self.records.get(parts[3])
                if record is None or record["zone_id"] != parts[1]:
                    raise ApiError(404, (81044, "Record does not exist."))
                del self.records[parts[3]]
                return 200, {"id": parts[3]}, None
        raise ApiError(404, (7000, "No route for that URI"))

    def authorize(self, header, method):
        if not header:
            raise ApiError(400, (9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers"))
        scheme, sep, token = header.partition(" ")
        if scheme != "Bearer" or not TOKEN_FORMAT.match(token):
            raise ApiError(400, (6003, "Invalid request headers", {"error_chain": [
                {"code": 6111, "message": "Invalid format for Authorization header"}]}))
        access = self.conf["tokens"].get(token)
        if access is None or (method != "GET" and access != "edit"):
            raise ApiError(403, (10000, "Authentication error"))

    # -------------------------------------------------------------- DNS
    def zones_for(self, qname):
        with self.lock:
            zone_name = dnsserve.longest_zone(qname, [z["name"] for z in self.zones.values()])
            if zone_name is None:
                return None, None
            zone = next(z for z in self.zones.values() if z["name"] == zone_name)
            records = {zone_name: {
                "SOA": (3600, ["%s. dns.%s. 1 10000 2400 604800 1" % (zone["name_servers"][0], zone_name)]),
                "NS": (86400, ["%s." % ns for ns in zone["name_servers"]])}}
            for ns in zone["name_servers"]:
                if ns == zone_name or ns.endswith("." + zone_name):
                    records.setdefault(ns, {})["A"] = (86400, [self.conf["ns_address"]])
            for record in self.records.values():
                if record["zone_id"] == zone["id"]:
                    content = record["content"]
                    if record["type"] == "TXT" and not content.startswith('"'):
                        content = '"%s"' % content.replace("\\", "\\\\").replace('"', '\\"')
                    ttl, texts = records.setdefault(record["name"], {}).get(record["type"], (0, []))
                    records[record["name"]][record["type"]] = (record["ttl"] if record["ttl"] > 1 else 300, texts + [content])
            return zone_name, records


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method):
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            body = None
            length = int(self.headers.get("Content-Length") or 0)
            try:
                if length:
                    try:
                        body = json.loads(self.rfile.read(length))
                    except ValueError:
                        raise ApiError(400, (9207, "Request body is invalid.")) from None
                status, result, info = state.handle(method, url.path, query, self.headers.get("Authorization"), body)
                document = {"success": True, "errors": [], "messages": [], "result": result}
                if info is not None:
                    document["result_info"] = info
            except ApiError as exc:
                status, document = exc.status, {"success": False, "errors": exc.errors, "messages": [], "result": None}
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            self._serve("GET")

        def do_POST(self):  # noqa: N802
            self._serve("POST")

        def do_DELETE(self):  # noqa: N802
            self._serve("DELETE")

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    return Handler


def main(argv):
    if len(argv) != 1:
        raise SystemExit(__doc__)
    with open(argv[0]) as handle:
        conf = json.load(handle)
    state = State(conf)
    dnsserve.serve(conf["dns"], lambda wire, proto: dnsserve.authoritative_response(wire, state.zones_for, proto))
    server = ThreadingHTTPServer(dnsserve.split_addr(conf["api"]), make_handler(state))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
