#!/usr/bin/env bash
# Runs Foundry's `forge` inside evm-contracts/ with the project's offline tool set.
#
#   scripts/forge.sh build | test | fmt --check | snapshot | script ... | <any forge command>
#
#   MESH_TOOLS   tool cache filled by scripts/setup-tools.sh (default ~/.cache/atomic-mesh/tools)
#
# The wrapper points forge at the solcjs shim (FOUNDRY_SOLC), keeps it offline, and links
# evm-contracts/node_modules to the cached OpenZeppelin / solady packages used by the remappings.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${MESH_TOOLS:-$HOME/.cache/atomic-mesh/tools}"
FORGE="$TOOLS/bin/forge"
SOLC="$TOOLS/bin/solc"
LIBS="$TOOLS/sol-node_modules"

missing() {
  echo "forge.sh: $1 not found; run scripts/setup-tools.sh first (MESH_TOOLS=$TOOLS)" >&2
  exit 1
}
[ -x "$FORGE" ] || missing "$FORGE"
[ -x "$SOLC" ] || missing "$SOLC"
[ -d "$LIBS/solady/src" ] && [ -d "$LIBS/@openzeppelin/contracts" ] || missing "Solidity libraries in $LIBS"

cd "$ROOT/evm-contracts"
# The remappings in foundry.toml resolve through this link (git-ignored).
if [ "$(readlink node_modules 2>/dev/null || true)" != "$LIBS" ]; then
  if [ -e node_modules ] && [ ! -L node_modules ]; then
    echo "forge.sh: evm-contracts/node_modules exists and is not a link; remove it" >&2
    exit 1
  fi
  ln -sfn "$LIBS" node_modules
fi

export FOUNDRY_SOLC="$SOLC"
export FOUNDRY_OFFLINE=true
export FOUNDRY_DISABLE_NIGHTLY_WARNING=1
exec "$FORGE" "$@"
