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

/**
 * Resolves with the first entry of a wrapper's log that passes `pred`, once the wrapper has written it: the log's
 * directory is watched, and the log read again after each change (and at least every 200 ms, as a watch can miss
 * an event). Rejects after `timeoutMs`.
 */
export async function waitForTeeEntry(
  file: string,
  pred: (entry: TeeEntry) => boolean,
  what = "tee log entry",
  timeoutMs = 30_000,
): Promise<TeeEntry> {
  const deadline = Date.now() + timeoutMs;
  const controller = new AbortController();
  let changed: () => void = () => {};
  const watcher = (async () => {
    try {
      for await (const _ of fs.watch(path.dirname(file), { signal: controller.signal })) changed();
    } catch {
      // aborted, or the directory is gone: the periodic read still runs
    }
  })();
  try {
    for (;;) {
      const found = (await readTeeLog(file)).find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} in ${file}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    controller.abort();
    await watcher;
  }
}
