#!/usr/bin/env bash
# Builds the hub contracts (bundle-log, stake-escrow, dispute, light-client), the CosmWasm
# Router (mesh-router-cw) with its action executor (action-executor-cw), the devnet's demo cw20 (fixtures/demo-cw20) and the e2e's action target (fixtures/action-targets-cw) for wasm32-unknown-unknown in release, lowers the opcodes the hub's wasm
# VM refuses (sign-ext, bulk-memory, non-trapping float-to-int) with wasm-opt, and writes artifacts/<name>.wasm and artifacts/checksums.txt.
#
#   MESH_TOOLS        tools folder (default ~/.cache/atomic-mesh/tools); wasm-opt is taken from
#                     $MESH_TOOLS/bin, installed by scripts/setup-tools.sh when missing
#   CARGO_TARGET_DIR  cargo's target folder (default: the workspace's target/)
#   MESH_FORCE=1      rebuild even when nothing changed
#
# A rebuild is skipped when the artifacts are newer than every input (sources, manifests,
# Cargo.lock, toolchain file, this script).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CONTRACTS=(bundle-log stake-escrow dispute light-client mesh-router-cw action-executor-cw demo-cw20 action-targets-cw)
# the cargo package of a contract (the light client's is mesh-light-client, the fixture's mesh-demo-cw20)
package() {
  case "$1" in
    light-client) echo mesh-light-client ;;
    demo-cw20) echo mesh-demo-cw20 ;;
    action-executor-cw) echo mesh-action-executor-cw ;;
    action-targets-cw) echo mesh-action-targets-cw ;;
    *) echo "$1" ;;
  esac
}
# the artifact's file name: the hub contracts and the Router by folder, the others by package
artifact() { case "$1" in demo-cw20 | action-executor-cw | action-targets-cw) package "$1" | tr - _ | sed 's/$/.wasm/' ;; *) echo "${1//-/_}.wasm" ;; esac; }
TOOLS="${MESH_TOOLS:-$HOME/.cache/atomic-mesh/tools}"
WASM_OPT="$TOOLS/bin/wasm-opt"
ART="$ROOT/artifacts"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$ART"
# devnets brought up side by side (the e2e suite) each run this script: one builds, the others
# wait for it and then find the artifacts up to date instead of reading half-written files
mkdir -p "$TARGET_DIR"
exec 9>"$TARGET_DIR/.build-wasm.lock"
flock 9

if [ ! -x "$WASM_OPT" ]; then
  echo "build-wasm: wasm-opt not found at $WASM_OPT, running setup-tools.sh" >&2
  MESH_TOOLS="$TOOLS" "$ROOT/scripts/setup-tools.sh" >&2
fi

inputs() {
  find contracts/bundle-log contracts/stake-escrow contracts/dispute contracts/light-client contracts/mesh-router-cw contracts/action-executor-cw contracts/packages contracts/fixtures \
    -type f \( -name '*.rs' -o -name 'Cargo.toml' \) -not -path '*/target/*'
  echo Cargo.toml
  echo Cargo.lock
  echo rust-toolchain.toml
  echo scripts/build-wasm.sh
}

up_to_date() {
  [ -z "${MESH_FORCE:-}" ] || return 1
  [ -f "$ART/checksums.txt" ] || return 1
  local c newest
  for c in "${CONTRACTS[@]}"; do
    [ -f "$ART/$(artifact "$c")" ] || return 1
  done
  # the wasm files must be the ones the checksums name (a merge or checkout can bring a newer
  # checksums.txt than the local build), and no input newer than them
  (cd "$ART" && sha256sum --check --status checksums.txt) || return 1
  newest="$(inputs | xargs stat -c '%Y' | sort -n | tail -1)"
  [ "$(stat -c '%Y' "$ART/checksums.txt")" -ge "$newest" ]
}

if up_to_date; then
  echo "build-wasm: artifacts are up to date (MESH_FORCE=1 to rebuild)"
else
  echo "build-wasm: cargo build --release --target wasm32-unknown-unknown (${CONTRACTS[*]})"
  pkgs=()
  for c in "${CONTRACTS[@]}"; do pkgs+=(-p "$(package "$c")"); done
  RUSTFLAGS='-C link-arg=-s' cargo build --release --locked --lib --target wasm32-unknown-unknown "${pkgs[@]}"
  for c in "${CONTRACTS[@]}"; do
    "$WASM_OPT" -Os \
      --enable-sign-ext --enable-bulk-memory --enable-nontrapping-float-to-int \
      --signext-lowering --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
      "$TARGET_DIR/wasm32-unknown-unknown/release/$(package "$c" | tr - _).wasm" -o "$ART/$(artifact "$c")"
  done
  (cd "$ART" && sha256sum $(for c in "${CONTRACTS[@]}"; do artifact "$c"; done) >checksums.txt)
fi

echo "build-wasm: artifacts"
for c in "${CONTRACTS[@]}"; do
  f="$ART/$(artifact "$c")"
  printf '  %-20s %8d bytes (%d KiB)\n' "$(basename "$f")" "$(stat -c '%s' "$f")" "$(( $(stat -c '%s' "$f") / 1024 ))"
done
cat "$ART/checksums.txt"
