#!/usr/bin/env bash
# Exports the ABIs the relayer binds to (alloy `sol!`) from forge's build artifacts into
# relayer/abi/. With --check, fails if the committed files differ from a fresh build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/relayer/abi"
CONTRACTS="MeshRouter SettlementVerifier MintableERC20 DemoWETH ConstantProductPool LendingPool"

"$ROOT/scripts/forge.sh" build --quiet
dest="$OUT"
if [ "${1:-}" = "--check" ]; then
  dest="$(mktemp -d)"
  trap 'rm -rf "$dest"' EXIT
fi
mkdir -p "$dest"
for c in $CONTRACTS; do
  python3 - "$ROOT/evm-contracts/out/$c.sol/$c.json" "$dest/$c.json" <<'PY'
import json, sys
art = json.load(open(sys.argv[1]))
json.dump(art["abi"], open(sys.argv[2], "w"), indent=1, sort_keys=True)
open(sys.argv[2], "a").write("\n")
PY
done
if [ "${1:-}" = "--check" ]; then
  if ! diff -r -q "$OUT" "$dest" >/dev/null; then
    diff -r "$OUT" "$dest" | head -40 >&2
    echo "relayer/abi is stale: run scripts/export-abi.sh" >&2
    exit 1
  fi
  echo "relayer/abi is up to date"
fi
