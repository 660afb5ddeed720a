import { dirname, join } from "node:path";
import type { TomlTable, TomlValue } from "@codex-ts/config-loader";
import { MigrationError, readSourceJson } from "./sources.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `incoming` laid over `existing`: objects merge key by key, anything else replaces. */
function mergeJson(existing: Json, incoming: Json): Json {
  if (!isJsonObject(existing) || !isJsonObject(incoming)) return incoming;
  const out: JsonObject = { ...existing };
  for (const [key, value] of Object.entries(incoming)) {
    out[key] = key in out ? mergeJson(out[key] as Json, value) : value;
  }
  return out;
}

/**
 * The other agent's settings as it would apply them: `settings.json` with `settings.local.json` (beside it) laid
 * over it. A bad `settings.json` is an error; a bad local file is ignored, as 0.166.0 ignores it.
 */
export async function effectiveSettings(settingsPath: string): Promise<Json | undefined> {
  const base = (await readSourceJson(settingsPath)) as Json | undefined;
  let local: Json | undefined;
  try {
    local = (await readSourceJson(join(dirname(settingsPath), "settings.local.json"))) as Json | undefined;
  } catch (err) {
    if (err instanceof MigrationError && err.invalidData) return base;
    throw err;
  }
  if (local === undefined) return base;
  return base === undefined ? local : mergeJson(base, local);
}

/** An env value as Codex's `shell_environment_policy.set` takes it: scalars as text, the rest left out. */
function envValueText(value: Json): string | undefined {
  if (value === null || typeof value === "object") return undefined;
  return String(value);
}

/**
 * The Codex config the other agent's settings amount to: its `env` becomes `shell_environment_policy` (inheriting
 * the core variables, setting these), an enabled `sandbox` becomes `sandbox_mode = "workspace-write"`.
 */
export function configFromSettings(settings: Json): TomlTable {
  if (!isJsonObject(settings)) {
    throw new MigrationError("external agent settings root must be an object", true);
  }
  const root: TomlTable = {};
  const env = settings.env;
  if (isJsonObject(env) && Object.keys(env).length > 0) {
    const set: TomlTable = {};
    for (const [key, value] of Object.entries(env)) {
      const text = envValueText(value);
      if (text !== undefined) set[key] = text;
    }
    root.shell_environment_policy = { inherit: "core", set };
  }
  const sandbox = settings.sandbox;
  if (isJsonObject(sandbox) && sandbox.enabled === true) root.sandbox_mode = "workspace-write";
  return root;
}

const isTable = (v: TomlValue | undefined): v is TomlTable =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** One key to add to a config file: where, and what. */
export interface MissingValue {
  path: string[];
  value: TomlValue;
}

/**
 * What `incoming` adds to `existing` without changing anything there: each key the existing table lacks (at the
 * shallowest level it is missing), tables merged into tables; a value already set is never replaced.
 */
export function missingValues(existing: TomlTable, incoming: TomlTable, at: string[] = []): MissingValue[] {
  const out: MissingValue[] = [];
  for (const [key, value] of Object.entries(incoming)) {
    const current = existing[key];
    if (current === undefined) out.push({ path: [...at, key], value });
    else if (isTable(current) && isTable(value)) out.push(...missingValues(current, value, [...at, key]));
  }
  return out;
}

/**
 * The MCP servers of `incoming` (a `{mcp_servers: {...}}` table) that `existing` does not name yet; none when
 * `existing.mcp_servers` is something other than a table.
 */
export function missingMcpServers(existing: TomlTable, incoming: TomlTable): MissingValue[] {
  const servers = incoming.mcp_servers;
  if (!isTable(servers)) return [];
  const current = existing.mcp_servers;
  if (current === undefined) {
    return Object.entries(servers).map(([name, value]) => ({ path: ["mcp_servers", name], value }));
  }
  if (!isTable(current)) return [];
  return Object.entries(servers)
    .filter(([name]) => current[name] === undefined)
    .map(([name, value]) => ({ path: ["mcp_servers", name], value }));
}
