#!/usr/bin/env bash
# Checks that each hub contract's (and the CosmWasm Router's) committed JSON schema (contracts/<name>/schema) matches what
# its src/bin/schema.rs generates now; fails with a diff when one is stale.
#
#   scripts/check-schemas.sh           check (exit 1 on a stale schema)
#   scripts/check-schemas.sh --write   regenerate the committed schemas in place
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONTRACTS=(bundle-log stake-escrow dispute light-client mesh-router-cw action-executor-cw)
# the cargo package of a contract folder (light-client's package is mesh-light-client mesh-router-cw)
package() {
  case "$1" in
    light-client) echo mesh-light-client ;;
    action-executor-cw) echo mesh-action-executor-cw ;;
    *) echo "$1" ;;
  esac
}
MODE="${1:-check}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

status=0
for c in "${CONTRACTS[@]}"; do
  out="$TMP/$c"
  mkdir -p "$out"
  # write_api! writes into ./schema of the working directory.
  (cd "$out" && cargo run --quiet --manifest-path "$ROOT/Cargo.toml" -p "$(package "$c")" --bin "schema-$c" >/dev/null)
  if [ "$MODE" = "--write" ]; then
    rm -rf "$ROOT/contracts/$c/schema"
    cp -r "$out/schema" "$ROOT/contracts/$c/schema"
    echo "check-schemas: wrote contracts/$c/schema"
  elif ! diff -ru "$ROOT/contracts/$c/schema" "$out/schema"; then
    echo "check-schemas: contracts/$c/schema is stale; run scripts/check-schemas.sh --write" >&2
    status=1
  else
    echo "check-schemas: contracts/$c/schema is up to date"
  fi
done
exit $status
