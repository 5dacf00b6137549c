#!/usr/bin/env bash
# Run ansible-test of one of the bootstrap venvs on a freshly staged copy.
#
#   scripts/ansible-test.sh VENV PYVER ARGS...        (from any directory)
#
#   VENV   py311 | py313 (a .venv/ name) or a path to a venv
#   PYVER  python version passed as --python (3.11 for py311, 3.13 for py313)
#   ARGS   ansible-test arguments, e.g.
#            sanity                      all sanity tests (per-test venvs, cached in ~/.ansible/test)
#            sanity --test validate-modules plugins/modules/foo.py
#            units                       runs tests/unit in the venv itself
#            integration TARGET           (--allow-destructive is added for you)
#
# Stages into build/ansible-test/VENV/ansible_collections/sslclm/acme (so that
# jobs on different venvs do not wipe each other's tree), cds there, runs the
# venv's ansible-test with "--python PYVER" appended, and exits with its code.
# Results (junit, coverage, …) stay under that copy's tests/output/.
# stdout and stderr of ansible-test are merged (it is piped through tee).
# A run in which ansible-test skipped every target ("WARNING: All targets
# skipped.", exit 0) exits 3 instead.
#
# Environment:
#   SSLCLM_STAGE_DIR=DIR   collections dir to stage into instead (…/DIR/ansible_collections/sslclm/acme)
#   SSLCLM_NO_STAGE=1      reuse the copy already staged there (e.g. after editing it by hand)
#   SSLCLM_NO_DESTRUCTIVE=1  do not add --allow-destructive to "integration"
#   SSLCLM_ALLOW_SKIP=1    accept a run where every target was skipped
#   SSLCLM_INTEGRATION_CONFIG=FILE  integration: the lab's integration_config.yml to stage (instead of the one
#                          tests/integration/ holds)
#   SSLCLM_TARGET_ENV="NAME=VALUE ..."  integration: set these in every target's environment (ansible-test
#                          passes only a few variables through; this adds env/set/NAME/VALUE to the staged aliases)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ "$#" -lt 3 ]; then
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep -v '^set ' | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
VENV="$1"
PYVER="$2"
shift 2

case "$VENV" in
    */*) VENV_DIR="$(cd "$VENV" && pwd)" ;;
    *) VENV_DIR="$ROOT/.venv/$VENV" ;;
esac
[ -x "$VENV_DIR/bin/ansible-test" ] || {
    echo "ansible-test.sh: $VENV_DIR/bin/ansible-test missing; run scripts/bootstrap.sh" >&2
    exit 2
}
[[ "$PYVER" =~ ^[0-9]+\.[0-9]+$ ]] || { echo "ansible-test.sh: PYVER must look like 3.11, got '$PYVER'" >&2; exit 2; }

COLL_DIR="${SSLCLM_STAGE_DIR:-$ROOT/build/ansible-test/$(basename "$VENV_DIR")}"
if [ "${SSLCLM_NO_STAGE:-0}" = 1 ]; then
    DEST="$COLL_DIR/ansible_collections/sslclm/acme"
    [ -d "$DEST" ] || { echo "ansible-test.sh: nothing staged at $DEST" >&2; exit 2; }
else
    DEST="$(bash "$ROOT/scripts/stage.sh" "$COLL_DIR")"
fi

cd "$DEST"
# The venv's bin first: ansible-test looks up "pythonX.Y" on PATH, and the venv's
# interpreter (with ansible-core and the test deps) must win over pyenv's shims.
export PATH="$VENV_DIR/bin:$PATH"
# A target Python the venv is not (e.g. "sanity --test compile --test import"
# with PYVER 3.8 from the py311 venv): put pyenv's real interpreter next, as
# pyenv's shims for inactive versions only print an error.
if [ ! -x "$VENV_DIR/bin/python$PYVER" ]; then
    PYENV_ROOT_DIR="$( (command -v pyenv >/dev/null 2>&1 && pyenv root) || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
    best="$(find "$PYENV_ROOT_DIR/versions" -mindepth 1 -maxdepth 1 -name "$PYVER.*" -printf '%f\n' 2>/dev/null |
            grep -E "^${PYVER//./\\.}\.[0-9]+$" | sort -V | tail -n1 || true)"
    if [ -n "$best" ] && [ -x "$PYENV_ROOT_DIR/versions/$best/bin/python$PYVER" ]; then
        export PATH="$VENV_DIR/bin:$PYENV_ROOT_DIR/versions/$best/bin:${PATH#"$VENV_DIR/bin:"}"
    fi
fi
unset PYTHONPATH ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

if [ "$1" = integration ] && [ -n "${SSLCLM_INTEGRATION_CONFIG:-}" ]; then
    cp "$SSLCLM_INTEGRATION_CONFIG" tests/integration/integration_config.yml
fi
if [ "$1" = integration ] && [ -n "${SSLCLM_TARGET_ENV:-}" ]; then
    for aliases in tests/integration/targets/*/aliases; do
        for pair in $SSLCLM_TARGET_ENV; do
            line="env/set/${pair%%=*}/${pair#*=}"
            grep -qxF "$line" "$aliases" || printf '%s\n' "$line" >> "$aliases"
        done
    done
fi

extra=()
# Integration targets aliased "destructive" are skipped (exit 0!) without this.
if [ "$1" = integration ] && [ "${SSLCLM_NO_DESTRUCTIVE:-0}" != 1 ]; then
    case " $* " in *" --allow-destructive "*) ;; *) extra+=(--allow-destructive) ;; esac
fi

echo "+ (cd $DEST && ansible-test $* ${extra[*]} --python $PYVER)  [$("$VENV_DIR/bin/python" -c 'import ansible.release as r; print("ansible-core " + r.__version__)')]" >&2
log="$(mktemp "${TMPDIR:-/tmp}/sslclm-ansible-test.XXXXXX")"
trap 'rm -f "$log"' EXIT
set +e
"$VENV_DIR/bin/ansible-test" "$@" "${extra[@]}" --python "$PYVER" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# ansible-test exits 0 when it selects nothing: never let that pass as a green run.
if [ "$rc" = 0 ] && grep -q '^WARNING: All targets skipped\.' "$log" && [ "${SSLCLM_ALLOW_SKIP:-0}" != 1 ]; then
    echo "ansible-test.sh: all targets were skipped: failing (set SSLCLM_ALLOW_SKIP=1 to accept)" >&2
    rc=3
fi
echo "ansible-test.sh: exit $rc (output under $DEST/tests/output)" >&2
exit "$rc"
