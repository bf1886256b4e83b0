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
# Before any mutant runs, every selected entry is checked against the current sources: a `from`
# that is missing or occurs more than once, a malformed line, a duplicate ID or an ID asked for
# on the command line that the list does not have stops the run (exit 2) with every such entry
# named. A mutation that silently did not apply would be counted as survived (or, with a broken
# suite, as killed) without testing anything. Then the selected suites run once on the unmutated
# sources (MUTANTS_BASELINE=0 skips it): if they fail, every mutant would count as killed, so the
# run stops (exit 2).
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

# Preflight: parse the list, select the entries, and check every selected mutation applies
# exactly once to the current sources (nothing is written). Prints the selected entries as
# tab-separated `ID file tests from to` (from/to still escaped), or names every problem and exits 2.
ENTRIES="$(python3 - "$LIST" "$SRC" "$@" <<'PY'
import os, sys
lst, src, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
problems, entries, seen = [], [], set()
for no, line in enumerate(open(lst).read().splitlines(), 1):
    if not line.strip() or line.startswith("#"):
        continue
    # Fields: ID | file | test regex | from | to (split on " | "; `||` in code is not a separator).
    f = [x.strip() for x in line.split(" | ", 4)]
    if len(f) != 5 or not all(f):
        problems.append(f"line {no}: malformed (want `ID | file | tests | from | to`): {line}")
        continue
    if any("\t" in x for x in f):
        problems.append(f"line {no}: {f[0]}: a tab in a field")
        continue
    if f[0] in seen:
        problems.append(f"line {no}: duplicate ID {f[0]}")
        continue
    seen.add(f[0])
    if f[3] == f[4]:
        problems.append(f"line {no}: {f[0]}: `from` and `to` are the same")
        continue
    if wanted and f[0] not in wanted:
        continue
    path = os.path.join(src, f[1])
    if not os.path.isfile(path):
        problems.append(f"{f[0]}: no such file evm-contracts/src/{f[1]}")
        continue
    n = open(path).read().count(f[3].replace("\\n", "\n"))
    if n != 1:
        problems.append(f"{f[0]}: `from` found {n} times in {f[1]} (must be exactly once): {f[3]!r}")
        continue
    entries.append("\t".join(f))
for w in wanted:
    if w not in seen:
        problems.append(f"{w}: no such mutant in {lst}")
if problems:
    sys.stderr.write("mutants-sol: the list does not apply to the current sources:\n")
    for p in problems:
        sys.stderr.write(f"  {p}\n")
    sys.exit(2)
print("\n".join(entries))
PY
)" || exit 2
[ -n "$ENTRIES" ] || { echo "mutants-sol: no mutants in $LIST" >&2; exit 2; }

if [ -z "${MUTANTS_CHECK:-}" ] && [ "${MUTANTS_BASELINE:-1}" != "0" ]; then
  # The selected suites must pass on the unmutated sources, or every mutant counts as killed.
  if [ "${MUTANTS_TESTS:-}" = "full" ]; then
    filter=()
  else
    filter=(--match-contract "$(cut -f3 <<<"$ENTRIES" | tr '|' '\n' | sort -u | paste -sd '|')")
  fi
  if ! "$ROOT/scripts/forge.sh" test "${SKIP[@]}" "${filter[@]}" </dev/null >"$LOG_DIR/baseline.log" 2>&1; then
    echo "mutants-sol: the tests fail without any mutation (see $LOG_DIR/baseline.log)" >&2
    exit 2
  fi
  echo "baseline (unmutated): tests pass"
fi

declare -A KILLED SURVIVED UNVIABLE
declare -a SURVIVORS=()
total=0
while IFS=$'\t' read -r id file tests from to; do
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
done <<<"$ENTRIES"

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
