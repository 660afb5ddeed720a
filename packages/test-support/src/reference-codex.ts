import { existsSync } from "node:fs";

/**
 * The real Codex 0.58.0 binary that comparison tests run beside ours: `$CODEX_REFERENCE_BIN` (set by
 * scripts/test-all.sh to the copy it installs), else a developer's /tmp/codex058 install. Undefined when neither
 * exists; such tests then check this implementation alone.
 */
export const REFERENCE_CODEX_BIN: string | undefined = [
  process.env.CODEX_REFERENCE_BIN,
  "/tmp/codex058/node_modules/.bin/codex",
].find((p): p is string => !!p && existsSync(p));
