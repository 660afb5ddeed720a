import { ConfigError } from "./errors.js";
import type { McpServerToml, McpToolApprovalMode } from "./schema.js";

export interface McpStdioTransport {
  type: "stdio";
  command: string;
  args: string[];
  env?: Record<string, string>;
  envVars: string[];
  cwd?: string;
}
export interface McpHttpTransport {
  type: "streamable_http";
  url: string;
  bearerTokenEnvVar?: string;
  httpHeaders?: Record<string, string>;
  envHttpHeaders?: Record<string, string>;
}
/** One configured MCP server, validated. Timeouts are in seconds. */
export interface McpServerConfig {
  transport: McpStdioTransport | McpHttpTransport;
  enabled: boolean;
  startupTimeoutSec?: number;
  toolTimeoutSec?: number;
  enabledTools?: string[];
  disabledTools?: string[];
  /** Tools whose calls are approved differently from their annotations' verdict (0.166.0's per-tool `approval_mode`). */
  toolApprovalModes?: Record<string, McpToolApprovalMode>;
  /** The plugin that brought the server (`<plugin>@<marketplace>`); absent for a server of the config itself. */
  pluginId?: string;
}

/** MCP server names Codex accepts. */
export const MCP_SERVER_NAME = /^[A-Za-z0-9_-]+$/;

/** Validates one `[mcp_servers.<name>]` table with the messages of Codex 0.58.0. */
export function resolveMcpServer(name: string, raw: McpServerToml, file: string): McpServerConfig {
  const fail = (what: string): never => {
    throw new ConfigError(`${file}: ${what} in \`mcp_servers.${name}\``, file);
  };
  let transport: McpServerConfig["transport"];
  if (raw.command !== undefined) {
    if (raw.url !== undefined) fail("url is not supported for stdio");
    if (raw.bearer_token_env_var !== undefined) fail("bearer_token_env_var is not supported for stdio");
    transport = {
      type: "stdio",
      command: raw.command,
      args: raw.args ?? [],
      ...(raw.env !== undefined ? { env: raw.env } : {}),
      envVars: raw.env_vars ?? [],
      ...(raw.cwd !== undefined ? { cwd: raw.cwd } : {}),
    };
  } else if (raw.url !== undefined) {
    if (raw.bearer_token !== undefined) fail("bearer_token is not supported for streamable_http");
    if (raw.env !== undefined) fail("env is not supported for streamable_http");
    if (raw.args !== undefined) fail("args is not supported for streamable_http");
    transport = {
      type: "streamable_http",
      url: raw.url,
      ...(raw.bearer_token_env_var !== undefined ? { bearerTokenEnvVar: raw.bearer_token_env_var } : {}),
      ...(raw.http_headers !== undefined ? { httpHeaders: raw.http_headers } : {}),
      ...(raw.env_http_headers !== undefined ? { envHttpHeaders: raw.env_http_headers } : {}),
    };
  } else {
    return fail("invalid transport");
  }
  const startup =
    raw.startup_timeout_sec ??
    (raw.startup_timeout_ms !== undefined ? raw.startup_timeout_ms / 1000 : undefined);
  return {
    transport,
    enabled: raw.enabled ?? true,
    ...(startup !== undefined ? { startupTimeoutSec: startup } : {}),
    ...(raw.tool_timeout_sec !== undefined ? { toolTimeoutSec: raw.tool_timeout_sec } : {}),
    ...(raw.enabled_tools !== undefined ? { enabledTools: raw.enabled_tools } : {}),
    ...(raw.disabled_tools !== undefined ? { disabledTools: raw.disabled_tools } : {}),
    ...toolApprovalModes(raw.tools),
  };
}

/** The tools of `[mcp_servers.<name>.tools.<tool>]` tables that name an `approval_mode`. */
function toolApprovalModes(tools: McpServerToml["tools"]): {
  toolApprovalModes?: Record<string, McpToolApprovalMode>;
} {
  const modes = Object.entries(tools ?? {}).flatMap(([tool, t]) =>
    t.approval_mode === undefined ? [] : [[tool, t.approval_mode] as const],
  );
  return modes.length === 0 ? {} : { toolApprovalModes: Object.fromEntries(modes) };
}
