import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The tee script (built beside this module as `tee-app-server.js`). */
const TEE_SCRIPT = fileURLToPath(new URL("./tee-app-server.js", import.meta.url));

export interface CodexWrapperOptions {
  /** What runs as the app server, e.g. `[process.execPath, "apps/cli/dist/main.js"]` or a codex binary. */
  command: string[];
  /** JSONL log of every line both ways (`readTeeLog`); the server's stderr goes to `<log>.stderr`. */
  log?: string | null;
  /**
   * Answers, by method, for requests the server answers with an `unknown variant` error (for methods another piece
   * of work will add; each use is logged as `s2c(fallback)`).
   */
  fallbacks?: Record<string, unknown>;
}

/** One line the wrapper saw: `c2s` (client → server), `s2c`, or `s2c(fallback)`. */
export interface TeeEntry {
  at: number;
  dir: "c2s" | "s2c" | "s2c(fallback)";
  msg: Record<string, unknown> & { id?: number | string; method?: string; params?: unknown };
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Writes an executable `codex` in `dir` for clients that need a path to spawn (`CODEX_PATH` of codex-acp): it runs
 * `o.command` with the client's arguments through the tee script. Returns its path.
 */
export async function writeCodexWrapper(dir: string, o: CodexWrapperOptions): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const config = path.join(dir, "codex-wrapper.json");
  await fs.writeFile(
    config,
    JSON.stringify({ command: o.command, log: o.log ?? null, fallbacks: o.fallbacks ?? {} }),
  );
  const script = path.join(dir, "codex");
  const argv = [process.execPath, TEE_SCRIPT, config].map(shQuote).join(" ");
  await fs.writeFile(script, `#!/bin/sh\nexec ${argv} "$@"\n`, { mode: 0o755 });
  return script;
}

/** The entries of a wrapper's log (none when it was not written). */
export async function readTeeLog(file: string): Promise<TeeEntry[]> {
  const text = await fs.readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as TeeEntry);
}
