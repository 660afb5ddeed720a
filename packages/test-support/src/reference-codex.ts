import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs from packages/test-support/dist or /src). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Our built CLI (`pnpm build` makes it); the harness starts `node <CLI> app-server`. */
export const CLI_MAIN = path.join(REPO_ROOT, "apps/cli/dist/main.js");

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
 * The native Codex 0.166.0 executable (the protocol's later generation): `$CODEX_0166_BIN`, else the copy in the
 * repository's `.cache` (where the 0.166 schema comes from). Undefined when neither exists.
 */
export const CODEX_0166_BIN: string | undefined = [
  process.env.CODEX_0166_BIN,
  path.join(
    REPO_ROOT,
    ".cache/codex-0.166.0/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
  ),
].find((p): p is string => !!p && existsSync(p));

/**
 * `@agentclientprotocol/codex-acp` 2.6.0's entry script (`$CODEX_ACP_ENTRY`, else the install in `.cache`), the ACP
 * adapter editors ship; undefined when it is not installed.
 */
export const CODEX_ACP_ENTRY: string | undefined = [
  process.env.CODEX_ACP_ENTRY,
  path.join(REPO_ROOT, ".cache/codex-acp-2.6.0/node_modules/@agentclientprotocol/codex-acp/dist/index.js"),
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
