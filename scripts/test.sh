#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run calls it too).
#
#   bash scripts/test.sh            from any directory, as root on a fresh Debian 12 machine
#
# Stages: unit tests and sanity on ansible-core 2.19 / Python 3.11 and the newest
# ansible-core / Python 3.13 (plus compile+import on Python 3.8, the oldest host Python),
# ansible-lint + docs + changelog + galaxy build/install (scripts/lint.sh), then the
# integration targets against real servers (Pebble, challtestsrv …) that tests/lab/lab.py
# starts on loopback and stops again, by pid, whatever happens.
#
# Every stage runs even when an earlier one fails; the last line counts them.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

bash scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }

LAB_DIR="$ROOT/build/lab"
PY311="$ROOT/.venv/py311/bin/python"
passed=0
failed=0
failed_names=()

stage() {
    local name="$1"; shift
    printf '\n=== %s\n' "$name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        printf '=== %s: passed (%ss)\n' "$name" "$((SECONDS - start))"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        printf '=== %s: FAILED (%ss)\n' "$name" "$((SECONDS - start))"
    fi
}

stop_lab() { "$PY311" tests/lab/lab.py stop --dir "$LAB_DIR" >/dev/null 2>&1 || true; }

start_lab() {
    stop_lab
    "$PY311" tests/lab/lab.py start --dir "$LAB_DIR" &&
        cp "$LAB_DIR/integration_config.yml" tests/integration/integration_config.yml
}

trap stop_lab EXIT

stage "units (ansible-core 2.19, Python 3.11)" bash scripts/ansible-test.sh py311 3.11 units
stage "units (newest ansible-core, Python 3.13)" bash scripts/ansible-test.sh py313 3.13 units
stage "sanity (ansible-core 2.19, Python 3.11)" bash scripts/ansible-test.sh py311 3.11 sanity
stage "sanity (newest ansible-core, Python 3.13)" bash scripts/ansible-test.sh py313 3.13 sanity
stage "sanity compile+import (Python 3.8 hosts)" bash scripts/ansible-test.sh py311 3.8 sanity --test compile --test import
stage "lint, docs, changelog, galaxy build + install" bash scripts/lint.sh
stage "molecule scenarios of the roles" bash scripts/molecule.sh
printf '\n=== lab: Pebble, challtestsrv, BIND, PowerDNS, moto, Cloudflare stand-in on loopback\n'
if start_lab; then
    passed=$((passed + 1))
    stage "integration against real servers (ansible-core 2.19, Python 3.11)" \
        bash scripts/ansible-test.sh py311 3.11 integration
else
    failed=$((failed + 1))
    failed_names+=("lab start")
fi
stop_lab

printf '\n'
if [ "$failed" -gt 0 ]; then
    printf 'failed stages: %s\n' "${failed_names[*]}"
fi
printf 'stages: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
