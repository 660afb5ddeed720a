#!/usr/bin/env node
// The `codex` binary. It runs the CLI bundle built beside it (dist/cli.cjs) through a V8 code cache (see
// launch/code-cache.ts): after the first run, starting reads compiled code instead of parsing the bundle.
import path from "node:path";
import type * as Cli from "./index.js";
import { loadBundle } from "./launch/code-cache.js";

/** The command this run is (for the cache: each command runs other code). */
function commandOf(argv: readonly string[]): string {
  const commands = [
    "generate-ts",
    "generate-json-schema",
    "app-server",
    "mcp-server",
    "mcp",
    "exec",
    "login",
    "logout",
  ];
  return commands.find((c) => argv.includes(c)) ?? "cli";
}

/** dist/cli.cjs's SHA-256, written here by the build (build/bundle-id.ts); left as is, the launcher hashes it. */
const BUNDLE_SHA256 = "<bundle sha256: written by the build>";
/** Runs longer than this never rewrite a cache that was read (see above). */
const GROW_CACHE_WITHIN_SECONDS = 120;

const argv = process.argv.slice(2);
// tsup builds this file as CommonJS, so __dirname is the directory of dist/codex.cjs.
const bundle = loadBundle(path.join(__dirname, "cli.cjs"), {
  variant: commandOf(argv),
  buildId: /^[0-9a-f]{64}$/.test(BUNDLE_SHA256) ? BUNDLE_SHA256 : undefined,
});
// Written at exit, the cache also holds the functions this run compiled lazily: most of what a start runs.
if (bundle.cache === "miss" || bundle.cache === "rejected") process.once("exit", bundle.saveCache);
// A run that went further than the one that wrote the cache adds what it compiled: only a short run, because V8
// drops the bytecode of functions unused for long, and a long run's cache could lack the start-up code.
else if (bundle.cache === "hit")
  process.once("exit", () => {
    if (process.uptime() <= GROW_CACHE_WITHIN_SECONDS) bundle.saveCacheIfGrown();
  });
const cli = bundle.exports as typeof Cli;
// A rejection is left unhandled on purpose: Node prints it and exits 1, as the ES module entry's top-level await did.
void cli.run(argv).then((code) => {
  process.exitCode = code;
});
