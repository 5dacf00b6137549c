#!/usr/bin/env bash
# molecule scenarios of the collection's roles (extensions/molecule/*), on this machine: no containers.
#   bash scripts/molecule.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COLLECTIONS="$ROOT/build/molecule"
STAGED="$(bash "$ROOT/scripts/stage.sh" "$COLLECTIONS")"
cd "$STAGED"
# molecule calls ansible-config and ansible-playbook from PATH
export PATH="$ROOT/.venv/py311/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
exec molecule test --all
