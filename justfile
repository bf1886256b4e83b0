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
    cargo build --release -p mesh-relayer
    cargo run -p mesh-e2e --bin mesh-bench

# EVM gas table (docs/benchmarks.md)
gas:
    scripts/forge.sh test --match-contract GasBench -vv
