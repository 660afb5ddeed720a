import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TomlTable, TomlValue } from "@codex-ts/json-to-toml";
import { isTomlTable } from "@codex-ts/json-to-toml";
import { parse as parsePreserving, patch as patchPreserving } from "@decimalturn/toml-patch";
import { CONFIG_FILE_MAX_BYTES, readConfigText } from "./config-text.js";
import { ConfigError, ConfigVersionConflictError } from "./errors.js";
import { configVersion } from "./layers.js";
import type { McpServerConfig } from "./mcp.js";
import { checkRequestValue } from "./request-values.js";
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
  | { type: "writeValue"; path: string[]; value: TomlValue | null; merge: "replace" | "upsert" };

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
      const next = edits.length === 0 ? original : renderEdits(original, edits, opts.profile, this.path);
      const table = parseToml(next, this.path); // never write something we could not read back
      opts.validate?.(table);
      const changed = next !== original;
      if (changed) await writeAtomically(this.path, next);
      return { changed, version: configVersion(table), table };
    } finally {
      await release();
    }
  }
}

/** Applies edits to config text and returns the new text (pure; exported for tests). */
export function renderEdits(
  original: string,
  edits: readonly ConfigEdit[],
  profile: string | undefined,
  source = CONFIG_FILE,
): string {
  parseToml(original, source); // a syntax error is reported with its position and nothing is written
  const doc = parsePreserving(original) as Record<string, unknown>;
  const activeProfile = profile ?? (typeof doc.profile === "string" ? doc.profile : undefined);
  let mcpServers: Record<string, McpServerConfig> | undefined;
  for (const edit of edits) {
    switch (edit.type) {
      case "setModel": {
        if (edit.model !== null) checkRequestValue(null, "model", edit.model);
        const scope = activeProfile !== undefined ? ["profiles", activeProfile] : [];
        setOrClear(doc, [...scope, "model"], edit.model);
        setOrClear(doc, [...scope, "model_reasoning_effort"], edit.effort);
        break;
      }
      case "setPath":
        // A value TOML cannot hold (a lone surrogate, absurd nesting) is refused naming its key.
        checkRequestValue(null, edit.path.join("."), edit.value);
        setOrClear(doc, edit.path, edit.value);
        break;
      case "clearPath":
        setOrClear(doc, edit.path, null);
        break;
      case "writeValue":
        if (edit.value !== null) checkRequestValue(null, edit.path.join("."), edit.value);
        writeValue(doc, edit.path, edit.value, edit.merge);
        break;
      case "replaceMcpServers":
        mcpServers = edit.servers;
        delete doc.mcp_servers;
        break;
    }
  }
  let text = original.trim() === "" && Object.keys(doc).length === 0 ? "" : patchPreserving(original, doc);
  if (mcpServers !== undefined && Object.keys(mcpServers).length > 0) {
    const body = renderMcpServers(mcpServers);
    text = text.trimEnd() === "" ? body : `${text.trimEnd()}\n\n${body}`;
  }
  return text;
}

function setOrClear(doc: Record<string, unknown>, path: readonly string[], value: TomlValue | null): void {
  const parents = path.slice(0, -1);
  const last = path[path.length - 1];
  if (last === undefined) throw new ConfigError("config edit with an empty path");
  let node: Record<string, unknown> = doc;
  for (const key of parents) {
    const child = node[key];
    if (!isTomlTable(child)) {
      if (value === null) return; // clearing never creates tables
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  if (value === null) delete node[last];
  else node[last] = value;
}

/** The `writeValue` edit (see `ConfigEdit`): tables on the way are created, anything else there is refused. */
function writeValue(
  doc: Record<string, unknown>,
  path: readonly string[],
  value: TomlValue | null,
  merge: "replace" | "upsert",
): void {
  let node: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (child === undefined) {
      if (value === null) return;
      node[key] = {};
    } else if (!isTomlTable(child)) {
      throw new ConfigError("cannot set value on non-table parent");
    }
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) throw new ConfigError("config edit with an empty path");
  const existing = node[last];
  if (value === null) delete node[last];
  else if (merge === "upsert" && isTomlTable(existing) && isTomlTable(value)) mergeInto(existing, value);
  else node[last] = value;
}

/** Merges `overlay` into `target` in place, key by key; tables merge recursively, anything else replaces. */
function mergeInto(target: Record<string, unknown>, overlay: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(overlay)) {
    const existing = target[key];
    if (isTomlTable(existing) && isTomlTable(value)) mergeInto(existing, value);
    else target[key] = value;
  }
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function tomlScalar(value: string | number | boolean | string[]): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/** Seconds are always floats in Codex's output (`20` → `20.0`). */
function tomlFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

function sortedEntries(map: Record<string, string>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One standard table per server, sorted by name, keys in the order Codex writes them. */
export function renderMcpServers(servers: Record<string, McpServerConfig>): string {
  const blocks: string[] = [];
  for (const name of Object.keys(servers).sort()) {
    const server = servers[name]!;
    const header = `mcp_servers.${tomlKey(name)}`;
    const lines = [`[${header}]`];
    const subTables: [string, Record<string, string>][] = [];
    const t = server.transport;
    if (t.type === "stdio") {
      lines.push(`command = ${tomlScalar(t.command)}`);
      if (t.args.length) lines.push(`args = ${tomlScalar(t.args)}`);
      if (t.env && Object.keys(t.env).length) subTables.push(["env", t.env]);
      if (t.envVars.length) lines.push(`env_vars = ${tomlScalar(t.envVars)}`);
      if (t.cwd !== undefined) lines.push(`cwd = ${tomlScalar(t.cwd)}`);
    } else {
      lines.push(`url = ${tomlScalar(t.url)}`);
      if (t.bearerTokenEnvVar !== undefined)
        lines.push(`bearer_token_env_var = ${tomlScalar(t.bearerTokenEnvVar)}`);
      if (t.httpHeaders && Object.keys(t.httpHeaders).length) subTables.push(["http_headers", t.httpHeaders]);
      if (t.envHttpHeaders && Object.keys(t.envHttpHeaders).length) {
        subTables.push(["env_http_headers", t.envHttpHeaders]);
      }
    }
    if (!server.enabled) lines.push("enabled = false");
    if (server.startupTimeoutSec !== undefined)
      lines.push(`startup_timeout_sec = ${tomlFloat(server.startupTimeoutSec)}`);
    if (server.toolTimeoutSec !== undefined)
      lines.push(`tool_timeout_sec = ${tomlFloat(server.toolTimeoutSec)}`);
    if (server.enabledTools?.length) lines.push(`enabled_tools = ${tomlScalar(server.enabledTools)}`);
    if (server.disabledTools?.length) lines.push(`disabled_tools = ${tomlScalar(server.disabledTools)}`);
    blocks.push(lines.join("\n"));
    for (const [sub, map] of subTables) {
      blocks.push(
        [
          `[${header}.${sub}]`,
          ...sortedEntries(map).map(([k, v]) => `${tomlKey(k)} = ${tomlScalar(v)}`),
        ].join("\n"),
      );
    }
  }
  return `${blocks.join("\n\n")}\n`;
}

/** The file to edit, "" when missing; one the loader would refuse (not UTF-8, not a regular file) is not edited. */
async function readOrEmpty(path: string): Promise<string> {
  return (await readConfigText(path, { maxBytes: CONFIG_FILE_MAX_BYTES, strictUtf8: true })) ?? "";
}

async function writeAtomically(path: string, text: string): Promise<void> {
  let mode = 0o600;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    // New file: private by default, as Codex writes it.
  }
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
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
