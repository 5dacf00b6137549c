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
# The integration suite twice - the state embedded (SQLite) and shared on PostgreSQL (issue 16) - each
# against a lab of its own, at the same moment in two network namespaces where they can be made.
stage "integration against real servers, state embedded and on PostgreSQL (ansible-core 2.19, Python 3.11)" \
    bash scripts/integration.sh both

printf '\n'
if [ "$failed" -gt 0 ]; then
    printf 'failed stages: %s\n' "${failed_names[*]}"
fi
printf 'stages: %d passed, %d failed (%ss in all)\n' "$passed" "$failed" "$SECONDS"
[ "$failed" -eq 0 ]
