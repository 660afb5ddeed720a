import { realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TomlTable } from "@codex-ts/config-loader";
import { isJsonObject, type Json, type JsonObject } from "./settings.js";
import { AGENT_STATE_FILE_MAX_BYTES, readSourceJson } from "./sources.js";

/** The other agent's MCP lists in a directory: the shared `.mcp.json`, then its own state file. */
const MCP_FILE = ".mcp.json";
const STATE_FILE = ".claude.json";

type Servers = Map<string, Json>;

const readMcpJson = (path: string) =>
  readSourceJson(path, "invalid MCP config: ", AGENT_STATE_FILE_MAX_BYTES) as Promise<Json | undefined>;

/** `value.mcpServers` into `servers`: replacing what is there, or only adding names not there yet. */
function addServers(value: Json, servers: Servers, overwrite: boolean): void {
  const list = isJsonObject(value) ? value.mcpServers : undefined;
  if (!isJsonObject(list)) return;
  for (const [name, config] of Object.entries(list)) {
    if (overwrite || !servers.has(name)) servers.set(name, config);
  }
}

/** Whether a `projects` key of the state file names `root` (as written, or once both are resolved). */
async function sameDirectory(projectPath: string, root: string): Promise<boolean> {
  if (projectPath === root) return true;
  const [a, b] = await Promise.all([
    realpath(projectPath).catch(() => null),
    realpath(root).catch(() => null),
  ]);
  return a !== null && a === b;
}

async function addProjectServers(
  state: Json,
  root: string,
  servers: Servers,
  overwrite: boolean,
): Promise<void> {
  const projects = isJsonObject(state) ? state.projects : undefined;
  if (!isJsonObject(projects)) return;
  for (const [path, project] of Object.entries(projects)) {
    if (await sameDirectory(path, root)) addServers(project, servers, overwrite);
  }
}

/**
 * The other agent's MCP servers for `sourceRoot` (the home directory, or a repository): `.mcp.json`, then
 * `.claude.json` and its entry for the root under `projects` (later ones win); for a repository also the home
 * state file's entry for it, where it adds names only.
 */
export async function readAgentMcpServers(sourceRoot: string, agentHome: string): Promise<Servers> {
  const servers: Servers = new Map();
  const shared = await readMcpJson(join(sourceRoot, MCP_FILE));
  if (shared !== undefined) addServers(shared, servers, true);
  const state = await readMcpJson(join(sourceRoot, STATE_FILE));
  if (state !== undefined) {
    addServers(state, servers, true);
    await addProjectServers(state, sourceRoot, servers, true);
  }
  const agentRoot = dirname(agentHome);
  if (agentRoot !== sourceRoot) {
    const homeState = await readMcpJson(join(agentRoot, STATE_FILE));
    if (homeState !== undefined) await addProjectServers(homeState, sourceRoot, servers, false);
  }
  return servers;
}

/** The servers of one MCP list file (Cursor's `mcp.json`); none when it is not there. */
export async function readMcpJsonServers(file: string): Promise<Servers> {
  const servers: Servers = new Map();
  const list = await readMcpJson(file);
  if (list !== undefined) addServers(list, servers, true);
  return servers;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `${NAME}` or `${NAME:-default}`: the variable's name; null for anything else. */
function envPlaceholder(value: string): string | null {
  if (!value.startsWith("${") || !value.endsWith("}")) return null;
  const inner = value.slice(2, -1);
  const cut = inner.indexOf(":-");
  const name = cut === -1 ? inner : inner.slice(0, cut);
  return ENV_NAME.test(name) ? name : null;
}

const hasPlaceholder = (value: string) => value.includes("${");
/** A scalar as text (strings as they are, numbers and booleans written out); null for null and containers. */
const jsonText = (value: Json | undefined): string | null =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : null;
/** A JSON value as the other agent's env or header text: strings as they are, anything else as JSON. */
const valueText = (value: Json): string => (typeof value === "string" ? value : JSON.stringify(value));
/** A list of scalars as texts (containers and nulls dropped); a lone scalar is a list of one. */
const stringList = (value: Json | undefined): string[] => {
  const items = Array.isArray(value) ? value : [value];
  return items.map(jsonText).filter((v): v is string => v !== null);
};

/** `env` as Codex takes it: `${KEY}` of its own name forwarded (`env_vars`), literal values set (`env`). */
function addEnv(table: TomlTable, env: JsonObject): boolean {
  const literal: TomlTable = {};
  const forwarded: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    const text = valueText(value);
    if (envPlaceholder(text) === key) forwarded.push(key);
    else if (hasPlaceholder(text)) return false;
    else literal[key] = text;
  }
  if (forwarded.length > 0) table.env_vars = forwarded;
  if (Object.keys(literal).length > 0) table.env = literal;
  return true;
}

/** `headers`: a `Bearer ${VAR}` authorization becomes `bearer_token_env_var`, `${VAR}` values `env_http_headers`. */
function addHeaders(table: TomlTable, headers: JsonObject): boolean {
  const literal: TomlTable = {};
  const fromEnv: TomlTable = {};
  for (const [key, value] of Object.entries(headers)) {
    const text = valueText(value);
    const bearer = text.startsWith("Bearer ") ? envPlaceholder(text.slice("Bearer ".length)) : null;
    if (key.toLowerCase() === "authorization" && bearer) {
      table.bearer_token_env_var = bearer;
      continue;
    }
    const variable = envPlaceholder(text);
    if (variable) fromEnv[key] = variable;
    else if (hasPlaceholder(text)) return false;
    else literal[key] = text;
  }
  if (Object.keys(literal).length > 0) table.http_headers = literal;
  if (Object.keys(fromEnv).length > 0) table.env_http_headers = fromEnv;
  return true;
}

interface ServerFilter {
  enabled: string[];
  disabled: Set<string>;
}

function isDisabled(name: string, config: JsonObject, f: ServerFilter): boolean {
  return (
    config.enabled === false ||
    config.disabled === true ||
    (f.enabled.length > 0 && !f.enabled.includes(name)) ||
    f.disabled.has(name)
  );
}

/**
 * One server as Codex's `[mcp_servers.NAME]`: a stdio command (with args and env) or a streamable HTTP url (with
 * headers). Null when Codex could not run it as written: disabled, another transport, or a `${...}` it cannot
 * carry over.
 */
function serverTable(name: string, config: Json, f: ServerFilter): TomlTable | null {
  if (!isJsonObject(config) || isDisabled(name, config, f)) return null;
  const transport = jsonText(config.type);
  const table: TomlTable = {};
  const command = jsonText(config.command);
  const url = jsonText(config.url);
  if (command !== null) {
    if (transport !== null && transport !== "stdio") return null;
    if (hasPlaceholder(command)) return null;
    table.command = command;
    if (config.args !== undefined) {
      const args = stringList(config.args);
      if (args.some(hasPlaceholder)) return null;
      if (args.length > 0) table.args = args;
    }
    if (isJsonObject(config.env) && !addEnv(table, config.env)) return null;
  } else if (url !== null) {
    if (transport !== null && transport !== "http" && transport !== "streamable_http") return null;
    if (hasPlaceholder(url)) return null;
    table.url = url;
    if (isJsonObject(config.headers) && !addHeaders(table, config.headers)) return null;
  } else {
    return null;
  }
  return table;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The `{mcp_servers: {...}}` table the other agent's servers amount to (names in order), honouring its
 * `enabledMcpjsonServers` / `disabledMcpjsonServers` settings; empty when none can be carried over.
 */
export function mcpConfigFromServers(servers: Servers, settings: Json | undefined): TomlTable {
  const s = isJsonObject(settings) ? settings : {};
  const filter: ServerFilter = {
    enabled: stringList(s.enabledMcpjsonServers),
    disabled: new Set(stringList(s.disabledMcpjsonServers)),
  };
  const out: TomlTable = {};
  for (const name of [...servers.keys()].sort(byName)) {
    const table = serverTable(name, servers.get(name) as Json, filter);
    if (table) out[name] = table;
  }
  return Object.keys(out).length > 0 ? { mcp_servers: out } : {};
}
