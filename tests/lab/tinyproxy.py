"""tinyproxy for the lab: an HTTP proxy with Basic credentials on loopback (Debian's tinyproxy).

Part of every lab start (tests/lab/lab.py). It listens on 127.0.10.7:8888 (a loopback address of its
own: lo carries all of 127.0.0.0/8), asks for the user "lab" and a password made once per DIR (0600
file), allows CONNECT only to the Pebble instances' API ports, and logs every request line - the
"Request (file descriptor N): CONNECT 127.0.0.1:14000 HTTP/1.1" lines the acme_proxy target counts -
to tinyproxy-requests.log. It runs in the foreground (-d) under the lab's pid file and is stopped by pid.
"""
import os
import secrets

HOST, PORT = "127.0.10.7", 8888
ADDRESS = "%s:%d" % (HOST, PORT)
USER = "lab"


def password(lab):
    path = lab.path("tinyproxy-password")
    if not os.path.exists(path):
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(18) + "\n")
    with open(path) as f:
        return f.read().strip()


def config(lab, connect_ports):
    lines = ["Port %d" % PORT, "Listen %s" % HOST, "Timeout 60", "MaxClients 50", "Allow 127.0.0.0/8",
             'LogFile "%s"' % lab.path("tinyproxy-requests.log"), "LogLevel Info", "DisableViaHeader Yes",
             "BasicAuth %s %s" % (USER, password(lab))]
    lines += ["ConnectPort %d" % port for port in sorted(set(connect_ports))]
    return "\n".join(lines) + "\n"


def spec(lab, connect_ports):
    conf = lab.path("tinyproxy.conf")
    return {"name": "tinyproxy", "argv": ["tinyproxy", "-d", "-c", conf], "env": {}, "listen": [ADDRESS],
            "conf_text": config(lab, connect_ports), "conf_mode": 0o600, "tcp_ready": ADDRESS}


def info(lab):
    secret = password(lab)
    return {"proxy_address": ADDRESS, "proxy_user": USER, "proxy_password": secret,
            "proxy_url": "http://%s:%s@%s" % (USER, secret, ADDRESS), "proxy_url_anonymous": "http://%s" % ADDRESS,
            "proxy_log": lab.path("tinyproxy-requests.log")}
