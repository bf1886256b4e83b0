# Atomic Mesh tasks. `just` is optional: every recipe is a script under scripts/.

# install the real toolchain (anvil, forge, cast, solc, wasm-opt, injectived) into the cache
setup:
    scripts/setup-tools.sh

# the whole test suite (what CI runs)
test:
    scripts/test.sh

# the live demo
demo:
    scripts/demo.sh

# optimised hub contract wasm into artifacts/
wasm:
    scripts/build-wasm.sh

# forge with the project's solc and libraries, e.g. `just forge test -vv`
forge *ARGS:
    scripts/forge.sh {{ARGS}}

# regenerate the cross-language vectors after an intended protocol change
vectors:
    MESH_UPDATE_VECTORS=1 cargo test -p mesh-protocol --test vectors

fmt:
    cargo fmt --all
    scripts/forge.sh fmt

# hub gas, devnet bring-up, relayer latency/throughput/RSS and end-to-end latency (docs/benchmarks.md)
bench:
    cargo build --release -p mesh-cli
    cargo run -p mesh-e2e --bin mesh-bench

# EVM gas table (docs/benchmarks.md)
gas:
    scripts/forge.sh test --match-contract GasBench -vv

# mutation testing: the fixed Solidity mutant list (scripts/mutants-sol.sh), then cargo-mutants
# over the hub contracts and the protocol crates (mesh-protocol, mesh-proof-evm) against their own tests and the cw-multi-test
# suites (mesh-hub-tests). `just mutants sol` / `just mutants rust` run one half. Slow: see
# docs/benchmarks.md, "Test strength".
mutants PART="all":
    #!/usr/bin/env bash
    set -euo pipefail
    status=0
    if [ "{{PART}}" = "all" ] || [ "{{PART}}" = "sol" ]; then
        eval "$(scripts/setup-tools.sh --print-env)"
        scripts/mutants-sol.sh || status=1
    fi
    if [ "{{PART}}" = "all" ] || [ "{{PART}}" = "rust" ]; then
        if ! cargo mutants --version >/dev/null 2>&1; then
            cargo install cargo-mutants --locked
        fi
        cargo mutants --no-shuffle \
            --package bundle-log --package stake-escrow --package dispute --package mesh-protocol \
            --package mesh-proof-evm \
            --test-package mesh-hub-tests --test-package bundle-log --test-package stake-escrow \
            --test-package dispute --test-package mesh-protocol --test-package mesh-proof-evm \
            --output target/mutants || status=1
    fi
    exit $status
