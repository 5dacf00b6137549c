#!/usr/bin/env python
"""Local ACME test lab: Pebble instances + pebble-challtestsrv, on loopback only.

CLI:    python tests/lab/lab.py start|stop|status --dir DIR [--instances main,eab,flaky,dns]
        python tests/lab/lab.py restart --dir DIR --instances short   (one Pebble, with a fresh database)
        python tests/lab/lab.py database --dir DIR --name NAME   (a PostgreSQL database; prints its URL)
Module: Lab(dir).start(instances=...) -> dict (= DIR/lab.json), .stop(), .add_a(),
        .set_txt(), .clear_txt(), .pebble_roots().
Needs Debian's `pebble` 2.4.0 and `cryptography`. Every listener is on 127.0.0.0/8;
processes are tracked and stopped only through the pid files in DIR, never by name.

The Pebble instance "dns" brings the DNS lab with it (see DNS_SERVERS): BIND9 primary and
secondary for RFC 2136 with TSIG, a BIND resolver that Pebble asks, moto server for the
Route 53 API and the DNS it implies, a Cloudflare API stand-in with its DNS, PowerDNS
with its HTTP API (powerdns.py), and an acme2certifier with dns-persist-01 that validates
through BIND (a2c_persist.py). Every start also brings tinyproxy (tinyproxy.py: an HTTP proxy with
credentials on 127.0.10.7:8888, Debian tinyproxy). The DNS lab needs `named`/`tsig-keygen` (Debian bind9), `pdns_server`
(Debian pdns-server, pdns-backend-sqlite3), dnspython, boto3, moto[server] and acme2certifier.
"""
import argparse
import base64
import datetime
import glob
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import powerdns  # noqa: E402  pylint: disable=wrong-import-position
import tinyproxy  # noqa: E402  pylint: disable=wrong-import-position

START_TIMEOUT = 30.0  # seconds for each server to answer
STOP_TIMEOUT = 10.0   # seconds between SIGTERM and SIGKILL

# challtestsrv binds every interface unless each listener is given explicitly.
# -defaultIPv6 "" matters: Pebble 2.4.0 dials the first AAAA answer, and the default
# ::1 would bypass the 127.0.0.x responders registered with add_a().
CHALLTESTSRV = {"management": "127.0.0.1:8055", "dns01": "127.0.0.1:8053"}

# One entry per Pebble instance, all on HOST. Keys: port, management; optional
# eab (True: require EAB, key kid-1 generated once per DIR), env (extra environment,
# e.g. PEBBLE_ALTERNATE_ROOTS), config (extra Pebble 2.4.0 config keys, e.g.
# certificateValidityPeriod in seconds), dnsserver (default: challtestsrv's DNS).
HOST = "127.0.0.1"
INSTANCES = {
    # Tests count "POST /order-plz" lines in main's and dns's logs; Pebble's default 5 % nonce rejection
    # would add rejected POSTs to that count, so they reject none (the "flaky" instance tests rejection).
    "main": {"port": 14000, "management": 15000, "env": {"PEBBLE_WFE_NONCEREJECT": "0"}},
    "eab": {"port": 14100, "management": 15100, "eab": True},
    "flaky": {"port": 14200, "management": 15200, "env": {"PEBBLE_WFE_NONCEREJECT": "50"}},
    "alt": {"port": 14300, "management": 15300, "env": {"PEBBLE_ALTERNATE_ROOTS": "2"}},
    # DNS-01 through real authoritative servers: Pebble asks the lab's BIND resolver.
    "dns": {"port": 14400, "management": 15400, "dnsserver": "127.0.0.1:10055", "needs_dns": True,
            "env": {"PEBBLE_WFE_NONCEREJECT": "0"}},
    # Short-lived certificates (300 s): due by the renewal threshold (half) within a test run.
    "short": {"port": 14500, "management": 15500, "config": {"certificateValidityPeriod": 300}},
}
DEFAULT_INSTANCES = ("main", "eab", "flaky", "alt", "dns", "short", "postgres")
# tinyproxy on 127.0.10.7:8888 with every start; the benchmark, which runs beside the test lab, turns it off
WITH_PROXY = True
# Not a Pebble: "postgres" in the instance list starts PostgreSQL (shared state) on loopback.
POSTGRES = "127.0.0.1:15432"
# Debian's postgresql package installs the server per major version; the newest present is used.
POSTGRES_BIN = (sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
                or ["/usr/lib/postgresql/bin"])[-1]
POSTGRES_USER = "sslclm"
EAB_KID = "kid-1"

# ------------------------------------------------------------------ DNS lab
# BIND only listens on addresses configured on an interface (lo carries 127.0.0.1 alone),
# so each BIND server listens on 127.0.0.1:100xx and dnsserve.py relays the address its
# NS record names - port 53, as for any authoritative server - to it. The relay copies
# DNS messages byte for byte; primary and secondary talk to each other directly.
HERE = os.path.dirname(os.path.abspath(__file__))
BIND_NS1, BIND_NS2, BIND_RESOLVER = "127.0.0.1:10053", "127.0.0.1:10054", "127.0.0.1:10055"
NS1, NS2, ROUTE53_DNS, CLOUDFLARE_DNS = "127.0.10.1", "127.0.10.2", "127.0.10.3", "127.0.10.4"
RESOLVER_53 = "127.0.10.5"  # the BIND resolver on port 53 (relayed), for servers that only ask port 53
# acme2certifier with dns-persist-01 (a2c_persist.py): it validates through RESOLVER_53, so through BIND.
A2C_PERSIST, A2C_PERSIST_ISSUER = "127.0.0.1:14600", "ca.persist.test"
BLACKHOLE = "127.0.10.9"  # the resolver's root hint: nothing listens there, so no query leaves the machine
MOTO = "127.0.0.1:5000"
CLOUDFLARE_API = "127.0.0.1:5080"
# BIND zones on ns1 (primary) and ns2 (secondary). notify: ns2 follows ns1 within seconds;
# without it ns2 keeps the copy it transferred at start (refresh 1 day): a lagging server.
# keys: TSIG keys that may change TXT records there; admin-key may change anything (test set-up).
BIND_ZONES = {
    "acme.test": {"notify": True, "keys": ["acme-key"]},
    "delegated.test": {"notify": True, "keys": ["delegated-key"]},
    "lag.test": {"notify": False, "keys": ["acme-key"]},
}
TSIG_KEYS = ("acme-key", "delegated-key", "admin-key")
ROUTE53_ZONE = "r53.test"  # tests create hosted zones below it in moto
CLOUDFLARE_ZONES = ("cf.test", "sub.cf.test")
CLOUDFLARE_MAX_PER_PAGE = 5  # the stand-in's test knob: lists of more than 5 records paginate
# moto server started through python -c so that its argv carries the lab's conf path (the pid marker).
MOTO_CODE = ("import json, sys; from moto.server import main; c = json.load(open(sys.argv[1])); "
             "main(['-H', c['host'], '-p', str(c['port'])])")


def _zone_file(zone, refresh):
    return "\n".join([
        "$TTL 60",
        "@ IN SOA ns1.{z}. hostmaster.{z}. 1 {r} 600 864000 1".format(z=zone, r=refresh),
        "@ IN NS ns1.{z}.".format(z=zone),
        "@ IN NS ns2.{z}.".format(z=zone),
        "ns1 IN A %s" % NS1,
        "ns2 IN A %s" % NS2,
        ""])


def _bind_options(directory, listen, extra):
    host, port = listen.rsplit(":", 1)
    return "\n".join([
        "options {",
        '  directory "%s";' % directory,
        "  listen-on port %s { %s; };" % (port, host),
        "  listen-on-v6 { none; };",
        "  pid-file none;",
        '  session-keyfile "%s/session.key";' % directory,
        '  managed-keys-directory "%s";' % directory,
        "  dnssec-validation no;",
        "  allow-query { 127.0.0.0/8; };",
    ] + ["  %s" % line for line in extra] + ["};", "controls { };", ""])


# Servers started by this process, pid -> Popen. Keeping them referenced avoids
# Popen's "still running" ResourceWarning; polling them reaps our own zombies.
_CHILDREN = {}


class LabError(Exception):
    pass


def _check_loopback(addr):
    """Refuse anything outside 127.0.0.0/8 (addr: 'ip' or 'ip:port')."""
    ip = addr.rsplit(":", 1)[0] if addr.count(":") == 1 else addr
    if ipaddress.ip_address(ip) not in ipaddress.ip_network("127.0.0.0/8"):
        raise LabError("refusing non-loopback address %r" % addr)


def _port_busy(addr):
    host, port = addr.rsplit(":", 1)
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, int(port))) == 0


def _dns_ready(server, zones):
    """True when ``server`` ('ip:port') answers: with ``zones``, an authoritative SOA for each
    (a secondary is ready once it holds them); with a name, an A record; with None, anything."""
    import dns.exception  # the DNS lab needs dnspython; the Pebble-only lab does not
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    host, port = server.rsplit(":", 1)
    questions = [(z, "SOA") for z in zones] if isinstance(zones, list) else [(zones or "probe.invalid", "A")]
    for qname, rdtype in questions:
        try:
            response = dns.query.udp(dns.message.make_query(qname, rdtype), host, port=int(port), timeout=1.0)
        except (OSError, dns.exception.DNSException):
            return False
        if zones is None:
            continue
        if response.rcode() != dns.rcode.NOERROR or not response.answer:
            return False
        if isinstance(zones, list) and not response.flags & dns.flags.AA:
            return False
    return True


def _reap(pid):
    proc = _CHILDREN.get(pid)
    if proc is not None and proc.poll() is not None:
        del _CHILDREN[pid]
        return True
    return False


def _alive(pid, marker):
    """True if pid runs and (given procfs) its argv contains marker, so that a
    recycled pid is never mistaken for, or killed as, one of ours."""
    if _reap(pid):
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or another user's: not ours
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                _reap(pid)
                return False
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return marker in f.read().decode(errors="replace").split("\0")
    except OSError:
        return not os.path.isdir("/proc")  # no procfs: trust kill(0)


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _read_pid(pidfile):
    text = _read(pidfile).strip()
    return int(text) if text.isdigit() else None


def _write(path, data, mode=0o644):
    tmp = path + ".tmp"
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


class Lab:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.ca = self.path("ca.pem")
        self._ssl = None

    def path(self, *names):
        return os.path.join(self.dir, *names)

    # ------------------------------------------------------------------ files
    def _ensure_certs(self):
        """Lab CA + server cert for localhost/127.0.0.1, created once, then reused."""
        cert, key = self.path("server.pem"), self.path("server.key")
        if all(os.path.exists(p) for p in (self.ca, cert, key)):
            return
        now = datetime.datetime.now(datetime.timezone.utc)
        ca_key, srv_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sslclm.acme lab CA")])

        def build(subject, pub, exts):
            b = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(pub)
                 .serial_number(x509.random_serial_number())
                 .not_valid_before(now - datetime.timedelta(days=1))
                 .not_valid_after(now + datetime.timedelta(days=3650)))
            for ext, critical in exts:
                b = b.add_extension(ext, critical=critical)
            return b.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

        ca_pub = ca_key.public_key()
        ca_pem = build(ca_name, ca_pub, [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
            (x509.SubjectKeyIdentifier.from_public_key(ca_pub), False)])
        srv_pem = build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
                        srv_key.public_key(), [
            (x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                          x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_pub), False)])
        _write(key, srv_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()), 0o600)
        _write(cert, srv_pem)
        _write(self.ca, ca_pem)  # last: its presence marks a complete set

    def eab_hmac_key(self):
        """base64url (no padding) 256-bit key, generated once and kept in DIR."""
        path = self.path("eab-hmac.key")
        if not os.path.exists(path):
            _write(path, base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=") + b"\n", 0o600)
        with open(path) as f:
            return f.read().strip()

    def tsig_keys(self):
        """{key name: base64 secret} (hmac-sha256), made once per DIR by BIND's tsig-keygen."""
        path = self.path("tsig-keys.conf")
        if not os.path.exists(path):
            text = "".join(subprocess.run(["tsig-keygen", "-a", "hmac-sha256", name], check=True, capture_output=True,
                                          text=True).stdout for name in TSIG_KEYS)
            _write(path, text, 0o600)
        found = re.findall(r'key "([^"]+)" \{\s*algorithm hmac-sha256;\s*secret "([^"]+)";', _read(path))
        return dict(found)

    def cloudflare_tokens(self):
        """(edit token, read-only token): 40 characters like Cloudflare's, made once per DIR."""
        path = self.path("cloudflare-tokens")
        if not os.path.exists(path):
            _write(path, "%s\n%s\n" % (secrets.token_urlsafe(30), secrets.token_urlsafe(30)), 0o600)
        edit, read = _read(path).split()
        return edit, read

    def _dns_specs(self):
        """The DNS lab, in start order (each server's readiness is checked before the next starts)."""
        self.tsig_keys()  # the key file exists before any named reads it
        keyfile = self.path("tsig-keys.conf")
        specs = []
        zones = []
        for zone, conf in sorted(BIND_ZONES.items()):
            policy = " ".join("grant %s zonesub TXT;" % k for k in conf["keys"]) + " grant admin-key zonesub ANY;"
            notify = "notify explicit; also-notify { %s port %s; };" % tuple(BIND_NS2.split(":")) if conf["notify"] else "notify no;"
            zones.append('zone "%s" { type primary; file "%s.db"; %s update-policy { %s }; };' % (zone, zone, notify, policy))
        secondaries = ['zone "%s" { type secondary; primaries { %s port %s; }; file "%s.sec"; };'
                       % ((zone,) + tuple(BIND_NS1.split(":")) + (zone,)) for zone in sorted(BIND_ZONES)]
        # The resolver Pebble asks: it finds each test zone's authoritative servers by a static stub.
        stubs = dict([(zone, (NS1, NS2)) for zone in BIND_ZONES]
                     + [(ROUTE53_ZONE, (ROUTE53_DNS,)), (CLOUDFLARE_ZONES[0], (CLOUDFLARE_DNS,)),
                        (powerdns.ZONE, (powerdns.DNS,))])
        # "test" itself, as a top-level domain is on the Internet: a CAA look-up climbing from a test name ends there
        # with an empty answer instead of a SERVFAIL from the unreachable root.
        resolver_zones = ['zone "." { type hint; file "root.hint"; };', 'zone "test" { type primary; file "test.db"; };'] + [
            'zone "%s" { type static-stub; server-addresses { %s }; };' % (zone, " ".join(a + ";" for a in addrs))
            for zone, addrs in sorted(stubs.items())]
        for name, listen, options, zone_lines in (
                ("bind-ns1", BIND_NS1, ["recursion no;", "allow-transfer { 127.0.0.1; };"], zones),
                ("bind-ns2", BIND_NS2, ["recursion no;", "notify no;"], secondaries),
                ("bind-resolver", BIND_RESOLVER, ["recursion yes;", "allow-recursion { 127.0.0.0/8; };",
                                                  "max-cache-ttl 1;", "max-ncache-ttl 1;", "notify no;"], resolver_zones)):
            directory = self.path(name)
            conf = _bind_options(directory, listen, options) + "\n".join(
                ['include "%s";' % keyfile] + zone_lines) + "\n"
            specs.append({"name": name, "argv": ["named", "-g", "-c", self.path(name + ".conf")], "env": {},
                          "listen": [listen], "conf_text": conf, "prepare": self._prepare_bind,
                          "dns_ready": (listen, "ns1.acme.test" if name == "bind-resolver" else sorted(BIND_ZONES))})
        relay = {"%s:53" % NS1: BIND_NS1, "%s:53" % NS2: BIND_NS2, "%s:53" % RESOLVER_53: BIND_RESOLVER}
        specs.insert(2, {"name": "dns-relay", "argv": [sys.executable, os.path.join(HERE, "dnsserve.py"), "relay",
                                                       self.path("dns-relay.conf")],
                         "env": {}, "listen": sorted(relay), "conf_text": json.dumps({"relay": relay}, indent=2, sort_keys=True),
                         "dns_ready": ("%s:53" % NS2, sorted(BIND_ZONES))})  # after ns1 and ns2, before the resolver
        host, port = MOTO.split(":")
        specs.append({"name": "moto", "argv": [sys.executable, "-c", MOTO_CODE, self.path("moto.conf")],
                      "env": {"MOTO_ALLOW_NONEXISTENT_REGION": "true"}, "listen": [MOTO],
                      "conf_text": json.dumps({"host": host, "port": int(port)}), "url": "http://%s/" % MOTO})
        specs.append({"name": "route53-dns", "argv": [sys.executable, os.path.join(HERE, "dnsserve.py"), "route53",
                                                      self.path("route53-dns.conf")],
                      "env": {}, "listen": ["%s:53" % ROUTE53_DNS],
                      "conf_text": json.dumps({"listen": "%s:53" % ROUTE53_DNS, "endpoint": "http://%s" % MOTO}),
                      "dns_ready": ("%s:53" % ROUTE53_DNS, None)})
        edit, read = self.cloudflare_tokens()
        cloudflare = {"api": CLOUDFLARE_API, "dns": "%s:53" % CLOUDFLARE_DNS, "zones": list(CLOUDFLARE_ZONES),
                      "tokens": {edit: "edit", read: "read"}, "name_servers": ["ns.%s" % CLOUDFLARE_ZONES[0]],
                      "ns_address": CLOUDFLARE_DNS, "max_per_page": CLOUDFLARE_MAX_PER_PAGE}
        specs.append({"name": "cloudflare", "argv": [sys.executable, os.path.join(HERE, "cloudflare_fake.py"),
                                                     self.path("cloudflare.conf")],
                      "env": {}, "listen": [CLOUDFLARE_API, "%s:53" % CLOUDFLARE_DNS],
                      "conf_text": json.dumps(cloudflare, indent=2, sort_keys=True), "conf_mode": 0o600,
                      "url": "http://%s/client/v4/zones" % CLOUDFLARE_API})
        specs.append(powerdns.spec(self))
        a2c = {"listen": A2C_PERSIST, "dir": self.path("a2c-persist"), "resolver": RESOLVER_53,
               "issuer": A2C_PERSIST_ISSUER, "log": self.path("a2c-persist-requests.jsonl")}
        specs.append({"name": "a2c-persist", "argv": [sys.executable, os.path.join(HERE, "a2c_persist.py"),
                                                      self.path("a2c-persist.conf")],
                      "env": {}, "listen": [A2C_PERSIST], "conf_text": json.dumps(a2c, indent=2, sort_keys=True),
                      "url": "http://%s/directory" % A2C_PERSIST})
        return specs

    def postgres_password(self):
        path = self.path("postgres.password")
        if not os.path.exists(path):
            _write(path, secrets.token_urlsafe(24) + "\n", 0o600)
        return _read(path).strip()

    def _postgres_spec(self):
        data = self.path("postgres", "data")
        return {"name": "postgres", "marker": data, "listen": [POSTGRES], "env": {}, "user": "postgres",
                "argv": [os.path.join(POSTGRES_BIN, "postgres"), "-D", data, "-p", POSTGRES.rsplit(":", maxsplit=1)[1],
                         "-k", self.path("postgres"), "-c", "listen_addresses=" + POSTGRES.split(":", maxsplit=1)[0],
                         "-c", "fsync=off", "-c", "max_connections=200"],
                "prepare": self._prepare_postgres, "tcp_ready": POSTGRES, "setup": self._postgres_databases}

    def _prepare_postgres(self, spec):
        """A cluster of its own, initialised once (initdb refuses root: it runs as postgres)."""
        import pwd
        directory = self.path("postgres")
        user = pwd.getpwnam("postgres")
        os.makedirs(directory, exist_ok=True)
        os.chown(directory, user.pw_uid, user.pw_gid)
        os.chmod(directory, 0o700)
        if os.path.exists(os.path.join(directory, "data", "PG_VERSION")):
            return
        pwfile = os.path.join(directory, "pwfile")
        _write(pwfile, self.postgres_password() + "\n", 0o600)
        os.chown(pwfile, user.pw_uid, user.pw_gid)
        subprocess.run([os.path.join(POSTGRES_BIN, "initdb"), "-D", os.path.join(directory, "data"), "-A", "scram-sha-256",
                        "--pwfile", pwfile, "-U", POSTGRES_USER], user="postgres", group="postgres", extra_groups=[],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, cwd=directory)
        os.unlink(pwfile)

    def postgres_url(self, database="sslclm"):
        return "postgresql://%s:%s@%s/%s" % (POSTGRES_USER, self.postgres_password(), POSTGRES, database)

    def _postgres_databases(self, spec):
        self.create_database("sslclm")

    def create_database(self, name):
        """A database of this name (tests that must not share one make their own)."""
        import psycopg  # the PostgreSQL lab needs psycopg; the rest of the lab does not
        with psycopg.connect(self.postgres_url("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute('CREATE DATABASE "%s"' % name.replace('"', ''))
        return self.postgres_url(name)

    def _prepare_bind(self, spec):
        """Fresh zone data for a BIND server about to start: no journal or transferred copy of an earlier run."""
        directory = self.path(spec["name"])
        os.makedirs(directory, exist_ok=True)
        for entry in os.listdir(directory):
            if entry.endswith((".jnl", ".sec", ".db")):
                os.unlink(os.path.join(directory, entry))
        if spec["name"] == "bind-ns1":
            for zone, conf in BIND_ZONES.items():
                _write(os.path.join(directory, zone + ".db"), _zone_file(zone, 3600 if conf["notify"] else 86400))
        if spec["name"] == "bind-resolver":
            _write(os.path.join(directory, "root.hint"), ". 3600000 NS blackhole.\nblackhole. 3600000 A %s\n" % BLACKHOLE)
            _write(os.path.join(directory, "test.db"), "$TTL 60\n@ IN SOA localhost. hostmaster.localhost. 1 3600 600 864000 1\n"
                                                       "@ IN NS localhost.\n")

    def _specs(self, names):
        """What to run: challtestsrv first, then each named Pebble instance."""
        specs = [{
            "name": "challtestsrv", "env": {}, "marker": CHALLTESTSRV["management"],
            "argv": ["pebble-challtestsrv", "-management", CHALLTESTSRV["management"],
                     "-dns01", CHALLTESTSRV["dns01"], "-http01", "", "-https01", "",
                     "-tlsalpn01", "", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
            "listen": [CHALLTESTSRV["management"]] + CHALLTESTSRV["dns01"].split(","),
            "url": "http://%s/" % CHALLTESTSRV["management"]}]
        # the proxy the acme_proxy target sends the CA's and the DNS APIs' requests through
        if WITH_PROXY:
            specs.append(tinyproxy.spec(self, [inst["port"] for inst in INSTANCES.values()]))
        if "postgres" in names:
            specs.append(self._postgres_spec())
            names = [n for n in names if n != "postgres"]
        for name in names:
            if name not in INSTANCES:
                raise LabError("unknown instance %r (known: %s, postgres)" % (name, ", ".join(INSTANCES)))
        if any(INSTANCES[name].get("needs_dns") for name in names):
            specs.extend(self._dns_specs())
        for name in names:
            inst = INSTANCES[name]
            api, mgmt = "%s:%d" % (HOST, inst["port"]), "%s:%d" % (HOST, inst["management"])
            cfg = {"listenAddress": api, "managementListenAddress": mgmt,
                   "certificate": self.path("server.pem"), "privateKey": self.path("server.key"),
                   "httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "",
                   "externalAccountBindingRequired": bool(inst.get("eab"))}
            if inst.get("eab"):
                cfg["externalAccountMACKeys"] = {EAB_KID: self.eab_hmac_key()}
            cfg.update(inst.get("config", {}))
            conf = self.path("pebble-%s.json" % name)
            specs.append({
                "name": "pebble-" + name, "marker": conf, "listen": [api, mgmt],
                "env": dict({"PEBBLE_VA_NOSLEEP": "1"}, **inst.get("env", {})),
                "argv": ["pebble", "-config", conf, "-dnsserver",
                         inst.get("dnsserver", CHALLTESTSRV["dns01"].split(",", maxsplit=1)[0])],
                "url": "https://%s/dir" % api})
            # Pebble ignores the extra "lab" key; it makes the file a fingerprint of
            # the whole instance, so a changed table entry is never silently reused.
            specs[-1]["config"] = {"pebble": cfg, "lab": {"argv": specs[-1]["argv"], "env": specs[-1]["env"]}}
        for spec in specs:
            spec.update(pid=self.path(spec["name"] + ".pid"), log=self.path(spec["name"] + ".log"))
            if "conf_text" in spec:
                spec["marker"] = self._marker(spec["pid"])
            for addr in spec["listen"]:
                _check_loopback(addr)
        return specs

    # -------------------------------------------------------------- processes
    def _request(self, url, data=None, timeout=5.0):
        # Explicit lab CA and no proxies: REQUESTS_CA_BUNDLE / SSL_CERT_FILE / *_proxy
        # from the environment must never leak into the lab's own requests.
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=self.ca)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=self._ssl))
        body = None if data is None else json.dumps(data).encode()
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with opener.open(req, timeout=timeout) as resp:
            return resp.read()

    def _wait_ready(self, spec, running):
        """Until spec's URL gives any HTTP answer (challtestsrv: 404 on '/'), verified
        against the lab CA, or its DNS probe passes; fail early if the process dies."""
        deadline = time.monotonic() + START_TIMEOUT
        what = spec.get("url") or spec.get("tcp_ready") or "DNS at %s" % spec["dns_ready"][0]
        while time.monotonic() < deadline:
            if not running():
                raise LabError("%s exited during start" % spec["name"])
            if "tcp_ready" in spec:
                if _port_busy(spec["tcp_ready"]):
                    return
                time.sleep(0.1)
                continue
            if "dns_ready" in spec:
                if _dns_ready(*spec["dns_ready"]):
                    return
                time.sleep(0.1)
                continue
            try:
                self._request(spec["url"], timeout=2.0)
                return
            except urllib.error.HTTPError:
                return
            except OSError:  # refused, URLError, certificate errors
                time.sleep(0.1)
        raise LabError("%s did not answer %s within %ss" % (spec["name"], what, START_TIMEOUT))

    def start(self, instances=DEFAULT_INSTANCES):
        """Start challtestsrv and the named Pebble instances, reusing those already
        running from this DIR. On failure, stop what this call started, raise LabError."""
        os.makedirs(self.dir, exist_ok=True)
        self._ensure_certs()
        started = []
        try:
            for spec in self._specs(list(instances)):
                pid = _read_pid(spec["pid"])
                conf = spec.get("conf_text", json.dumps(spec.get("config"), indent=2, sort_keys=True) + "\n")
                has_conf = "config" in spec or "conf_text" in spec
                if pid and _alive(pid, spec["marker"]):  # running from this DIR: reuse it
                    if has_conf and _read(spec["marker"]) != conf:
                        raise LabError("%s runs with another config: stop the lab first" % spec["name"])
                    self._wait_ready(spec, lambda: _alive(pid, spec["marker"]))
                    continue
                for addr in spec["listen"]:  # e.g. a lab started from another DIR
                    if _port_busy(addr):
                        raise LabError("%s: %s is already in use by another process" % (spec["name"], addr))
                if has_conf:
                    _write(spec["marker"], conf, spec.get("conf_mode", 0o644))
                if spec.get("prepare"):
                    spec["prepare"](spec)
                as_user = {"user": spec["user"], "group": spec["user"], "extra_groups": []} if spec.get("user") else {}
                with open(spec["log"], "ab") as log:
                    proc = subprocess.Popen(
                        spec["argv"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                        env=dict(os.environ, **spec["env"]), cwd=self.dir, start_new_session=True, **as_user)
                _CHILDREN[proc.pid] = proc
                started.append(spec["pid"])
                _write(spec["pid"], "%d\n" % proc.pid)
                try:
                    self._wait_ready(spec, lambda: proc.poll() is None)
                    if spec.get("setup"):  # e.g. zones created through the server's API
                        try:
                            spec["setup"](spec)
                        except OSError as exc:
                            raise LabError("%s set-up failed: %s" % (spec["name"], exc)) from None
                except LabError as exc:
                    tail = "".join(_read(spec["log"]).splitlines(True)[-30:])
                    raise LabError("%s\n--- tail of %s ---\n%s" % (exc, spec["log"], tail)) from None
        except BaseException:
            self._stop_pidfiles(started[::-1])
            raise
        info = self.info()
        _write(self.path("lab.json"), json.dumps(info, indent=2, sort_keys=True) + "\n")
        # JSON scalars are valid YAML, so integration_config.yml needs no YAML library.
        _write(self.path("integration_config.yml"), "# Generated by tests/lab/lab.py\n" + "".join(
            "%s: %s\n" % (k, json.dumps(v)) for k, v in sorted(info.items())))
        return info

    def info(self):
        """Connection data for challtestsrv and every instance running from this DIR."""
        info = {"lab_dir": self.dir, "lab_script": os.path.abspath(__file__), "lab_ca_bundle": self.ca,
                "challtestsrv_management": "http://" + CHALLTESTSRV["management"],
                "challtestsrv_dns": CHALLTESTSRV["dns01"].split(",", maxsplit=1)[0]}
        running = self.status()
        for name, inst in INSTANCES.items():
            if running.get("pebble-" + name):
                pre = "pebble_%s_" % name
                info[pre + "directory"] = "https://%s:%d/dir" % (HOST, inst["port"])
                info[pre + "management"] = "https://%s:%d" % (HOST, inst["management"])
                info[pre + "log"] = self.path("pebble-%s.log" % name)
                if inst.get("eab"):
                    info[pre + "kid"], info[pre + "hmac_key"] = EAB_KID, self.eab_hmac_key()
        if running.get("bind-ns1"):
            info.update(self._dns_info())
        if running.get("postgres"):
            info.update(postgres_url=self.postgres_url(), postgres_address=POSTGRES,
                        postgres_dump=os.path.join(POSTGRES_BIN, "pg_dump"))
        if running.get("pdns"):
            info.update(powerdns.info(self))
        if running.get("tinyproxy"):
            info.update(tinyproxy.info(self))
        return info

    def _dns_info(self):
        keys = self.tsig_keys()
        edit, read = self.cloudflare_tokens()
        info = {"dns_resolver": BIND_RESOLVER, "dns_ns1": NS1, "dns_ns2": NS2,
                "dns_ns1_bind": BIND_NS1, "dns_ns2_bind": BIND_NS2,
                "dns_zone_acme": "acme.test", "dns_zone_delegated": "delegated.test", "dns_zone_lag": "lag.test",
                "dns_tsig_algorithm": "hmac-sha256",
                "route53_endpoint": "http://%s" % MOTO, "route53_dns": ROUTE53_DNS, "route53_parent_zone": ROUTE53_ZONE,
                "cloudflare_api_url": "http://%s/client/v4" % CLOUDFLARE_API, "cloudflare_dns": CLOUDFLARE_DNS,
                "cloudflare_zone": CLOUDFLARE_ZONES[0], "cloudflare_subzone": CLOUDFLARE_ZONES[1],
                "cloudflare_token": edit, "cloudflare_readonly_token": read,
                "cloudflare_max_per_page": CLOUDFLARE_MAX_PER_PAGE, "dns_resolver_53": RESOLVER_53,
                "dns_ns1_log": self.path("bind-ns1.log"),
                "a2c_persist_directory": "http://%s/directory" % A2C_PERSIST, "a2c_persist_issuer": A2C_PERSIST_ISSUER,
                "a2c_persist_requests": self.path("a2c-persist-requests.jsonl")}
        for name in TSIG_KEYS:
            short = name.split("-", maxsplit=1)[0]
            info["dns_tsig_%s_name" % short] = name
            info["dns_tsig_%s_secret" % short] = keys[name]
        return info

    def _marker(self, pidfile):
        """What the server's argv carries: challtestsrv its address, Pebble its JSON config,
        the DNS lab servers their conf file."""
        name = os.path.basename(pidfile)[:-len(".pid")]
        if name == "challtestsrv":
            return CHALLTESTSRV["management"]
        if name == "postgres":
            return self.path("postgres", "data")
        if name == "pdns":
            return powerdns.marker(self)
        return self.path(name + (".json" if name.startswith("pebble-") else ".conf"))

    def status(self):
        """{server name: pid, or None if its pid file is stale} for every pid file in DIR."""
        names = sorted(os.listdir(self.dir)) if os.path.isdir(self.dir) else []
        pids = {f[:-4]: _read_pid(self.path(f)) for f in names if f.endswith(".pid")}
        return {n: p if p and _alive(p, self._marker(n + ".pid")) else None for n, p in pids.items()}

    def stop(self, only=None):
        """Stop everything listed by pid files in DIR (challtestsrv last), or the servers named in ``only``
        (``postgres``, or Pebble instance names). Idempotent."""
        names = sorted(self.status(), key=lambda n: n == "challtestsrv")
        if only:
            names = [n for n in names if n in only or n[len("pebble-"):] in only]
        self._stop_pidfiles([self.path(n + ".pid") for n in names])

    def _stop_pidfiles(self, pidfiles):
        victims = [(p, self._marker(f)) for f in pidfiles for p in [_read_pid(f)] if p]
        victims = [v for v in victims if _alive(*v)]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid, unused_marker in victims:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + STOP_TIMEOUT
            while victims and time.monotonic() < deadline:
                victims = [v for v in victims if _alive(*v)]
                time.sleep(0.05)
        for pidfile in pidfiles:
            if os.path.exists(pidfile):
                os.unlink(pidfile)
        if victims:
            raise LabError("still running after SIGKILL: %s" % [v[0] for v in victims])

    def restart(self, instance):
        """Stop one server and start it again: a Pebble instance loses its database (accounts, orders,
        certificates) and its roots, as after a crash or a reset; PostgreSQL keeps its data. The other
        servers keep running."""
        if instance not in INSTANCES and instance != "postgres":
            raise LabError("unknown instance %r (known: %s, postgres)" % (instance, ", ".join(INSTANCES)))
        self.stop([instance])
        return self.start_running_and([instance])

    def start_running_and(self, names):
        """Start ``names`` next to the servers running from this DIR (those are reused)."""
        running = [n[len("pebble-"):] if n.startswith("pebble-") else n for n, pid in self.status().items() if pid]
        wanted = [n for n in INSTANCES if n in running or n in names]
        if "postgres" in running or "postgres" in names:
            wanted.append("postgres")
        return self.start(wanted)

    # ----------------------------------------------- challtestsrv / Pebble APIs
    def _challtestsrv(self, endpoint, payload):
        self._request("http://%s/%s" % (CHALLTESTSRV["management"], endpoint), payload)

    def add_a(self, host, addresses):
        """Make challtestsrv's DNS resolve host to the given loopback address(es)."""
        addresses = [addresses] if isinstance(addresses, str) else list(addresses)
        for addr in addresses:
            _check_loopback(addr)
        self._challtestsrv("add-a", {"host": host, "addresses": addresses})

    def set_txt(self, host, value):
        """Add a TXT value for host (values append; clear_txt() drops them all)."""
        self._challtestsrv("set-txt", {"host": host.rstrip(".") + ".", "value": value})

    def clear_txt(self, host):
        self._challtestsrv("clear-txt", {"host": host.rstrip(".") + "."})

    def pebble_roots(self, instance="main", index=0):
        """PEM of the instance's root /roots/INDEX (new at every Pebble start)."""
        port = INSTANCES[instance]["management"]
        return self._request("https://%s:%d/roots/%d" % (HOST, port, index)).decode()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("action", choices=("start", "stop", "status", "restart", "start-one", "database"))
    parser.add_argument("--dir", required=True, help="state directory (certs, configs, logs, pid files)")
    parser.add_argument("--instances", default=None,
                        help="comma-separated Pebble instances (known: %s; dns brings the DNS lab); "
                             "restart takes one" % ", ".join(INSTANCES))
    parser.add_argument("--name", default=None, help="database: the PostgreSQL database to create (prints its URL)")
    args = parser.parse_args(argv)
    lab = Lab(args.dir)
    try:
        names = [n for n in (args.instances or "").split(",") if n]
        if args.action == "start":
            info = lab.start(names or list(DEFAULT_INSTANCES))
            for name, pid in lab.status().items():
                url = info.get(name.replace("-", "_") + "_directory", info["challtestsrv_management"]
                               if name == "challtestsrv" else "")
                print("%-14s pid %-8s %s" % (name, pid, url))
            print("wrote %s and integration_config.yml" % lab.path("lab.json"))
        elif args.action == "start-one":
            lab.start_running_and(names)
            print("started %s" % ", ".join(names))
        elif args.action == "restart":
            lab.restart(args.instances)
            print("restarted %s" % args.instances)
        elif args.action == "database":
            if not args.name or not re.match(r"^[a-z][a-z0-9_]{0,62}$", args.name):
                raise LabError("database needs --name (lower case letters, digits, _)")
            print(lab.create_database(args.name))
        elif args.action == "stop":
            lab.stop(names)
            print("stopped %s in %s" % (", ".join(names) or "everything", lab.dir))
        else:
            status = lab.status()
            for name, pid in status.items():
                print("%-14s %s" % (name, "running, pid %d" % pid if pid else "NOT running (stale pid file)"))
            if not status:
                print("nothing started in %s" % lab.dir)
            return 0 if status and all(status.values()) else 1
    except (LabError, OSError) as exc:
        print("lab %s failed: %s" % (args.action, exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
