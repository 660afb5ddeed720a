// The MCP servers an installed plugin brings: its `mcpServers` (a file, or the servers inline), else its
// `.mcp.json`, in the `{"mcpServers": {<name>: {...}}}` shape; each server read as a `[mcp_servers.<name>]` table.
import { isAbsolute, join } from "node:path";
import { readBoundedFile } from "../bounded-fs/index.js";
import { MCP_SERVER_NAME, type McpServerConfig, resolveMcpServer } from "../mcp.js";
import { mcpServerSchema } from "../schema.js";
import type { ActivePlugin } from "./installed.js";

/** A plugin's MCP file larger than this is ignored, as a malformed one is. */
export const PLUGIN_MCP_FILE_MAX_BYTES = 256 * 1024;

/** 0.166.0's normalization: `type` and `oauth` dropped, a relative `cwd` taken from the plugin's directory. */
function normalizeServer(root: string, value: unknown): Record<string, unknown> | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const { type: _type, oauth: _oauth, ...rest } = value as Record<string, unknown>;
  if (typeof rest.cwd === "string" && !isAbsolute(rest.cwd)) rest.cwd = join(root, rest.cwd);
  return rest;
}

async function readServersFile(path: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(
      (await readBoundedFile(path, { maxBytes: PLUGIN_MCP_FILE_MAX_BYTES })).toString("utf8"),
    );
    const servers = (parsed as { mcpServers?: unknown } | null)?.mcpServers;
    return typeof servers === "object" && servers !== null && !Array.isArray(servers)
      ? (servers as Record<string, unknown>)
      : {};
  } catch {
    // Missing, special, oversized or malformed: the plugin brings no servers (0.166.0 logs and goes on).
    return {};
  }
}

/** The servers of one plugin, validated; a server that is not valid is left out (others still start). */
export async function pluginMcpServers(plugin: ActivePlugin): Promise<Record<string, McpServerConfig>> {
  const declared = plugin.manifest.mcpServers;
  const raw =
    declared && "servers" in declared
      ? declared.servers
      : await readServersFile(declared?.path ?? join(plugin.root, ".mcp.json"));
  const out: Record<string, McpServerConfig> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!MCP_SERVER_NAME.test(name)) continue;
    const table = mcpServerSchema.safeParse(normalizeServer(plugin.root, value));
    if (!table.success) continue;
    try {
      out[name] = { ...resolveMcpServer(name, table.data, plugin.root), pluginId: plugin.key };
    } catch {
      // An invalid transport: this server is left out.
    }
  }
  return out;
}

/**
 * The MCP servers of every active plugin, after the config's own: a name the config (or an earlier plugin) already
 * uses keeps its first definition.
 */
export async function withPluginMcpServers(
  configured: Record<string, McpServerConfig>,
  plugins: readonly ActivePlugin[],
): Promise<Record<string, McpServerConfig>> {
  const out = { ...configured };
  for (const plugin of plugins) {
    for (const [name, server] of Object.entries(await pluginMcpServers(plugin))) {
      if (!Object.hasOwn(out, name)) out[name] = server;
    }
  }
  return out;
}
