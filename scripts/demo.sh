#!/usr/bin/env bash
# The README's main job: bring up a local test CA (Pebble + challtestsrv on loopback, no
# internet), install the collection the way users do (ansible-galaxy collection build, then
# ansible-galaxy collection install of that tarball into an empty collections path) and run
# its demo playbook from the installed copy, twice: the first run issues a certificate and
# deploys it to a local nginx (its own configuration, 127.0.0.69:8443), verified by a TLS
# handshake; the second run shows idempotence (nothing changes, no reload).
# The demo nginx and the lab are stopped again at the end, by their pid files.
#
#   bash scripts/demo.sh        from any directory, as root on a fresh Debian 12 machine
#
# It installs only what the demo needs: Debian pebble, nginx-light, openssl, python3-venv and
# a runtime-only virtual environment (.venv/runtime: ansible-core + requirements.txt); the
# test toolchain stays with scripts/test.sh.
#
# Environment (used by scripts/install-test.sh):
#   SSLCLM_DEMO_VENV=DIR   run with this venv's ansible-core; no bootstrap at all
#   SSLCLM_DEMO_DIR=DIR    output directory (default build/demo; the lab runs in DIR-lab)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -n "${SSLCLM_DEMO_VENV:-}" ]; then
    VENV="$(cd "$SSLCLM_DEMO_VENV" && pwd)"
else
    SSLCLM_APT=demo SSLCLM_VENVS=runtime bash scripts/bootstrap.sh
    VENV="$ROOT/.venv/runtime"
fi
DEMO_DIR="$(mkdir -p "${SSLCLM_DEMO_DIR:-$ROOT/build/demo}" && cd "${SSLCLM_DEMO_DIR:-$ROOT/build/demo}" && pwd)"
LAB_DIR="$DEMO_DIR-lab"
COLLECTIONS="$DEMO_DIR/collections"

# The playbook starts nginx -c DEMO_DIR/nginx/nginx.conf; stop exactly that master, by its
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
trap 'stop_demo_nginx; "$VENV/bin/python" "$ROOT/tests/lab/lab.py" stop --dir "$LAB_DIR" >/dev/null 2>&1 || true' EXIT

stop_demo_nginx            # one left over from an interrupted demo
rm -rf "$DEMO_DIR"         # a fresh demo: new account key, new certificate, empty collections path
mkdir -p "$DEMO_DIR"
"$VENV/bin/python" "$ROOT/tests/lab/lab.py" start --dir "$LAB_DIR" --instances main

export PATH="$VENV/bin:$PATH"
# Only the demo's collections path: a copy elsewhere (~/.ansible/collections) is neither
# used nor makes "ansible-galaxy collection install" think there is nothing to do.
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
echo
echo "##### install: ansible-galaxy collection build + install (ansible-core $("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)'))"
ansible-galaxy collection build --output-path "$DEMO_DIR/dist" "$ROOT"
tarball="$(ls "$DEMO_DIR"/dist/sslclm-acme-*.tar.gz)"
ansible-galaxy collection install --offline -p "$COLLECTIONS" "$tarball"

# Run from the output directory: nothing of the source tree is on any path Ansible searches.
cd "$DEMO_DIR"
for run in first second; do
    echo
    echo "##### $run run"
    ansible-playbook sslclm.acme.demo -e "demo_lab_json=$LAB_DIR/lab.json" -e "demo_output_dir=$DEMO_DIR"
done
