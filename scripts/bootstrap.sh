#!/usr/bin/env bash
# Idempotent bootstrap of everything the tests need on a Debian 12 machine.
#
#   bash scripts/bootstrap.sh        (from any directory; quick when already done)
#
# 1. Debian packages for the lab servers (only when one is missing).
# 2. .venv/py311    pyenv's 3.11, ansible-core 2.19.x, runtime + test deps, linters, lab tools.
#    .venv/py313    pyenv's 3.13, newest ansible-core pip serves there, runtime + test deps.
#    .venv/core217  pyenv's 3.11, ansible-core 2.17.x (the floor in meta/runtime.yml), runtime + test deps.
#    .venv/runtime  3.11, ansible-core 2.19.x and the runtime deps only (scripts/demo.sh).
#    Each venv carries a stamp (hash of the requirement files + the specs below);
#    a venv whose stamp matches is left alone.
# 3. Offline stand-ins for ansible-test's get-pip bootstrap script in
#    ~/.ansible/test/cache/get_pip_X_Y.py (ansible-test downloads the real one
#    from a host these machines cannot reach); not for the runtime venv alone.
#
# Environment knobs:
#   SSLCLM_SKIP_APT=1       do not check/install Debian packages
#   SSLCLM_APT=demo         only the packages the demo needs (default: all)
#   SSLCLM_VENVS="py311"    build only these venvs (default: "py311 py313 core217")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- settings
# (shellcheck is here because without it ansible-test sanity skips its "shellcheck" test with only a warning.)
# (prometheus gives promtool, which checks extensions/prometheus/; policy-rc.d keeps its service from starting.)
# (postgresql: the lab's shared-state server, started from its own data directory by tests/lab/lab.py.)
# (iproute2: scripts/test.sh runs the two integration suites at once in two network namespaces.)
# The demo needs only APT_DEMO; the tests need all of them.
APT_DEMO=(pebble nginx-light openssl python3-venv)
APT_PACKAGES=("${APT_DEMO[@]}" python3 bind9 bind9-utils bind9-dnsutils pdns-server pdns-backend-sqlite3
              libnginx-mod-stream jq shellcheck cron chromium haproxy apache2 socat prometheus postgresql iproute2
              tinyproxy)

# ansible-core per venv (floors/caps, not exact pins).
# py313: newest line pip gives on 3.13 today is 2.21; the cap keeps an
# unreleased 2.22 (no ignore-2.22.txt yet) from landing silently in CI.
CORE_PY311='ansible-core>=2.19,<2.20'
CORE_PY313='ansible-core>=2.20,<2.22'
# core217: the oldest ansible-core meta/runtime.yml admits (requires_ansible).
CORE_217='ansible-core>=2.17,<2.18'

REQS_PY311=(requirements.txt tests/requirements.txt tests/requirements-tools.txt)
REQS_PY313=(requirements.txt tests/requirements.txt)
REQS_RUNTIME=(requirements.txt)

# pip versions ansible-test asks a get-pip script for (2.17: 23.1.2, 2.19: 24.2, 2.20/2.21: 25.2);
# versions found in the installed ansible-test sources are added at run time.
GET_PIP_VERSIONS=(23.1.2 24.2 25.2)

SHIM_REV=1   # bump when the shim text below changes

mkdir -p "$ROOT/.venv"
exec 9>"$ROOT/.venv/.bootstrap.lock"
flock 9

# ---------------------------------------------------------------- apt
apt_packages() {
    local missing=() p wanted=("${APT_PACKAGES[@]}")
    [ "${SSLCLM_APT:-all}" = demo ] && wanted=("${APT_DEMO[@]}")
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "apt: all present (${wanted[*]})"
        return
    fi
    [ "$(id -u)" = 0 ] || die "apt packages missing (${missing[*]}) and not root; install them or set SSLCLM_SKIP_APT=1"
    log "apt: installing ${missing[*]}"
    # /usr/sbin/policy-rc.d keeps apt from starting named/nginx on 0.0.0.0.
    # Keep an existing one as it is; if there is none, put one in for this install only.
    local tmp_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        tmp_policy=1
    fi
    local rc=0
    {
        apt-get update -q &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${wanted[@]}"
    } || rc=$?
    [ "$tmp_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" = 0 ] || die "apt-get failed (rc=$rc)"
}

# ---------------------------------------------------------------- python
pyenv_root() {
    if command -v pyenv >/dev/null 2>&1; then
        pyenv root
    else
        printf '%s\n' "${PYENV_ROOT:-$HOME/.pyenv}"
    fi
}

# find_python 3.11 -> path of the newest pyenv 3.11.x interpreter (fallback: python3.11 on PATH)
find_python() {
    local want="$1" root cand best=""
    root="$(pyenv_root)"
    if [ -d "$root/versions" ]; then
        best="$(find "$root/versions" -mindepth 1 -maxdepth 1 -name "$want.*" -printf '%f\n' 2>/dev/null |
                grep -E "^${want//./\\.}\.[0-9]+$" | sort -V | tail -n1 || true)"
        if [ -n "$best" ] && [ -x "$root/versions/$best/bin/python$want" ]; then
            printf '%s\n' "$root/versions/$best/bin/python$want"
            return
        fi
    fi
    # Outside pyenv: a real (non-shim) interpreter on PATH.
    for cand in "/usr/bin/python$want" "/usr/local/bin/python$want"; do
        [ -x "$cand" ] && { printf '%s\n' "$cand"; return; }
    done
    return 1
}

hash_inputs() {  # name core_spec python req-files...
    local name="$1" core="$2" py="$3"; shift 3
    {
        printf 'name=%s\ncore=%s\npython=%s\n' "$name" "$core" "$py"
        "$py" -c 'import sys; print(sys.version)'
        local f
        for f in "$@"; do printf '== %s\n' "$f"; cat "$f"; done
    } | sha256sum | cut -d' ' -f1
}

make_venv() {  # name python-version core-spec req-files...
    local name="$1" pyver="$2" core="$3"; shift 3
    local venv="$ROOT/.venv/$name" py stamp want have="" f
    for f in "$@"; do [ -f "$ROOT/$f" ] || die "missing requirement file $f"; done
    py="$(find_python "$pyver")" || die "no Python $pyver found (pyenv root: $(pyenv_root))"
    want="$(hash_inputs "$name" "$core" "$py" "$@")"
    stamp="$venv/.bootstrap-stamp"
    [ -f "$stamp" ] && have="$(cat "$stamp")"

    if [ "$have" = "$want" ] && "$venv/bin/python" -c 'import ansible' >/dev/null 2>&1; then
        log "$name: up to date ($("$venv/bin/python" -c 'import ansible.release as r; print("ansible-core", r.__version__)'))"
        return
    fi

    # (Re)create when missing, broken, or built from another interpreter.
    local base_want base_have
    base_want="$("$py" -c 'import sys; print(sys.base_prefix)')"
    base_have="$("$venv/bin/python" -c 'import sys; print(sys.base_prefix)' 2>/dev/null || true)"
    if [ "$base_have" != "$base_want" ]; then
        log "$name: creating venv with $py"
        rm -rf "$venv"
        "$py" -m venv "$venv"
        "$venv/bin/python" -m pip install -q --upgrade pip 2>&1 | { grep -v "^WARNING: Location 'file://" || true; } >&2
    fi

    local args=()
    for f in "$@"; do args+=(-r "$ROOT/$f"); done
    log "$name: pip install $core ${args[*]}"
    rm -f "$stamp"
    # (drop the "Location 'file:///…' is ignored" noise some machines' pip config causes)
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$core" "${args[@]}" 2>&1 |
        { grep -v "^WARNING: Location 'file://" || true; } >&2
    "$venv/bin/python" -m pip check >&2 || log "$name: WARNING: pip check reports conflicts (see above)"
    printf '%s\n' "$want" > "$stamp"
    log "$name: ready ($("$venv/bin/python" -c 'import ansible.release as r; print("ansible-core", r.__version__)'))"
}

# ---------------------------------------------------------------- get-pip shims
write_get_pip_shims() {
    local cache="$HOME/.ansible/test/cache" v versions=("${GET_PIP_VERSIONS[@]}") f
    mkdir -p "$cache"
    # pip versions requested by every installed ansible-test
    for f in "$ROOT"/.venv/*/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py; do
        [ -f "$f" ] || continue
        while IFS= read -r v; do versions+=("$v"); done < <(grep -oE "pip='[0-9.]+'" "$f" | grep -oE '[0-9.]+' || true)
    done
    local shim
    shim="$(cat <<PY
# Offline stand-in for ansible-test's get-pip bootstrap script (shim rev $SHIM_REV).
# Written by sslclm.acme scripts/bootstrap.sh; safe to delete (it is rewritten).
#
# ansible-test runs "python get_pip_X_Y.py --disable-pip-version-check pip==X.Y
# [--no-setuptools] [--no-wheel]" inside a venv created without pip; the real
# script is downloaded from a host these machines cannot reach.
# ensurepip must run in a child process: in-process it isolates pip from
# /etc/pip.conf (the CA setting) and the following install then fails TLS.
import subprocess
import sys


def main():
    args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
    rc = subprocess.call([sys.executable, '-m', 'ensurepip', '--upgrade'])
    if rc:
        return rc
    return subprocess.call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    sys.exit(main())
PY
)"
    local uniq=()
    mapfile -t uniq < <(printf '%s\n' "${versions[@]}" | sort -u)
    for v in "${uniq[@]}"; do
        f="$cache/get_pip_${v//./_}.py"
        if [ ! -f "$f" ] || [ "$(cat "$f")" != "$shim" ]; then
            printf '%s\n' "$shim" > "$f"
            log "get-pip shim written: $f"
        fi
    done
    log "get-pip shims: ${uniq[*]}"
}

# ---------------------------------------------------------------- main
start=$SECONDS
if [ "${SSLCLM_SKIP_APT:-0}" != 1 ]; then
    apt_packages
fi
test_venvs=0
for v in ${SSLCLM_VENVS:-py311 py313 core217}; do
    case "$v" in
        py311) make_venv py311 3.11 "$CORE_PY311" "${REQS_PY311[@]}" ;;
        py313) make_venv py313 3.13 "$CORE_PY313" "${REQS_PY313[@]}" ;;
        core217) make_venv core217 3.11 "$CORE_217" "${REQS_PY313[@]}" ;;
        runtime) make_venv runtime 3.11 "$CORE_PY311" "${REQS_RUNTIME[@]}"; continue ;;
        *) die "unknown venv '$v' (known: py311 py313 core217 runtime)" ;;
    esac
    test_venvs=1
done
# ansible-test's get-pip stand-ins: only where a venv with ansible-test runs tests
[ "$test_venvs" = 1 ] && write_get_pip_shims
log "done in $((SECONDS - start)) s"
