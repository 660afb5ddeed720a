import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's `.cache` (where scripts/test-all.sh installs the reference binaries). */
const CACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../.cache");
const firstExisting = (...candidates: (string | undefined)[]) =>
  candidates.find((p): p is string => !!p && existsSync(p));

/**
 * The real Codex 0.58.0 binary that comparison tests run beside ours: `$CODEX_REFERENCE_BIN` (set by
 * scripts/test-all.sh to the copy it installs), else a developer's /tmp/codex058 install. Undefined when neither
 * exists; such tests then check this implementation alone.
 */
export const REFERENCE_CODEX_BIN: string | undefined = firstExisting(
  process.env.CODEX_REFERENCE_BIN,
  "/tmp/codex058/node_modules/.bin/codex",
);

/**
 * The real Codex 0.166.0 (`$CODEX_0166_BIN`, else the npm install scripts/test-all.sh makes in `.cache`): the
 * behaviour 0.166 connections are compared with. Undefined when it is not installed.
 */
export const REFERENCE_CODEX_0166_BIN: string | undefined = firstExisting(
  process.env.CODEX_0166_BIN,
  path.join(CACHE, "codex-0.166.0/node_modules/.bin/codex"),
);

/**
 * `@agentclientprotocol/codex-acp` 2.6.0's entry script (`$CODEX_ACP_ENTRY`, else the install in `.cache`), the ACP
 * adapter editors ship; undefined when it is not installed.
 */
export const CODEX_ACP_ENTRY: string | undefined = firstExisting(
  process.env.CODEX_ACP_ENTRY,
  path.join(CACHE, "codex-acp-2.6.0/node_modules/@agentclientprotocol/codex-acp/dist/index.js"),
);
