// The `[mcp_servers.<name>]` tables as Codex writes them (`codex mcp add`, `replaceMcpServers`).
import type { McpServerConfig } from "./mcp.js";

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
    // 0.166.0's per-tool approval modes (written when a user says "always allow"), kept when servers are replaced.
    for (const [tool, mode] of sortedEntries(server.toolApprovalModes ?? {}))
      blocks.push([`[${header}.tools.${tomlKey(tool)}]`, `approval_mode = ${tomlScalar(mode)}`].join("\n"));
  }
  return `${blocks.join("\n\n")}\n`;
}
