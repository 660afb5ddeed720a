import { chmod, writeFile } from "node:fs/promises";
import { defineConfig } from "tsup";
import { asciiBundle } from "./build/ascii-bundle.js";
import { writeBundleId } from "./build/bundle-id.js";
import { zodTrimmed } from "./build/zod-trimmed.js";

/** `node dist/main.js` (tests, scripts, the demo) runs the same CLI as the `codex` bin. */
const MAIN_SHIM = `#!/usr/bin/env node
// The codex CLI for callers that run dist/main.js: the same as the \`codex\` bin (dist/codex.cjs).
import { createRequire } from "node:module";
createRequire(import.meta.url)("./codex.cjs");
`;

export default defineConfig({
  // dist/cli.cjs is the whole CLI (and the package's library entry); dist/codex.cjs, the `codex` bin, runs it
  // through a V8 code cache (src/launch/code-cache.ts). Both are CommonJS: Node 20 can cache the compiled code of
  // a script (vm.Script), not of an ES module. One file, not chunks: with the cache, parsing is no longer what a
  // start pays for; lazily loaded parts are still evaluated only when used (esbuild keeps them in init functions).
  entry: { cli: "src/index.ts", codex: "src/codex.ts" },
  format: ["cjs"],
  outExtension: () => ({ js: ".cjs" }),
  target: "node20",
  platform: "node",
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  // Without indentation and comments the bundle is 1.9 MB instead of 2.7 MB: its source stays in memory for the
  // whole process (V8 compiles the functions the code cache lacks from it), so this is ~0.75 MiB less resident, and
  // less to read and copy at every start. Names are kept (stack traces, `constructor.name`); lines are cut at ~120
  // characters (`lineLimit`, below), so a crash prints a short line of code, and dist/cli.cjs.map maps positions
  // back to the sources (`node --enable-source-maps`).
  minifyWhitespace: true,
  clean: true,
  // The workspace packages and their pure-JS dependencies are bundled. Native addons (better-sqlite3, the keyring,
  // node-pty's prebuilt PTY) and the MCP SDK (loaded lazily) stay outside, resolved from this package's own
  // dependencies; their dynamic imports become require() (below), which a cached script can run without flags.
  // better-sqlite3's own JavaScript (`lib/`) is bundled (core's index-db.ts), not its `bindings` locator, which only
  // the package entry required from outside uses.
  noExternal: [
    /^(?!better-sqlite3$|bindings$|@napi-rs\/keyring|@modelcontextprotocol\/sdk|@lydell\/node-pty)/,
  ],
  external: [
    "better-sqlite3",
    "bindings",
    /^@napi-rs\/keyring/,
    /^@modelcontextprotocol\/sdk/,
    /^@lydell\/node-pty/,
  ],
  esbuildPlugins: [zodTrimmed],
  esbuildOptions(options) {
    // import() inside a vm.Script needs --experimental-vm-modules; these packages all have CommonJS entries.
    options.supported = { ...options.supported, "dynamic-import": false };
    // Minified lines stay short (see minifyWhitespace); only a long string literal can make one longer.
    options.lineLimit = 120;
    // The bundled packages are ES modules: strict mode, and import.meta.url is the bundle's own URL.
    options.define = { ...options.define, "import.meta.url": "__codexBundleUrl" };
  },
  banner: {
    js: '"use strict";\nvar __codexBundleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  async onSuccess() {
    // The launcher's fast path reads an ASCII bundle as latin1; comments may carry other characters.
    await asciiBundle("dist/cli.cjs");
    // Last: the launcher carries the hash of the bundle as it ships.
    await writeBundleId("dist/codex.cjs", "dist/cli.cjs");
    await writeFile("dist/main.js", MAIN_SHIM);
    await chmod("dist/main.js", 0o755);
  },
});
