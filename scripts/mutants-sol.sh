#!/usr/bin/env bash
# Mutation testing of the EVM contracts: applies each mutation of scripts/mutants-sol.list to its
# source file, one at a time, runs the forge suite against it and restores the file.
#
#   scripts/mutants-sol.sh                 every mutant of the list
#   scripts/mutants-sol.sh ID...           only these mutants (e.g. R01 V07)
#   MUTANTS_TESTS=full scripts/mutants-sol.sh
#                                          run the whole suite per mutant instead of the
#                                          mutant's own test filter (slower)
#   MUTANTS_CHECK=1 scripts/mutants-sol.sh only check that every mutation applies
#   MUTANTS_OPTIMIZER=true                 build mutants with the optimizer (default: off)
#
# The list (scripts/mutants-sol.list) has one mutant per line, fields separated by ` | `:
#
#   ID | file under evm-contracts/src | forge --match-contract regex | from | to
#
# `from` must occur exactly once in the file (`\n` in `from`/`to` is a newline); `to` replaces
# it (`<drop>` deletes it). A mutant is KILLED when the tests fail, SURVIVED when they pass, and
# UNVIABLE when it does not compile (a broken list entry, not a kill). The file is restored after
# every mutant and on any exit (trap), so an interrupted run leaves the tree clean.
#
# Output: one line per mutant, then killed/survived per contract; exit 1 if any survived.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIST="${MUTANTS_LIST:-$ROOT/scripts/mutants-sol.list}"
SRC="$ROOT/evm-contracts/src"
WORK="${MUTANTS_WORK_DIR:-${TMPDIR:-/tmp}/mesh-mutants}"
LOG_DIR="$WORK/logs"
mkdir -p "$LOG_DIR"
# Mutant builds go to their own output and cache directories (the regular build stays valid),
# without the gas benchmarks, demo contracts and deploy scripts (no mutated code is measured
# there), and unoptimised by default: compiling is most of a mutant's time.
export FOUNDRY_OUT="$WORK/out"
export FOUNDRY_CACHE_PATH="$WORK/cache"
export FOUNDRY_OPTIMIZER="${MUTANTS_OPTIMIZER:-false}"
SKIP=(--skip GasBench --skip Demo --skip script)

BACKUP=""
TARGET=""
restore() {
  if [ -n "$BACKUP" ] && [ -f "$BACKUP" ]; then
    cp "$BACKUP" "$TARGET"
    rm -f "$BACKUP"
    BACKUP=""
  fi
}
trap restore EXIT
trap 'restore; exit 130' INT TERM

# Fail fast where forge supports it (forge ≥ 1.0).
FAIL_FAST=""
if "$ROOT/scripts/forge.sh" test --help </dev/null 2>/dev/null | grep -q -- "--fail-fast"; then
  FAIL_FAST="--fail-fast"
fi

declare -A KILLED SURVIVED UNVIABLE
declare -a SURVIVORS=()
only=" $* "
total=0
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '' | '#'*) continue ;; esac
  # Fields: ID | file | test regex | from | to (split on " | "; `||` in code is not a separator).
  IFS=$'\t' read -r id file tests from to < <(python3 -c '
import sys
f = [x.strip() for x in sys.argv[1].split(" | ", 4)]
if len(f) != 5: sys.exit("bad mutant line: " + sys.argv[1])
print("\t".join(f))' "$line") || exit 2
  if [ "$#" -gt 0 ] && [[ "$only" != *" $id "* ]]; then continue; fi
  contract="$(basename "$file" .sol)"
  TARGET="$SRC/$file"
  BACKUP="$(mktemp)"
  cp "$TARGET" "$BACKUP"
  if ! FROM="$from" TO="$to" python3 - "$TARGET" <<'PY'; then
import os, sys
path = sys.argv[1]
src = open(path).read()
frm = os.environ["FROM"].replace("\\n", "\n")
to = os.environ["TO"].replace("\\n", "\n")
if to == "<drop>":
    to = ""
n = src.count(frm)
if n != 1:
    sys.stderr.write(f"mutation pattern found {n} times (must be exactly once): {frm!r}\n")
    sys.exit(1)
open(path, "w").write(src.replace(frm, to))
PY
    echo "$id  $contract  INVALID (pattern not found exactly once)"
    restore
    exit 2
  fi
  total=$((total + 1))
  if [ -n "${MUTANTS_CHECK:-}" ]; then
    echo "$id  $contract  applies"
    restore
    continue
  fi
  log="$LOG_DIR/$id.log"
  if [ "${MUTANTS_TESTS:-}" = "full" ]; then
    filter=()
  else
    filter=(--match-contract "$tests")
  fi
  start=$(date +%s)
  if "$ROOT/scripts/forge.sh" test $FAIL_FAST "${SKIP[@]}" "${filter[@]}" </dev/null >"$log" 2>&1; then
    verdict="SURVIVED"
    SURVIVED[$contract]=$((${SURVIVED[$contract]:-0} + 1))
    SURVIVORS+=("$id $contract: $from -> $to")
  else
    if grep -q "Compiler run failed" "$log"; then
      # A mutant that does not compile says nothing about the tests: fix the list entry.
      verdict="UNVIABLE (does not compile)"
      UNVIABLE[$contract]=$((${UNVIABLE[$contract]:-0} + 1))
    else
      verdict="KILLED"
      KILLED[$contract]=$((${KILLED[$contract]:-0} + 1))
    fi
  fi
  echo "$id  $contract  $verdict  ($(($(date +%s) - start)) s)"
  restore
done <"$LIST"

echo
echo "== Solidity mutants: $total =="
status=0
for c in $(printf '%s\n' "${!KILLED[@]}" "${!SURVIVED[@]}" "${!UNVIABLE[@]}" | sort -u); do
  printf '%-20s killed %3d  survived %3d  unviable %d\n' "$c" "${KILLED[$c]:-0}" "${SURVIVED[$c]:-0}" \
    "${UNVIABLE[$c]:-0}"
done
if [ "${#SURVIVORS[@]}" -gt 0 ]; then
  status=1
  echo
  echo "Survivors:"
  printf '  %s\n' "${SURVIVORS[@]}"
fi
exit $status
