#!/usr/bin/env bash
# Installs every external part Atomic Mesh needs into a cache outside the repo.
# Idempotent: a second run checks each tool and returns in seconds.
#
#   MESH_TOOLS         cache folder (default ~/.cache/atomic-mesh/tools)
#   MESH_ANVIL, MESH_FORGE, MESH_CAST, MESH_SOLC, MESH_WASM_OPT, MESH_INJECTIVED
#                      point at a local binary instead of installing that tool
#
# Prints `export` lines for the resolved tools when called with --print-env.
set -euo pipefail

FOUNDRY_VERSION="1.5.1"
SOLC_VERSION="0.8.30"
BINARYEN_VERSION="132.0.0"
INJECTIVE_CORE_VERSION="1.18.2"
OZ_VERSION="5.4.0"
SOLADY_VERSION="0.1.26"

TOOLS="${MESH_TOOLS:-$HOME/.cache/atomic-mesh/tools}"
BIN="$TOOLS/bin"
mkdir -p "$BIN"
QUIET="${MESH_SETUP_QUIET:-}"

say() { [ -n "$QUIET" ] || echo "setup: $*" >&2; }
fail() {
  local tool="$1" var="$2" why="$3"
  echo "setup: ERROR: cannot install $tool: $why" >&2
  echo "setup: supply it yourself by pointing $var at a working binary, e.g. export $var=/path/to/$tool" >&2
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || fail "$1" "PATH" "the command '$1' is required to install the tools but was not found"; }

# ---------------------------------------------------------------- wasm target
ensure_wasm_target() {
  local tc
  tc="$(cd "$(dirname "$0")/.." && rustup show active-toolchain 2>/dev/null | cut -d' ' -f1)"
  if rustup target list --installed --toolchain "$tc" 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return
  fi
  say "adding wasm32-unknown-unknown to $tc"
  rustup target add --toolchain "$tc" wasm32-unknown-unknown >&2 ||
    fail "wasm32-unknown-unknown target" "RUSTUP_TOOLCHAIN" "rustup could not add it to $tc"
}

# ---------------------------------------------------------------- npm tools
npm_install() { # dir, packages...
  local dir="$1"; shift
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"name":"atomic-mesh-tools","private":true}' >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --save-exact "$@" >&2)
}

link_tool() { # name, override var, path inside cache, version args
  local name="$1" var="$2" target="$3"
  local override="${!var:-}"
  if [ -n "$override" ]; then
    [ -x "$override" ] || fail "$name" "$var" "$var=$override is not an executable file"
    ln -sf "$override" "$BIN/$name"
  else
    [ -x "$target" ] || return 1
    ln -sf "$target" "$BIN/$name"
  fi
}

check() { # name, var, version command...
  local name="$1" var="$2"; shift 2
  "$@" >/dev/null 2>&1 || fail "$name" "$var" "'$*' did not run"
}

ensure_foundry() {
  local d="$TOOLS/foundry-$FOUNDRY_VERSION"
  local t
  for t in anvil forge cast; do
    local var="MESH_$(echo $t | tr a-z A-Z)"
    local path="$d/node_modules/@foundry-rs/$t-linux-amd64/bin/$t"
    if [ -z "${!var:-}" ] && [ ! -x "$path" ]; then
      need npm
      say "installing $t $FOUNDRY_VERSION from npm"
      npm_install "$d" "@foundry-rs/$t-linux-amd64@$FOUNDRY_VERSION" || fail "$t" "$var" "npm install @foundry-rs/$t-linux-amd64@$FOUNDRY_VERSION failed"
      [ -x "$path" ] || path="$(find "$d/node_modules/@foundry-rs/$t-linux-amd64" -type f -name "$t" | head -1)"
      chmod +x "$path" 2>/dev/null || true
    fi
    link_tool "$t" "$var" "$path" || fail "$t" "$var" "binary not found at $path after install"
    check "$t" "$var" "$BIN/$t" --version
  done
}

ensure_solc() {
  local d="$TOOLS/solc-$SOLC_VERSION"
  if [ -z "${MESH_SOLC:-}" ]; then
    if [ ! -f "$d/node_modules/solc/soljson.js" ]; then
      need npm; need node
      say "installing solc $SOLC_VERSION (solcjs) from npm"
      npm_install "$d" "solc@$SOLC_VERSION" || fail solc MESH_SOLC "npm install solc@$SOLC_VERSION failed"
    fi
    cp "$(dirname "$0")/solc-shim.js" "$d/solc-shim.js"
    cat >"$d/solc" <<SH
#!/bin/sh
exec node "$d/solc-shim.js" "\$@"
SH
    chmod +x "$d/solc"
  fi
  link_tool solc MESH_SOLC "$d/solc" || fail solc MESH_SOLC "shim missing"
  "$BIN/solc" --version 2>/dev/null | grep -q "Version: $SOLC_VERSION" || [ -n "${MESH_SOLC:-}" ] ||
    fail solc MESH_SOLC "the shim did not report version $SOLC_VERSION"
}

ensure_solidity_libs() {
  local d="$TOOLS/sol-libs"
  if [ ! -d "$d/node_modules/@openzeppelin/contracts/token" ] || [ ! -d "$d/node_modules/solady/src" ]; then
    need npm
    say "installing @openzeppelin/contracts $OZ_VERSION and solady $SOLADY_VERSION from npm"
    npm_install "$d" "@openzeppelin/contracts@$OZ_VERSION" "solady@$SOLADY_VERSION" ||
      fail "solidity libraries" "MESH_TOOLS" "npm install of openzeppelin/solady failed"
  fi
  ln -sfn "$d/node_modules" "$TOOLS/sol-node_modules"
}

ensure_wasm_opt() {
  local d="$TOOLS/binaryen-$BINARYEN_VERSION"
  local path="$d/node_modules/binaryen/bin/wasm-opt"
  if [ -z "${MESH_WASM_OPT:-}" ] && ! "$path" --version >/dev/null 2>&1; then
    need npm
    say "installing wasm-opt (binaryen $BINARYEN_VERSION) from npm"
    npm_install "$d" "binaryen@$BINARYEN_VERSION" || fail wasm-opt MESH_WASM_OPT "npm install binaryen@$BINARYEN_VERSION failed"
  fi
  link_tool wasm-opt MESH_WASM_OPT "$path" || fail wasm-opt MESH_WASM_OPT "binary not found at $path"
  check wasm-opt MESH_WASM_OPT "$BIN/wasm-opt" --version
}

ensure_injectived() {
  local d="$TOOLS/injective-core-$INJECTIVE_CORE_VERSION"
  if [ -n "${MESH_INJECTIVED:-}" ]; then
    [ -x "$MESH_INJECTIVED" ] || fail injectived MESH_INJECTIVED "$MESH_INJECTIVED is not executable"
    cat >"$BIN/injectived" <<SH
#!/bin/sh
exec "$MESH_INJECTIVED" "\$@"
SH
  else
    if [ ! -x "$d/bin/injectived" ]; then
      need python3; need zstd
      say "installing injectived (PyPI injective-core $INJECTIVE_CORE_VERSION)"
      rm -rf "$d.tmp" && mkdir -p "$d.tmp/dl" "$d.tmp/wheel" "$d.tmp/bin"
      python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$d.tmp/dl" "injective-core==$INJECTIVE_CORE_VERSION" >&2 ||
        fail injectived MESH_INJECTIVED "pip download injective-core==$INJECTIVE_CORE_VERSION failed"
      python3 -m zipfile -e "$d.tmp/dl"/*.whl "$d.tmp/wheel" >&2
      local tz
      tz="$(find "$d.tmp/wheel" -name 'injectived.tar.zst' | head -1)"
      [ -n "$tz" ] || fail injectived MESH_INJECTIVED "the wheel holds no injectived.tar.zst"
      zstd -dc "$tz" | tar -x -C "$d.tmp/bin" || fail injectived MESH_INJECTIVED "could not unpack $tz"
      local exe lib
      exe="$(find "$d.tmp/bin" -type f -name "injectived*" ! -name "*.so" | head -1)"
      lib="$(find "$d.tmp/bin" -name 'libwasmvm*.so' | head -1)"
      [ -n "$exe" ] && [ -n "$lib" ] || fail injectived MESH_INJECTIVED "injectived or libwasmvm missing from the archive"
      mkdir -p "$d.tmp/final/bin" "$d.tmp/final/lib"
      mv "$exe" "$d.tmp/final/bin/injectived.real"
      find "$d.tmp/bin" -name '*.so*' -exec mv {} "$d.tmp/final/lib/" \;
      cat >"$d.tmp/final/bin/injectived" <<SH
#!/bin/sh
LD_LIBRARY_PATH="$d/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$d/bin/injectived.real" "\$@"
SH
      chmod +x "$d.tmp/final/bin/injectived" "$d.tmp/final/bin/injectived.real"
      rm -rf "$d" && mv "$d.tmp/final" "$d"
      # the wrapper above names $d, so it is only valid once moved in place
      rm -rf "$d.tmp"
    fi
    ln -sf "$d/bin/injectived" "$BIN/injectived"
  fi
  check injectived MESH_INJECTIVED "$BIN/injectived" version
}

ensure_wasm_target
ensure_foundry
ensure_solc
ensure_solidity_libs
ensure_wasm_opt
ensure_injectived

if [ "${1:-}" = "--print-env" ]; then
  echo "export MESH_TOOLS=\"$TOOLS\""
  echo "export PATH=\"$BIN:\$PATH\""
fi
say "tools ready in $BIN: $(ls "$BIN" | tr '\n' ' ')"
