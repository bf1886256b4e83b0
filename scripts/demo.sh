#!/usr/bin/env bash
# The README's first command. So far it installs the real toolchain, builds the `mesh` binary and
# prints the canonical hashes of an example bundle; the live devnet demo (bundles settling,
# refunding and a fraudster slashed) is built on top of the devnet and relayer, still in progress.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/setup-tools.sh --print-env)"
cargo build --release --locked -p mesh-relayer
echo
echo "Atomic Mesh — what runs so far: the protocol encoding of examples/bundle.json"
./target/release/mesh protocol hash-bundle examples/bundle.json
echo
echo "The live devnet demo (hub node + two anvil chains + relayers) is not built yet."
