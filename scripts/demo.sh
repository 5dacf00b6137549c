#!/usr/bin/env bash
# The README's main job: bring up a local test CA (Pebble + challtestsrv on loopback, no
# internet) and run the collection's demo playbook against it, twice: the second run shows
# idempotence (nothing changes). The lab is stopped again at the end.
#
#   bash scripts/demo.sh        from any directory, as root on a fresh Debian 12 machine
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SSLCLM_VENVS=py311 bash scripts/bootstrap.sh
VENV="$ROOT/.venv/py311"
LAB_DIR="$ROOT/build/demo-lab"
trap '"$VENV/bin/python" tests/lab/lab.py stop --dir "$LAB_DIR" >/dev/null 2>&1 || true' EXIT

rm -rf "$ROOT/build/demo"  # a fresh demo: new account key, new certificate
"$VENV/bin/python" tests/lab/lab.py start --dir "$LAB_DIR" --instances main
COLLECTIONS="$(bash scripts/stage.sh "$ROOT/build/demo-collections")"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/build/demo-collections"
export PATH="$VENV/bin:$PATH"
echo "collection staged at $COLLECTIONS"

for run in first second; do
    echo
    echo "##### $run run"
    ansible-playbook sslclm.acme.demo -e "demo_lab_json=$LAB_DIR/lab.json" -e "demo_output_dir=$ROOT/build/demo"
done
