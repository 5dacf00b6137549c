#!/usr/bin/env bash
# Stage a fresh copy of the collection where Ansible can import it:
#
#   scripts/stage.sh [COLLECTIONS_DIR]    (from any directory)
#
# Copies the git-tracked and untracked-but-not-ignored files of the repo into
#   COLLECTIONS_DIR/ansible_collections/sslclm/acme/
# (default COLLECTIONS_DIR: <repo>/build/collections), replacing whatever was
# there, and prints that path on stdout (nothing else goes to stdout).
#
# Use it as ANSIBLE_COLLECTIONS_PATH=<COLLECTIONS_DIR>, and run ansible-test
# from inside the printed directory (ansible-test rejects a symlink to the repo).
# Files added to the staged copy by hand are picked up too (see its own .git below).
# Concurrent jobs should use separate COLLECTIONS_DIRs: staging wipes the tree.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NS=sslclm
NAME=acme

COLL_DIR="${1:-$ROOT/build/collections}"
mkdir -p "$COLL_DIR"
COLL_DIR="$(cd "$COLL_DIR" && pwd)"
DEST="$COLL_DIR/ansible_collections/$NS/$NAME"

case "$DEST/" in
    "$ROOT/"build/*) ;;
    "$ROOT/"*) echo "stage.sh: refusing to stage inside the repo outside build/: $DEST" >&2; exit 2 ;;
esac

rm -rf "$DEST"
mkdir -p "$DEST"

# Files that git would ship: tracked + untracked-not-ignored; skip tracked files
# deleted from the work tree.
git -C "$ROOT" ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do
        if [ -e "$ROOT/$f" ] || [ -L "$ROOT/$f" ]; then printf '%s\0' "$f"; fi
    done |
    tar -C "$ROOT" --null -T - -cf - |
    tar -C "$DEST" -xf -

# Generated, git-ignored test config the integration tests read (written by
# the lab harness into the repo): copy it along when present.
for f in tests/integration/integration_config.yml tests/integration/inventory; do
    if [ -e "$ROOT/$f" ]; then
        mkdir -p "$DEST/$(dirname "$f")"
        cp -a "$ROOT/$f" "$DEST/$f"
    fi
done

# A .git of its own makes the copy its own content root: ansible-test and
# ansible-lint list files with git, and would otherwise walk up to the repo's
# .git, whose .gitignore hides build/ (ansible-test: "All targets skipped").
# Nothing is committed: the files are untracked-not-ignored, which both list.
git -C "$DEST" init -q

printf '%s\n' "$DEST"
