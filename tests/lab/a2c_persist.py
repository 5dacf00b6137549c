#!/usr/bin/env python
"""acme2certifier with dns-persist-01, for the lab: an ACME server that validates through the lab's BIND.

    a2c_persist.py CONF      CONF: {"listen": "127.0.0.1:14600", "dir": DIR, "resolver": "127.0.10.5",
                                    "issuer": "ca.persist.test", "log": DIR/requests.jsonl}

Every start is a fresh server: a new issuing CA, configuration and database under DIR. acme2certifier
resolves through port 53 of ``resolver`` - the lab relays that address to its BIND resolver, which
asks the authoritative BIND servers of the test zones, so what the CA sees is what BIND serves.
Its ``caaIdentities`` (= the issuer domain names it offers in dns-persist-01 challenges) is
``[issuer]``. Each request is appended to ``log`` as one JSON line (time, method, path, status,
and for a POST the signing account and the JWS payload decoded), so tests count orders and challenge answers.
"""
import base64
import datetime
import io
import json
import os
import subprocess
import sys
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

CONFIG = """[DEFAULT]
debug: False
dns_server_list: ["{resolver}"]

[Nonce]
nonce_check_disable: False

[Directory]
caaidentities: ["{issuer}"]

[Challenge]
challenge_validation_disable: False
challenge_validation_timeout: 10
dns_persist_01_support: True
dns_persist_allow_policy_wildcard: True

[Order]
tnauthlist_support: False
retry_after_timeout: 1

[CAhandler]
handler_module: acme2certifier.cahandlers.openssl_ca_handler
issuing_ca_key: {dir}/ca.key
issuing_ca_cert: {dir}/ca.pem
issuing_ca_crl: {dir}/crl.pem
ca_cert_chain_list: ["{dir}/ca.pem"]
cert_save_path: {dir}/certs
cert_validity_days: 30

[DBhandler]
handler_module: acme2certifier.dbhandlers.wsgi_handler
dbfile: {dir}/a2c.db
"""


def fresh_state(conf):
    """A new issuing CA (openssl), an empty CRL for it, the configuration; the old database goes."""
    directory = conf["dir"]
    os.makedirs(os.path.join(directory, "certs"), exist_ok=True)
    for name in ("a2c.db", "ca.key", "ca.pem", "crl.pem"):
        if os.path.exists(os.path.join(directory, name)):
            os.unlink(os.path.join(directory, name))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", os.path.join(directory, "ca.key"), "-out", os.path.join(directory, "ca.pem"),
                    "-days", "365", "-subj", "/CN=sslclm dns-persist test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                   check=True, capture_output=True)
    os.chmod(os.path.join(directory, "ca.key"), 0o600)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    with open(os.path.join(directory, "ca.pem"), "rb") as handle:
        issuer = x509.load_pem_x509_certificate(handle.read())
    with open(os.path.join(directory, "ca.key"), "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), None)
    now = datetime.datetime.now(datetime.timezone.utc)
    crl = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject).last_update(now)
           .next_update(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    with open(os.path.join(directory, "crl.pem"), "wb") as handle:
        handle.write(crl.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, "acme_srv.cfg"), "w") as handle:
        handle.write(CONFIG.format(**conf))


def jws_parts(body):
    """{url, kid, payload} of a JWS body; the payload decoded as JSON, "" for a POST-as-GET."""
    try:
        jws = json.loads(body)
        protected = json.loads(base64.urlsafe_b64decode(jws["protected"] + "=" * (-len(jws["protected"]) % 4)))
        raw = base64.urlsafe_b64decode(jws.get("payload", "") + "=" * (-len(jws.get("payload", "")) % 4))
        return {"url": protected.get("url"), "kid": protected.get("kid"), "payload": json.loads(raw) if raw else ""}
    except (ValueError, KeyError, TypeError):
        return {}


def logging_app(application, log_path):
    lock = threading.Lock()

    def app(environ, start_response):
        body = b""
        if environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
        status = {}

        def starting(line, headers, exc_info=None):
            status["code"] = int(line.split(" ", 1)[0])
            return start_response(line, headers, exc_info)

        answer = list(application(environ, starting))
        entry = {"ts": time.time(), "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
                 "status": status.get("code")}
        entry.update(jws_parts(body) if body else {})
        with lock, open(log_path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")
        return answer
    return app


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv):
    with open(argv[0]) as handle:
        conf = json.load(handle)
    fresh_state(conf)
    os.environ["ACME_SRV_CONFIGFILE"] = os.path.join(conf["dir"], "acme_srv.cfg")
    os.environ.pop("ACME2CERTIFIER_BASE_DIR", None)
    from acme2certifier.share.acme2certifier_wsgi import application  # reads ACME_SRV_CONFIGFILE on import
    host, port = conf["listen"].rsplit(":", 1)
    server = Server((host, int(port)), QuietHandler)
    server.set_app(logging_app(application, conf["log"]))
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
