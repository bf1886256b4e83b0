#!/usr/bin/env bash
# The README's first command: installs the toolchain, builds `mesh`, brings the local devnet up
# (one injectived validator, two anvil chains, contracts deployed, relayers bonded) and runs the
# live demo: a 3-party cross-chain trade COMMITs, a bundle with a missing leg ABORTs and is
# refunded, and a relayer reporting a fake lock is proven false and slashed. Exits non-zero unless
# every scenario ended as it should. The devnet stays up afterwards: `target/release/mesh devnet down`.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/setup-tools.sh --print-env)"
cargo build --release --locked -p mesh-cli
MESH_LOG="${MESH_LOG:-warn}" exec ./target/release/mesh demo "$@"
