#!/usr/bin/env bash
# The integration suite against a lab of its own, with the controller state in one of its two back ends:
#
#   bash scripts/integration.sh sqlite [TARGET...]       the embedded default (SQLite file and files under HOME)
#   bash scripts/integration.sh postgresql [TARGET...]   the shared state on the lab's PostgreSQL (issue 16)
#   bash scripts/integration.sh both [TARGET...]         the two, at the same moment in two network namespaces
#                                                        (one after the other where namespaces cannot be made)
#
# Starts tests/lab/lab.py in build/lab-MODE, stages the collection into build/stage-integration-MODE with
# that lab's integration_config.yml, runs every target (or those named; a failing target does not stop the
# others: --continue-on-error), stops the lab by pid whatever happens. Two modes can run at once only in
# separate network namespaces (the lab's addresses are fixed; scripts/test.sh does that when it can).
#
# postgresql: every target's environment gets SSLCLM_ACME_STATE_URL (a fresh database) and
# SSLCLM_ACME_STATE_KEY, so every module and role run keeps its ledger, budgets, locks, orders in flight
# and pending certificates there. state_postgresql is left out (it sets its own state_url per controller).
# Afterwards the database must hold the suite's issuances - a suite that silently fell back to SQLite
# fails here - and its dump no private key in clear.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
PY="$ROOT/.venv/py311/bin/python"
MODE="${1:-}"
shift || true
case "$MODE" in
    sqlite|postgresql|both) ;;
    *) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | grep -v '^set ' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

netns_ready() {
    command -v ip >/dev/null 2>&1 || return 1
    ip netns del "$1" >/dev/null 2>&1 || true
    ip netns add "$1" >/dev/null 2>&1 && ip -n "$1" link set lo up >/dev/null 2>&1
}

# both: each suite's output goes to build/integration-MODE.log and is printed when both are done, with
# its exit code and time; the lab's addresses are fixed, so at once only in two network namespaces.
if [ "$MODE" = both ]; then
    targets=("$@")
    # run_suite MODE [NETNS]: one suite (in NETNS if given); its output and "exit-code seconds" go to build/
    run_suite() {
        local begin=$SECONDS prefix=()
        [ -n "${2:-}" ] && prefix=(ip netns exec "$2")
        "${prefix[@]}" bash "$ROOT/scripts/integration.sh" "$1" "${targets[@]}" > "$ROOT/build/integration-$1.log" 2>&1
        printf '%s %s\n' "$?" "$((SECONDS - begin))" > "$ROOT/build/integration-$1.rc"
    }
    mkdir -p "$ROOT/build"
    rc=0
    if netns_ready sslclm-it-sqlite && netns_ready sslclm-it-postgresql; then
        echo "=== both state back ends at once, each in its own network namespace and lab"
        run_suite sqlite sslclm-it-sqlite &
        run_suite postgresql sslclm-it-postgresql &
        wait
        ip netns del sslclm-it-sqlite >/dev/null 2>&1 || true
        ip netns del sslclm-it-postgresql >/dev/null 2>&1 || true
    else
        echo "=== no network namespaces here: the two suites run one after the other"
        run_suite sqlite
        run_suite postgresql
    fi
    for mode in sqlite postgresql; do
        read -r code secs < "$ROOT/build/integration-$mode.rc" || { code=1; secs=0; }
        printf '\n=== integration, state %s\n' "$mode"
        cat "$ROOT/build/integration-$mode.log"
        printf '=== integration, state %s: %s (%ss)\n' "$mode" "$([ "$code" = 0 ] && echo passed || echo "FAILED rc=$code")" "$secs"
        [ "$code" = 0 ] || rc=1
    done
    exit "$rc"
fi
LAB_DIR="$ROOT/build/lab-$MODE"

stop_lab() { "$PY" tests/lab/lab.py stop --dir "$LAB_DIR" >/dev/null 2>&1 || true; }
trap stop_lab EXIT
stop_lab
"$PY" tests/lab/lab.py start --dir "$LAB_DIR" || { echo "integration.sh: lab start failed" >&2; exit 1; }

export SSLCLM_INTEGRATION_CONFIG="$LAB_DIR/integration_config.yml"
export SSLCLM_STAGE_DIR="$ROOT/build/stage-integration-$MODE"
if [ "$MODE" = sqlite ]; then
    bash scripts/ansible-test.sh py311 3.11 integration --continue-on-error "$@"
    exit $?
fi

url="$("$PY" tests/lab/lab.py database --dir "$LAB_DIR" --name "suite_$(date +%s)")" || exit 1
key="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
rc=0
SSLCLM_TARGET_ENV="SSLCLM_ACME_STATE_URL=$url SSLCLM_ACME_STATE_KEY=$key" \
    bash scripts/ansible-test.sh py311 3.11 integration --continue-on-error --exclude state_postgresql "$@" || rc=$?

# The suite really ran on PostgreSQL: issuances recorded there, and no private key in clear in a dump.
"$PY" - "$url" "$#" <<'PYEOF' || rc=1
import subprocess
import sys

import psycopg

url, some_targets = sys.argv[1], sys.argv[2] != '0'
with psycopg.connect(url) as conn:
    kinds = dict(conn.execute("SELECT kind, count(*) FROM sslclm_events GROUP BY kind").fetchall())
print("state on PostgreSQL: events by kind %s" % kinds)
if not some_targets and kinds.get('certificate', 0) < 20:
    sys.exit("only %d certificates reached the PostgreSQL state: the suite did not run on it" % kinds.get('certificate', 0))
dump = subprocess.run(["pg_dump", "--no-owner", "--data-only", "--dbname=" + url], check=True,
                      capture_output=True, text=True).stdout
if "PRIVATE KEY" in dump:
    sys.exit("the database dump holds a private key in clear")
print("database dump: no private key in clear")
PYEOF
exit "$rc"
