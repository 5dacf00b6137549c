#!/usr/bin/env bash
# The README's main job: bring up a local test CA (Pebble + challtestsrv on loopback, no
# internet) and run the collection's demo playbook against it, twice: the first run issues
# a certificate and deploys it to a local nginx (its own configuration, 127.0.0.69:8443),
# verified by a TLS handshake; the second run shows idempotence (nothing changes, no reload).
# The demo nginx and the lab are stopped again at the end, by their pid files.
#
#   bash scripts/demo.sh        from any directory, as root on a fresh Debian 12 machine
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SSLCLM_VENVS=py311 bash scripts/bootstrap.sh
VENV="$ROOT/.venv/py311"
LAB_DIR="$ROOT/build/demo-lab"
DEMO_DIR="$ROOT/build/demo"

# The playbook starts nginx -c build/demo/nginx/nginx.conf; stop exactly that master, by its
# pid file, and only if that process really runs with this configuration.
stop_demo_nginx() {
    local conf="$DEMO_DIR/nginx/nginx.conf" pid
    pid="$(cat "$DEMO_DIR/nginx/nginx.pid" 2>/dev/null)" || return 0
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $conf" || return 0
    kill -QUIT "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}
trap 'stop_demo_nginx; "$VENV/bin/python" tests/lab/lab.py stop --dir "$LAB_DIR" >/dev/null 2>&1 || true' EXIT

stop_demo_nginx            # one left over from an interrupted demo
rm -rf "$DEMO_DIR"  # a fresh demo: new account key, new certificate
"$VENV/bin/python" tests/lab/lab.py start --dir "$LAB_DIR" --instances main
COLLECTIONS="$(bash scripts/stage.sh "$ROOT/build/demo-collections")"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/build/demo-collections"
export PATH="$VENV/bin:$PATH"
echo "collection staged at $COLLECTIONS"

for run in first second; do
    echo
    echo "##### $run run"
    ansible-playbook sslclm.acme.demo -e "demo_lab_json=$LAB_DIR/lab.json" -e "demo_output_dir=$DEMO_DIR"
done
