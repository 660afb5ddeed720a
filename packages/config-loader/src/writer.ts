import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TomlValue } from "@codex-ts/json-to-toml";
import { isTomlTable } from "@codex-ts/json-to-toml";
import { parse as parsePreserving, patch as patchPreserving } from "@decimalturn/toml-patch";
import { CONFIG_FILE_MAX_BYTES, readConfigText } from "./config-text.js";
import { ConfigError } from "./errors.js";
import type { McpServerConfig } from "./mcp.js";
import { checkRequestValue } from "./request-values.js";
import type { ReasoningEffort } from "./schema.js";
import { parseToml } from "./toml-file.js";

/** One typed change to config.toml (Codex's `ConfigEdit`). `null` removes a key. */
export type ConfigEdit =
  | { type: "setModel"; model: string | null; effort: ReasoningEffort | null }
  | { type: "replaceMcpServers"; servers: Record<string, McpServerConfig> }
  | { type: "setPath"; path: string[]; value: TomlValue }
  | { type: "clearPath"; path: string[] };

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
  apply(edits: readonly ConfigEdit[], opts: { profile?: string } = {}): Promise<boolean> {
    const run = this.queue.then(() => this.applyLocked(edits, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyLocked(edits: readonly ConfigEdit[], opts: { profile?: string }): Promise<boolean> {
    if (edits.length === 0) return false;
    await mkdir(this.codexHome, { recursive: true });
    const release = await acquireLock(`${this.path}.lock`);
    try {
      const original = await readOrEmpty(this.path);
      const next = renderEdits(original, edits, opts.profile, this.path);
      if (next === original) return false;
      parseToml(next, this.path); // never write something we could not read back
      await writeAtomically(this.path, next);
      return true;
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
