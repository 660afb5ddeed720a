import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The real Codex 0.58.0 binary that comparison tests run beside ours: `$CODEX_REFERENCE_BIN` (set by
 * scripts/test-all.sh to the copy it installs), else a developer's /tmp/codex058 install. Undefined when neither
 * exists; such tests then check this implementation alone.
 */
export const REFERENCE_CODEX_BIN: string | undefined = [
  process.env.CODEX_REFERENCE_BIN,
  "/tmp/codex058/node_modules/.bin/codex",
].find((p): p is string => !!p && existsSync(p));

/**
 * The real codex 0.166.0 native binary, for side-by-side tests of 0.166 connections: `$CODEX_REFERENCE_0166_BIN`,
 * else the copy in the repository's `.cache` (where the 0.166 schema export comes from too). Undefined when neither
 * exists; such tests then check this implementation alone and print why. Run it offline: a CODEX_HOME whose config
 * turns `[features] plugins` off (otherwise it fetches plugin catalogues from github.com and chatgpt.com at start)
 * and proxies pointing at a closed port, as `referenceEnv0166` gives.
 */
export const REFERENCE_CODEX_0166_BIN: string | undefined = [
  process.env.CODEX_REFERENCE_0166_BIN,
  fileURLToPath(
    new URL(
      "../../../.cache/codex-0.166.0/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
      import.meta.url,
    ),
  ),
].find((p): p is string => !!p && existsSync(p));

/** The 0.166.0 JSON Schema export kept beside the binary (`generate-json-schema --experimental`), if present. */
export const REFERENCE_SCHEMA_0166_DIR: string | undefined = [
  process.env.CODEX_REFERENCE_0166_SCHEMA,
  fileURLToPath(new URL("../../../.cache/schema-0.166", import.meta.url)),
].find((p): p is string => !!p && existsSync(p));

/**
 * Environment for running the 0.166.0 binary in a test: only PATH and the given CODEX_HOME and HOME, every proxy
 * variable pointing at 127.0.0.1:9 (nothing listens there) so that nothing it tries can reach the network.
 */
export function referenceEnv0166(codexHome: string, home: string): NodeJS.ProcessEnv {
  const blocked = "http://127.0.0.1:9";
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    CODEX_HOME: codexHome,
    TERM: "xterm",
    HTTPS_PROXY: blocked,
    HTTP_PROXY: blocked,
    ALL_PROXY: blocked,
    https_proxy: blocked,
    http_proxy: blocked,
    all_proxy: blocked,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
  };
}
