#!/usr/bin/env bash
# Test of the README's install path with one ansible-core (a venv of scripts/bootstrap.sh):
#
#   scripts/install-test.sh VENV        VENV: core217 | py311 | py313 | runtime, or a venv path
#
# With HOME and the collections path isolated (an empty temporary HOME, so no copy in
# ~/.ansible/collections can stand in for the installed one):
#   1. scripts/demo.sh with this venv: ansible-galaxy collection build, install of the tarball
#      into an empty collections path, the demo playbook run twice from the installed copy
#      against the lab's Pebble. The first run must issue, deploy, reload and verify; the
#      second must change nothing and not reload.
#   2. ansible-galaxy lists exactly that one sslclm.acme, with galaxy.yml's version, and
#      "collection verify --offline" finds its files consistent with its manifest.
#   3. The controller requirements of the installed copy (its requirements.txt) are met by
#      the venv (pip install --dry-run --no-index: nothing to fetch).
#   4. requirements.yml: the same tarball (type: file) and this repository's HEAD (type: git)
#      each install into an empty collections path.
# Needs the demo's ports free (Pebble 14000/15000, challtestsrv, nginx on 127.0.0.69:8443).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ "$#" = 1 ] || { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep -v '^set ' | sed 's/^# \{0,1\}//' >&2; exit 2; }
case "$1" in
    */*) VENV="$(cd "$1" && pwd)" ;;
    *) VENV="$ROOT/.venv/$1" ;;
esac
[ -x "$VENV/bin/ansible-galaxy" ] || { echo "install-test.sh: no ansible-core in $VENV (scripts/bootstrap.sh)" >&2; exit 2; }
NAME="$(basename "$VENV")"
OUT="$ROOT/build/install-test-$NAME"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sslclm-install-test.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
export HOME="$WORK/home"
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS ANSIBLE_CONFIG PYTHONPATH
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

fail() { echo "install-test.sh ($NAME): FAILED: $*" >&2; exit 1; }
version="$("$VENV/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' galaxy.yml)"
core="$("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)')"
echo "=== install test: sslclm.acme $version with ansible-core $core ($VENV)"

# ------------------------------------------------ 1. tarball install + demo from the installed copy
log="$WORK/demo.log"
SSLCLM_DEMO_VENV="$VENV" SSLCLM_DEMO_DIR="$OUT" bash scripts/demo.sh 2>&1 | tee "$log" || fail "scripts/demo.sh exited non-zero"
mapfile -t recaps < <(grep -E '^localhost +: ok=' "$log")
[ "${#recaps[@]}" = 2 ] || fail "expected two playbook runs, found ${#recaps[@]} PLAY RECAP lines"
[[ "${recaps[0]}" =~ changed=[1-9].*failed=0 ]] || fail "first run: ${recaps[0]}"
[[ "${recaps[1]}" =~ changed=0\ .*failed=0 ]] || fail "second run is not idempotent: ${recaps[1]}"
[ "$(grep -c 'deployed, nginx reloaded and verified' "$log")" = 1 ] || fail "the first run did not deploy, reload and verify"
[ "$(grep -c 'already deployed and served - no change, no reload' "$log")" = 1 ] || fail "the second run did not find it served"
grep -q "Installing 'sslclm.acme:$version' to '$OUT/collections/ansible_collections/sslclm/acme'" "$log" ||
    fail "ansible-galaxy did not install sslclm.acme $version into $OUT/collections"

# ------------------------------------------------ 2. what Ansible sees: one installed copy, consistent
export ANSIBLE_COLLECTIONS_PATH="$OUT/collections"
listed="$(cd "$WORK" && "$VENV/bin/ansible-galaxy" collection list sslclm.acme --format json)"
"$VENV/bin/python" - "$listed" "$OUT/collections/ansible_collections" "$version" <<'PY' || fail "collection list: $listed"
import json, sys
found = json.loads(sys.argv[1])
paths = {path: colls for path, colls in found.items() if "sslclm.acme" in colls}
assert list(paths) == [sys.argv[2]], paths
assert paths[sys.argv[2]]["sslclm.acme"]["version"] == sys.argv[3], paths
PY
(cd "$WORK" && "$VENV/bin/ansible-galaxy" collection verify --offline sslclm.acme) || fail "collection verify"
installed="$OUT/collections/ansible_collections/sslclm/acme"
for f in MANIFEST.json FILES.json requirements.txt meta/runtime.yml playbooks/demo.yml; do
    [ -f "$installed/$f" ] || fail "$f missing from the installed collection"
done
for junk in .git .venv build tests/output tests/integration/integration_config.yml; do
    [ ! -e "$installed/$junk" ] || fail "the tarball carries $junk"
done

# ------------------------------------------------ 3. controller requirements of the installed copy
"$VENV/bin/python" -m pip install --dry-run --no-index --disable-pip-version-check -q -r "$installed/requirements.txt" ||
    fail "the venv does not satisfy the installed collection's requirements.txt"

# ------------------------------------------------ 4. requirements.yml: tarball file and git sources
tarball="$(ls "$OUT"/dist/sslclm-acme-"$version".tar.gz)"
for source in file git; do
    dest="$WORK/$source-collections"
    if [ "$source" = file ]; then
        printf 'collections:\n  - name: %s\n    type: file\n' "$tarball" > "$WORK/requirements-$source.yml"
    else
        printf 'collections:\n  - name: git+file://%s\n    type: git\n    version: HEAD\n' "$ROOT" > "$WORK/requirements-$source.yml"
    fi
    (cd "$WORK" && ANSIBLE_COLLECTIONS_PATH="$dest" "$VENV/bin/ansible-galaxy" collection install --offline \
        -r "$WORK/requirements-$source.yml" -p "$dest") || fail "requirements.yml ($source source)"
    v="$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
        "$dest/ansible_collections/sslclm/acme/MANIFEST.json")"
    [ "$v" = "$version" ] || fail "requirements.yml ($source source) installed version $v"
done
echo "=== install test passed: sslclm.acme $version, ansible-core $core: tarball installed, demo issued + deployed +" \
     "verified from the installed copy, second run unchanged; requirements.yml (file, git) installs"
