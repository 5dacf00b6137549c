#!/usr/bin/env bash
# Lint the collection on a freshly staged copy (from any directory):
#
#   scripts/lint.sh
#
#   1. ansible-lint --profile production           (config: .ansible-lint)
#   2. antsibull-docs lint-collection-docs --plugin-docs .
#   3. antsibull-changelog lint
#   4. ansible-galaxy collection build + offline install of the tarball into a
#      temp dir, then ansible-doc must list sslclm.acme modules from that install
#   5. ansible-builder create from execution-environment.yml with that tarball, and
#      ansible-builder's introspection of the installed copy (meta/execution-environment.yml)
#   6. promtool check rules + test rules of extensions/prometheus/ (Debian's prometheus package)
#   7. the files generated from dns-lexicon's provider list are current
#      (scripts/lexicon_providers.py --check: catalog, doc fragment, docs/dns-providers.md)
#
# Every step runs; the exit code is non-zero if any failed.
# Uses .venv/py311 (scripts/bootstrap.sh). Stages into build/lint/ (override
# with SSLCLM_STAGE_DIR=DIR), so it does not race with scripts/ansible-test.sh;
# SSLCLM_NO_STAGE=1 lints the copy already staged there (e.g. edited by hand).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${SSLCLM_LINT_VENV:-$ROOT/.venv/py311}"
NS=sslclm
NAME=acme

for tool in ansible-lint antsibull-docs antsibull-changelog ansible-galaxy ansible-doc ansible-builder; do
    [ -x "$VENV_DIR/bin/$tool" ] || { echo "lint.sh: $VENV_DIR/bin/$tool missing; run scripts/bootstrap.sh" >&2; exit 2; }
done
export PATH="$VENV_DIR/bin:$PATH"
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

COLL_DIR="${SSLCLM_STAGE_DIR:-$ROOT/build/lint}"
if [ "${SSLCLM_NO_STAGE:-0}" = 1 ]; then
    DEST="$(cd "$COLL_DIR" && pwd)/ansible_collections/$NS/$NAME"
    [ -d "$DEST" ] || { echo "lint.sh: nothing staged at $DEST" >&2; exit 2; }
else
    DEST="$(bash "$ROOT/scripts/stage.sh" "$COLL_DIR")"
fi
COLL_DIR="${DEST%/ansible_collections/*}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/sslclm-lint.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
cd "$DEST"

failed=()
step() {  # step NAME CMD...
    local name="$1" t0=$SECONDS rc=0
    shift
    echo "=== lint: $name"
    "$@" || rc=$?
    if [ "$rc" = 0 ]; then
        echo "=== lint: $name: ok ($((SECONDS - t0)) s)"
    else
        echo "=== lint: $name: FAILED rc=$rc ($((SECONDS - t0)) s)"
        failed+=("$name")
    fi
}

galaxy_build_install() {
    ansible-galaxy collection build --force --output-path "$TMP/dist" . || return
    local tarball
    tarball="$(ls "$TMP"/dist/$NS-$NAME-*.tar.gz)" || return
    # the collection declares no dependencies, so the install needs no network
    ansible-galaxy collection install --offline --force -p "$TMP/installed" "$tarball" || return
    local listed
    # run outside the staged tree so only the installed copy can be found
    listed="$(cd "$TMP" && ANSIBLE_COLLECTIONS_PATH="$TMP/installed" ansible-doc -t module -l $NS.$NAME)" || return
    printf '%s\n' "$listed"
    if ! grep -q "^$NS\.$NAME\." <<<"$listed"; then
        echo "ansible-doc lists no $NS.$NAME module from the installed tarball" >&2
        return 1
    fi
    # every module's and role's documentation renders from the installed copy
    local doc
    while read -r doc; do
        (cd "$TMP" && ANSIBLE_COLLECTIONS_PATH="$TMP/installed" ansible-doc -t module "$doc" >/dev/null) || {
            echo "ansible-doc cannot render $doc" >&2
            return 1
        }
    done < <(sed -n 's/^\(sslclm\.acme\.[a-z_]*\) .*/\1/p' <<<"$listed")
    (cd "$TMP" && ANSIBLE_COLLECTIONS_PATH="$TMP/installed" ansible-doc -t role $NS.$NAME.acme_agent | head -5) || {
        echo "ansible-doc cannot render the acme_agent role" >&2
        return 1
    }
    # the installed copy must be the tarball's one
    [ -f "$TMP/installed/ansible_collections/$NS/$NAME/MANIFEST.json" ] || {
        echo "no MANIFEST.json in the installed collection" >&2
        return 1
    }
}

ee_create() {
    # As in a checkout: the tarball of step 4 beside execution-environment.yml, then the EE's
    # build context (ansible-builder create; building the image needs a container engine).
    local tarball
    tarball="$(ls "$TMP"/dist/$NS-$NAME-*.tar.gz)" || return
    cp "$tarball" .
    ansible-builder create -f execution-environment.yml -c "$TMP/ee" --output-filename Containerfile -v 1
    local rc=$?
    rm -f "$(basename "$tarball")"
    [ "$rc" = 0 ] || return "$rc"
    [ -f "$TMP/ee/_build/sslclm-acme/$(basename "$tarball")" ] || {
        echo "the collection tarball is not in the EE build context" >&2
        return 1
    }
    grep -q '^RUN ansible-galaxy collection install --offline -p /usr/share/ansible/collections /build/sslclm-acme/' \
        "$TMP/ee/Containerfile" || { echo "the Containerfile does not install the tarball" >&2; return 1; }
    # What the image's builder stage installs besides: ansible-builder's introspection of the
    # installed collection (meta/execution-environment.yml) must yield every line of
    # requirements.txt and bindep.txt.
    local introspect deps line
    introspect="$(python -c 'import ansible_builder, os; print(os.path.dirname(ansible_builder.__file__))')/_target_scripts/introspect.py"
    deps="$(python "$introspect" introspect "$TMP/installed")" || return
    printf '%s\n' "$deps"
    while IFS= read -r line; do
        line="${line%%#*}"
        line="${line%"${line##*[![:space:]]}"}"
        [ -n "$line" ] || continue
        grep -qF -- "- '$line  # from collection $NS.$NAME'" <<<"$deps" || {
            echo "introspection of the installed collection misses: $line" >&2
            return 1
        }
    done < <(cat requirements.txt bindep.txt)
}

prometheus_rules() {
    command -v promtool >/dev/null || { echo "promtool missing (apt-get install prometheus; scripts/bootstrap.sh)" >&2; return 2; }
    promtool check rules extensions/prometheus/sslclm-acme-rules.yml || return
    # the unit tests of the alerts (series in, alerts out); they name the rules file relative to themselves
    (cd extensions/prometheus && promtool test rules sslclm-acme-rules.test.yml)
}

# ansible-lint does not put the project's own collection on the collections
# path: without this, sslclm.acme.* module names do not resolve (warnings, and
# args/fqcn rules cannot check them).
step ansible-lint env ANSIBLE_COLLECTIONS_PATH="$COLL_DIR" ansible-lint --profile production
step antsibull-docs antsibull-docs lint-collection-docs --plugin-docs .
step antsibull-changelog antsibull-changelog lint
step galaxy-build-install galaxy_build_install
step ansible-builder ee_create
step promtool prometheus_rules
step lexicon-providers "$VENV_DIR/bin/python" scripts/lexicon_providers.py --check

if [ "${#failed[@]}" -gt 0 ]; then
    echo "lint.sh: FAILED: ${failed[*]}"
    exit 1
fi
echo "lint.sh: all lint steps passed"
