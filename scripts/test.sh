#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run calls it too).
#
#   bash scripts/test.sh            from any directory, as root on a fresh Debian 12 machine
#
# Stages: unit tests and sanity on ansible-core 2.17 (the floor of meta/runtime.yml) and 2.19
# on Python 3.11 and the newest ansible-core / Python 3.13 (plus compile+import on Python 3.8,
# the oldest host Python), ansible-lint + docs + changelog + galaxy build/install + EE context
# (scripts/lint.sh), the molecule scenarios, the install test (tarball built and installed with
# ansible-galaxy, the demo playbook run from the installed copy: ansible-core 2.17 and newest),
# the README's main job (scripts/demo.sh), then the integration targets against real servers
# (Pebble, challtestsrv, nginx, HAProxy, Apache …) that tests/lab/lab.py and the targets start
# on loopback and stop again, by pid, whatever happens - twice (scripts/integration.sh): with the embedded
# SQLite state and with the state on the lab's PostgreSQL, at once in two network namespaces where it can.
#
# Every stage runs even when an earlier one fails; each prints its time, the last line counts them.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

bash scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }
printf '=== bootstrap: %ss\n' "$SECONDS"

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


stage "units (ansible-core 2.17, Python 3.11)" bash scripts/ansible-test.sh core217 3.11 units
stage "units (ansible-core 2.19, Python 3.11)" bash scripts/ansible-test.sh py311 3.11 units
stage "units (newest ansible-core, Python 3.13)" bash scripts/ansible-test.sh py313 3.13 units
stage "sanity (ansible-core 2.17, Python 3.11)" bash scripts/ansible-test.sh core217 3.11 sanity
stage "sanity (ansible-core 2.19, Python 3.11)" bash scripts/ansible-test.sh py311 3.11 sanity
stage "sanity (newest ansible-core, Python 3.13)" bash scripts/ansible-test.sh py313 3.13 sanity
stage "sanity compile+import (Python 3.8 hosts)" bash scripts/ansible-test.sh py311 3.8 sanity --test compile --test import
stage "lint, docs, changelog, galaxy build + install, EE context" bash scripts/lint.sh
stage "molecule scenarios of the roles" bash scripts/molecule.sh
# (these start their own Pebble and nginx on the demo's ports: before the integration lab)
stage "install test: tarball + demo from the installed copy (ansible-core 2.17)" bash scripts/install-test.sh core217
stage "install test: tarball + demo from the installed copy (newest ansible-core)" bash scripts/install-test.sh py313
stage "README main job: scripts/demo.sh (light set-up, runtime venv)" bash scripts/demo.sh
# The integration suite twice - the state embedded (SQLite), then shared on PostgreSQL (issue 16) - each
# against a lab of its own. In two network namespaces (the lab's loopback addresses are fixed) the two
# run at the same moment, which halves the stage on a machine whose time goes mostly to waiting for
# the servers; where namespaces cannot be made, one after the other.
INTEGRATION_SQLITE="integration against real servers, state embedded (ansible-core 2.19, Python 3.11)"
INTEGRATION_PG="integration again, the state on PostgreSQL (state_url in every target)"

netns_ready() {
    command -v ip >/dev/null 2>&1 || return 1
    ip netns del "$1" >/dev/null 2>&1 || true
    ip netns add "$1" >/dev/null 2>&1 && ip -n "$1" link set lo up >/dev/null 2>&1
}

# run_in_background NS MODE: the suite inside namespace NS; output, exit code and seconds go to build/.
run_in_background() {
    local log="$ROOT/build/integration-$2.log"
    ( start=$SECONDS
      ip netns exec "$1" bash scripts/integration.sh "$2" > "$log" 2>&1
      printf '%s %s\n' "$?" "$((SECONDS - start))" > "$log.rc" ) &
}

# collect NAME MODE: print the log of a background suite and count it like a stage.
collect() {
    local log="$ROOT/build/integration-$2.log" rc secs
    printf '\n=== %s\n' "$1"
    cat "$log"
    read -r rc secs < "$log.rc" || { rc=1; secs=0; }
    if [ "$rc" = 0 ]; then
        passed=$((passed + 1))
        printf '=== %s: passed (%ss, in parallel)\n' "$1" "$secs"
    else
        failed=$((failed + 1))
        failed_names+=("$1")
        printf '=== %s: FAILED (%ss, in parallel)\n' "$1" "$secs"
    fi
}

mkdir -p "$ROOT/build"
if netns_ready sslclm-ci-sqlite && netns_ready sslclm-ci-pg; then
    printf '\n=== integration: both state back ends at once, each in its own network namespace and lab\n'
    start=$SECONDS
    rm -f "$ROOT"/build/integration-*.log.rc
    run_in_background sslclm-ci-sqlite sqlite
    run_in_background sslclm-ci-pg postgresql
    wait
    collect "$INTEGRATION_SQLITE" sqlite
    collect "$INTEGRATION_PG" postgresql
    printf '=== integration, both: %ss wall\n' "$((SECONDS - start))"
    ip netns del sslclm-ci-sqlite >/dev/null 2>&1 || true
    ip netns del sslclm-ci-pg >/dev/null 2>&1 || true
else
    printf '\n(no network namespaces here: the two integration suites run one after the other)\n'
    stage "$INTEGRATION_SQLITE" bash scripts/integration.sh sqlite
    stage "$INTEGRATION_PG" bash scripts/integration.sh postgresql
fi

printf '\n'
if [ "$failed" -gt 0 ]; then
    printf 'failed stages: %s\n' "${failed_names[*]}"
fi
printf 'stages: %d passed, %d failed (%ss in all)\n' "$passed" "$failed" "$SECONDS"
[ "$failed" -eq 0 ]
