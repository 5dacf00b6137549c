"""PowerDNS for the lab: a real authoritative server with an HTTP API (Debian pdns-server + pdns-backend-sqlite3).

Part of the DNS lab of tests/lab/lab.py (the "dns" instance). It answers DNS itself on
127.0.10.6:53 (PowerDNS binds a loopback address lo does not carry, unlike BIND) and its API
on 127.0.0.1:18081; the lab resolver has a static stub for pdns.test, so the "dns" Pebble
validates through it. Fresh SQLite database at every start; the API key is made once per DIR.

Zones, created through the API after start:
  pdns.test         NS ns1.pdns.test (this server)
  silent.pdns.test  NS ns1.pdns.test and ns9.pdns.test, where nothing answers: a record in it
                    never reaches every authoritative server (the propagation check must say so)
"""
import json
import os
import secrets
import sqlite3
import urllib.error
import urllib.request

DNS = "127.0.10.6"
API_HOST, API_PORT = "127.0.0.1", 18081
API = "%s:%d" % (API_HOST, API_PORT)
SILENT_NS = "127.0.10.9"  # the lab resolver's blackhole root: nothing listens there
ZONE = "pdns.test"
SILENT_ZONE = "silent.pdns.test"
SCHEMA = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"
SOA = "ns1.pdns.test. hostmaster.pdns.test. 1 60 60 600 1"


def api_key(lab):
    path = lab.path("pdns-api-key")
    if not os.path.exists(path):
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(24) + "\n")
    with open(path) as f:
        return f.read().strip()


def marker(lab):
    """What pdns_server's argv carries (its own config directory under DIR)."""
    return "--config-dir=" + lab.path("pdns")


def spec(lab):
    return {"name": "pdns", "argv": ["pdns_server", marker(lab)], "env": {}, "marker": marker(lab),
            "listen": ["%s:53" % DNS, API], "url": "http://%s/api/v1/servers/localhost" % API,
            "prepare": lambda unused: prepare(lab), "setup": lambda unused: create_zones(lab)}


def prepare(lab):
    """Empty database from the Debian schema and a config file (0600: it holds the API key)."""
    directory = lab.path("pdns")
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.startswith("pdns.db"):
            os.unlink(os.path.join(directory, name))
    if not os.path.exists(SCHEMA):
        raise OSError("%s is missing: install pdns-backend-sqlite3" % SCHEMA)
    database = os.path.join(directory, "pdns.db")
    with open(SCHEMA) as f:
        connection = sqlite3.connect(database)
        connection.executescript(f.read())
        connection.close()
    conf = "\n".join([
        "launch=gsqlite3", "gsqlite3-database=%s" % database,
        "local-address=%s" % DNS, "local-port=53",
        "api=yes", "api-key=%s" % api_key(lab),
        "webserver=yes", "webserver-address=%s" % API_HOST, "webserver-port=%d" % API_PORT,
        "webserver-allow-from=127.0.0.0/8",
        "socket-dir=%s" % directory, "guardian=no", "daemon=no", "disable-syslog=yes", "setuid=", "setgid=", ""])
    path = os.path.join(directory, "pdns.conf")
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(conf)


def _rrset(name, rtype, *contents):
    return {"name": name + ".", "type": rtype, "ttl": 60, "changetype": "REPLACE",
            "records": [{"content": c, "disabled": False} for c in contents]}


def create_zones(lab):
    zones = {
        ZONE: [_rrset(ZONE, "SOA", SOA), _rrset(ZONE, "NS", "ns1.%s." % ZONE),
               _rrset("ns1." + ZONE, "A", DNS), _rrset("ns9." + ZONE, "A", SILENT_NS),
               _rrset(SILENT_ZONE, "NS", "ns1.%s." % ZONE, "ns9.%s." % ZONE)],
        SILENT_ZONE: [_rrset(SILENT_ZONE, "SOA", SOA.replace("hostmaster.", "hostmaster.silent.")),
                      _rrset(SILENT_ZONE, "NS", "ns1.%s." % ZONE, "ns9.%s." % ZONE)],
    }
    for zone, rrsets in zones.items():
        body = {"name": zone + ".", "kind": "Native", "nameservers": [], "rrsets": rrsets}
        request = urllib.request.Request("http://%s/api/v1/servers/localhost/zones" % API, method="POST",
                                         data=json.dumps(body).encode(),
                                         headers={"X-API-Key": api_key(lab), "Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            opener.open(request, timeout=10).read()
        except urllib.error.HTTPError as exc:
            raise OSError("PowerDNS refused zone %s: HTTP %s %s" % (zone, exc.code, exc.read()[:300]))


def info(lab):
    return {"pdns_api_url": "http://%s" % API, "pdns_api_key": api_key(lab), "pdns_dns": DNS,
            "pdns_zone": ZONE, "pdns_silent_zone": SILENT_ZONE, "pdns_silent_ns": SILENT_NS}
