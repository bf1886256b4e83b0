#!/usr/bin/env bash
# The crate layout's rules (relayer/README.md), checked on cargo's resolved dependency graph:
#   - no production crate depends (normal dependencies, transitively) on mesh-testkit;
#   - only the `mesh` binary (mesh-cli) may depend on mesh-devnet, through its default `devnet`
#     feature (it builds without);
#   - mesh-chain (the adapter traits) depends on neither alloy nor cosmrs;
#   - no module of the relayer's roles, nor its daemon, names alloy, cosmrs or an adapter crate: they
#     reach chains through the mesh-chain traits; agent/src/chains.rs is the one place naming VMs.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo metadata --format-version 1 --locked --filter-platform "$(rustc -vV | sed -n "s/^host: //p")" | python3 -c '
import json, sys
meta = json.load(sys.stdin)
name = {p["id"]: p["name"] for p in meta["packages"]}
normal = {}
for node in meta["resolve"]["nodes"]:
    normal[node["id"]] = [d["pkg"] for d in node["deps"]
                          if any(k["kind"] is None for k in d["dep_kinds"])]
def closure(pkg):
    seen, todo = set(), [pkg]
    while todo:
        for d in normal[todo.pop()]:
            if d not in seen:
                seen.add(d); todo.append(d)
    return {name[d] for d in seen}
ids = {name[i]: i for i in normal if name[i].startswith("mesh-") or name[i] in ("bundle-log", "stake-escrow", "dispute")}
production = ["mesh-protocol", "mesh-proof-evm", "mesh-hub-api", "bundle-log", "stake-escrow", "dispute",
              "mesh-chain", "mesh-cosmos", "mesh-hub", "mesh-chain-evm", "mesh-chain-cosmwasm", "mesh-planner", "mesh-client", "mesh-relayer",
              "mesh-devnet", "mesh-cli"]
bad = []
for crate in production:
    if crate not in ids:
        continue
    deps = closure(ids[crate])
    if "mesh-testkit" in deps:
        bad.append(f"{crate} depends on mesh-testkit (a dev-dependency only)")
    if crate not in ("mesh-cli", "mesh-devnet") and "mesh-devnet" in deps:
        bad.append(f"{crate} depends on mesh-devnet (only the mesh binary may)")
if "mesh-chain" in ids:
    for vm_lib in ("alloy", "cosmrs"):
        if vm_lib in closure(ids["mesh-chain"]):
            bad.append(f"mesh-chain depends on {vm_lib}: the adapter traits must stay VM-neutral")
for b in bad:
    print("layout:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
'

if [ -d relayer/agent/src/roles ] &&
  grep -rnE '\b(alloy|cosmrs|mesh_chain_evm|mesh_chain_cosmwasm)::' relayer/agent/src/roles relayer/agent/src/daemon.rs >&2; then
  echo "layout: the roles and the daemon above name a VM; VM specifics belong in an adapter" \
    "(relayer/chains/*), chosen in relayer/agent/src/chains.rs" >&2
  exit 1
fi
# The `mesh` binary reaches the devnet only through its default `devnet` feature: without it, a
# relayer and operator binary that does not contain the local network at all.
if cargo tree --locked -p mesh-cli --no-default-features -e normal --prefix none --format '{p}' |
  grep -q '^mesh-devnet '; then
  echo "layout: mesh-cli depends on mesh-devnet even without its devnet feature" >&2
  exit 1
fi
cargo clippy --locked --quiet -p mesh-cli --no-default-features -- -D warnings
echo "crate layout: ok"
