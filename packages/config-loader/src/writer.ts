import { constants } from "node:fs";
import { mkdir, open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TomlTable, TomlValue } from "@codex-ts/json-to-toml";
import { writeFileAtomically } from "./atomic-write.js";
import { CONFIG_FILE_MAX_BYTES, readConfigText } from "./config-text.js";
import { ConfigVersionConflictError } from "./errors.js";
import { configVersion } from "./layers.js";
import type { McpServerConfig } from "./mcp.js";
import type { ReasoningEffort } from "./schema.js";
import { parseToml } from "./toml-file.js";

/** One typed change to config.toml (Codex's `ConfigEdit`). `null` removes a key. */
export type ConfigEdit =
  | { type: "setModel"; model: string | null; effort: ReasoningEffort | null }
  | { type: "replaceMcpServers"; servers: Record<string, McpServerConfig> }
  | { type: "setPath"; path: string[]; value: TomlValue }
  | { type: "clearPath"; path: string[] }
  /**
   * Codex 0.166.0's `config/value/write` edit: `replace` sets the value (null removes the key), `upsert` merges a
   * table into the table already there (key by key, recursively) and otherwise replaces. Unlike `setPath`, a
   * non-table in the way is refused (`cannot set value on non-table parent`) rather than replaced.
   */
  | { type: "writeValue"; path: string[]; value: TomlValue | null; merge: "replace" | "upsert" }
  /**
   * Sets `value` only where nothing is set yet (tables on the way created); a value already there, or a non-table
   * on the way, leaves the file as it is. Decided while the file is locked, so a concurrent writer's value is never
   * replaced (a migration adding what another agent configured).
   */
  | { type: "setIfAbsent"; path: string[]; value: TomlValue };

/** Options of one write. */
export interface WriteOptions {
  /** Scopes `setModel` to this profile (default: the file's own `profile`). */
  profile?: string | undefined;
  /** Refuse the write (`ConfigVersionConflictError`) unless the file's current `configVersion` is this one. */
  expectedVersion?: string | undefined;
  /** Checks the edited table before it is written (throw a `ConfigError` to refuse it). */
  validate?: ((table: TomlTable) => void) | undefined;
}

/** What a write did: whether the file changed, and the version and table of the file now. */
export interface WriteResult {
  changed: boolean;
  version: string;
  table: TomlTable;
}

const CONFIG_FILE = "config.toml";
const LOCK_STALE_MS = 30_000;
const LOCK_RETRY_MS = 25;

/**
 * The single place that writes config.toml. Edits are applied to the user's text with a format-preserving TOML
 * editor (comments, key order and spacing survive), the result is re-parsed before it is written, and the write is
 * atomic (temp file in the same directory, fsync, rename, the file's mode kept; new files get 0600). A lock file
 * serialises writers across processes, and a promise chain within one process, so concurrent edits all land.
 */
export class ConfigWriter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly codexHome: string) {}

  get path(): string {
    return join(this.codexHome, CONFIG_FILE);
  }

  /** Applies `edits` in order; resolves to whether the file changed. `profile` scopes `setModel`. */
  async apply(edits: readonly ConfigEdit[], opts: { profile?: string } = {}): Promise<boolean> {
    if (edits.length === 0) return false;
    return (await this.write(edits, opts)).changed;
  }

  /**
   * Applies `edits` in order, all or nothing, and reports the file's version afterwards. With `expectedVersion`
   * the file must still be at that version when the lock is held; `validate` sees the edited table first.
   */
  write(edits: readonly ConfigEdit[], opts: WriteOptions = {}): Promise<WriteResult> {
    const run = this.queue.then(() => this.writeLocked(edits, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeLocked(edits: readonly ConfigEdit[], opts: WriteOptions): Promise<WriteResult> {
    await mkdir(this.codexHome, { recursive: true });
    const release = await acquireLock(`${this.path}.lock`);
    try {
      const original = await readOrEmpty(this.path);
      const current = parseToml(original, this.path);
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== configVersion(current)) {
        throw new ConfigVersionConflictError();
      }
      // The format-preserving editor (a large module) is loaded by the first write: reading config never needs it.
      const { renderEdits } = await import("./render-edits.js");
      const next = edits.length === 0 ? original : renderEdits(original, edits, opts.profile, this.path);
      const table = parseToml(next, this.path); // never write something we could not read back
      opts.validate?.(table);
      const changed = next !== original;
      if (changed) await writeFileAtomically(this.path, next, { newFileMode: 0o600 });
      return { changed, version: configVersion(table), table };
    } finally {
      await release();
    }
  }
}

/** The file to edit, "" when missing; one the loader would refuse (not UTF-8, not a regular file) is not edited. */
async function readOrEmpty(path: string): Promise<string> {
  return (await readConfigText(path, { maxBytes: CONFIG_FILE_MAX_BYTES, strictUtf8: true })) ?? "";
}

/** An exclusive lock file shared with other processes; a lock older than 30 s is presumed abandoned. */
async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  for (;;) {
    try {
      const handle = await open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      try {
        const age = Date.now() - (await stat(lockPath)).mtimeMs;
        if (age > LOCK_STALE_MS) await rm(lockPath, { force: true });
      } catch {
        // The holder released it meanwhile: retry at once.
      }
      await new Promise((r) => setTimeout(r, LOCK_RETRY_MS));
    }
  }
}
