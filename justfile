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

# the hub at scale: gas per operation and per leg, leg reports per second, state per bundle
# (add `--validators 4` for the four-validator network)
bench-hub *ARGS:
    cargo run --release -p mesh-e2e --bin mesh-bench -- hub {{ARGS}}

# EVM gas table (docs/benchmarks.md)
gas:
    scripts/forge.sh test --match-contract GasBench -vv

# mutation testing: the fixed Solidity mutant list (scripts/mutants-sol.sh), then cargo-mutants
# over the hub contracts and the protocol crates (mesh-protocol, mesh-proof-evm) against their own tests and the cw-multi-test
# suites (mesh-hub-tests). `just mutants sol` / `just mutants rust` run one half; arguments after
# the part go to cargo-mutants (`just mutants rust --file contracts/packages/mesh-protocol/src/sig.rs`,
# `--re`, `--exclude-re`, `--list`). One job (cargo-mutants' default; the builds are the cost),
# the test timeout from the baseline run; `MESH_SM_CASES` sets the hub state machine's case count
# (default 160: keep it, it kills what the example tests miss). Slow: see docs/benchmarks.md,
# "Test strength".
mutants PART="all" *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    status=0
    # anvil (mesh-proof-evm's receipt and state tests) and forge come from the tools cache
    eval "$(scripts/setup-tools.sh --print-env)"
    if [ "{{PART}}" = "all" ] || [ "{{PART}}" = "sol" ]; then
        scripts/mutants-sol.sh || status=1
    fi
    if [ "{{PART}}" = "all" ] || [ "{{PART}}" = "rust" ]; then
        if ! cargo mutants --version >/dev/null 2>&1; then
            cargo install cargo-mutants --locked
        fi
        # every mutant is tested against all six packages' tests (one feature set, so one
        # dependency build serves every mutant); results in target/mutants/mutants.out.
        # cargo-mutants' baseline runs only the mutated packages' tests (not mesh-hub-tests), so
        # the timeout it derives is too short for the hub suite: at least 300 s per mutant.
        cargo mutants --no-shuffle --jobs 1 --minimum-test-timeout 300 \
            --package bundle-log --package stake-escrow --package dispute --package mesh-protocol \
            --package mesh-proof-evm \
            --test-package mesh-hub-tests --test-package bundle-log --test-package stake-escrow \
            --test-package dispute --test-package mesh-protocol --test-package mesh-proof-evm \
            --output target/mutants {{ARGS}} || status=1
    fi
    exit $status
