#!/usr/bin/env bash
# The whole test suite: what the README's test command and CI run.
# Installs the tools it needs (scripts/setup-tools.sh) and fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "tools"
eval "$(scripts/setup-tools.sh --print-env)"

step "format"
cargo fmt --all --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "protocol crate builds for wasm32 without std-only dependencies"
cargo build --locked -p mesh-protocol --target wasm32-unknown-unknown

if [ -x scripts/build-wasm.sh ]; then
  step "hub contracts: optimised wasm"
  scripts/build-wasm.sh
fi
if [ -x scripts/check-schemas.sh ]; then
  step "hub contracts: JSON schemas up to date"
  scripts/check-schemas.sh
fi

step "rust tests (unit, property, multi-test, real anvil)"
cargo test --workspace --locked

if [ -f evm-contracts/foundry.toml ]; then
  step "solidity: format and tests (forge)"
  scripts/forge.sh fmt --check
  scripts/forge.sh test
fi

step "all test steps passed"
