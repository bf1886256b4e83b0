#!/usr/bin/env bash
# The whole test suite: what the README's test command and CI run.
# Installs the tools it needs (scripts/setup-tools.sh) and stops at the first failing step.
#
# End-to-end tests start real processes (injectived validators, anvil chains) on loopback
# ports 27590-28699 (shifted by MESH_E2E_PORT_OFFSET when set) and stop them when they end, pass
# or fail.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

# A one-shot run gains nothing from incremental caches and they cost gigabytes of disk.
export CARGO_INCREMENTAL=0

# A clean run needs ~6 GiB: ~4.2 GiB under target/ at its peak, ~0.6 GiB of crates, ~0.5 GiB of
# tools (docs/benchmarks.md, "Build footprint"). Say so up front rather than in a linker error.
free_kib=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kib:-0}" -lt $((6 * 1024 * 1024)) ]; then
  printf '\033[1;33mwarning:\033[0m only %s MiB free on the disk holding %s; a clean run needs ~6 GiB\n' \
    "$((free_kib / 1024))" "$PWD" >&2
fi

step "tools"
eval "$(scripts/setup-tools.sh --print-env)"

step "format (rustfmt, forge fmt)"
cargo fmt --all --check
scripts/forge.sh fmt --check

step "lint (clippy -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "crate layout (no test fixtures or devnet in production crates, VM-neutral roles)"
scripts/check-layout.sh

# building the contracts for wasm32 also builds mesh-protocol and mesh-proof-evm for it: a
# std-only dependency in either fails here
step "hub contracts: optimised wasm (artifacts/)"
scripts/build-wasm.sh

step "hub contracts: JSON schemas up to date"
scripts/check-schemas.sh

step "relayer: alloy bindings' ABIs up to date with forge's build"
scripts/export-abi.sh --check

step "solidity tests (forge: unit, fuzz, invariant, protocol vectors)"
scripts/forge.sh test

step "rust tests: build every test binary"
# One build for the whole workspace; the binaries are then run directly, so the e2e suite can
# come last without a second cargo (`cargo test -p X` or `--exclude X` resolves features for
# another package set and rebuilds half the dependency graph). There are no Rust doctests.
cargo test --workspace --locked --no-run --message-format=json-render-diagnostics >target/test-binaries.json
# "package-dir<TAB>binary" per test binary (lib, bin and integration tests), in cargo's order
python3 - <<'PY' >target/test-binaries.tsv
import json, os
seen = set()
for line in open("target/test-binaries.json"):
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    exe = m.get("executable")
    if m.get("reason") == "compiler-artifact" and exe and m["profile"]["test"] and exe not in seen:
        seen.add(exe)
        print(os.path.dirname(m["manifest_path"]) + "\t" + exe)
PY
e2e_bin="$(awk -F'\t' '$2 ~ /\/deps\/e2e-[0-9a-f]+$/ { print $2 }' target/test-binaries.tsv)"
if [ -z "$e2e_bin" ] || [ "$(grep -c . target/test-binaries.tsv)" -lt 10 ]; then
  echo "test.sh: could not list the test binaries (target/test-binaries.tsv)" >&2
  exit 1
fi

# The end-to-end binaries run their scenarios side by side (each devnet has its own ports and
# folder); they spend most of their time waiting for blocks and dispute windows, so three at a
# time on two cores is what keeps the suite short without starving the nodes.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-3}"

# Test binaries run in their package's folder, as cargo runs them, the real-devnet e2e suite
# (mesh-e2e) last. It is not run beside the others: on two cores its fifty-bundle scenario
# missed its deadline under the load of the devnet CLI tests and the hub state machine. An
# overall bound so a hung test fails the run instead of eating CI's time.
step "rust tests (unit, property, multi-test, real anvil, real devnet CLI and relayer tests, then the e2e suite)"
deadline=$(($(date +%s) + 45 * 60))
run_binary() {
  local dir="$1" bin="$2" left
  left=$((deadline - $(date +%s)))
  [ "$left" -gt 0 ] || { echo "test.sh: the Rust tests ran out of their 45 minutes" >&2; exit 1; }
  printf '\n     Running %s (%s)\n' "${bin#"$PWD"/}" "${dir#"$PWD"/}"
  (cd "$dir" && timeout "$left" "$bin")
}
while IFS=$'\t' read -r -u 3 dir bin; do
  [ "$bin" = "$e2e_bin" ] || run_binary "$dir" "$bin"
done 3<target/test-binaries.tsv
run_binary "$PWD/tests" "$e2e_bin"

step "all test steps passed in $(( $(date +%s) - started )) s"
