#!/usr/bin/env bash
# Fleet benchmark of issue 9: sslclm.acme (one enroll task + a deploy per host) against
# community.crypto's documented per-host pattern, on a local Pebble, same forks, interleaved.
#
#   bash scripts/bench.sh [--sizes 1,10,50] [--forks 5] [--repeats 3] [other bench/bench.py options]
#
# From a clean checkout, as root on Debian 12: installs what it needs (Debian packages and
# .venv/py311 through scripts/bootstrap.sh; .venv/bench with the PyPI `ansible` package, which
# carries community.crypto), starts its own Pebble + challtestsrv and responders on loopback
# (ports 14900/15900/18053/18055/5902, addresses 127.1.x.y and 127.2.x.y), and stops them by pid.
# Writes bench/RESULTS.md; raw data and logs go to build/bench/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[bench] %s\n' "$*" >&2; }

# The PyPI `ansible` release for ansible-core 2.19 (the newest core Python 3.11 takes); it carries community.crypto.
ANSIBLE_PKG='ansible==12.3.0'

SSLCLM_VENVS=py311 bash scripts/bootstrap.sh

VENV="$ROOT/.venv/bench"
PY311="$ROOT/.venv/py311/bin/python"
want="$( { printf '%s\n' "$ANSIBLE_PKG"; cat requirements.txt; "$PY311" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
have="$(cat "$VENV/.bench-stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ] || ! "$VENV/bin/python" -c 'import ansible, acme' >/dev/null 2>&1; then
    base="$("$PY311" -c 'import sys; print(sys.base_prefix)')/bin/python3"
    log "creating $VENV ($ANSIBLE_PKG + requirements.txt) with $base"
    rm -rf "$VENV"
    "$base" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 |
        { grep -v "^WARNING: Location 'file://" || true; } >&2
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$ANSIBLE_PKG" -r requirements.txt 2>&1 |
        { grep -v "^WARNING: Location 'file://" || true; } >&2
    printf '%s\n' "$want" > "$VENV/.bench-stamp"
fi
log "bench venv: $("$VENV/bin/python" -c 'import ansible.release as r; print("ansible-core", r.__version__)')"

exec "$VENV/bin/python" bench/bench.py "$@"
