#!/usr/bin/env node
// A native-solc-compatible front for solcjs, enough for forge:
//   solc --version
//   solc [--base-path P] [--include-path P]... [--allow-paths ...] --standard-json  (input on stdin)
// Imports are resolved against the base path, include paths and the current directory.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require(path.join(__dirname, "node_modules", "solc"));

const args = process.argv.slice(2);
if (args.includes("--version") || args.includes("-v")) {
  const v = solc.version().replace(".Emscripten.clang", "");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}.Linux.g++\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("solc shim: only --version and --standard-json are supported\n");
  process.exit(1);
}
const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--base-path" || args[i] === "--include-path") roots.push(args[++i]);
}
roots.push(process.cwd());

function findImports(p) {
  const candidates = path.isAbsolute(p) ? [p] : roots.map((r) => path.resolve(r, p));
  for (const c of candidates) {
    try {
      return { contents: fs.readFileSync(c, "utf8") };
    } catch (_) {}
  }
  return { error: `File not found: ${p} (searched ${roots.join(", ")})` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
