import { defineConfig } from "tsup";
import { zodEnglishOnly } from "./build/zod-english-only.js";

export default defineConfig({
  entry: ["src/index.ts", "src/main.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  // The workspace packages and their pure-JS dependencies are bundled into a few chunks: resolving and linking
  // several hundred small ESM files (zod alone is about a hundred) was most of the binary's start-up time. Code
  // that commands load lazily stays in chunks of its own (splitting), so it is still read only when used. Native
  // addons (better-sqlite3, the keyring, node-pty's prebuilt PTY) and the MCP SDK (loaded lazily) stay outside,
  // resolved from this package's own dependencies.
  noExternal: [/^(?!better-sqlite3$|@napi-rs\/keyring|@modelcontextprotocol\/sdk|@lydell\/node-pty)/],
  external: ["better-sqlite3", /^@napi-rs\/keyring/, /^@modelcontextprotocol\/sdk/, /^@lydell\/node-pty/],
  esbuildPlugins: [zodEnglishOnly],
  splitting: true,
  // Bundled CommonJS dependencies (commander) call require(); ESM output has none of its own.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});
