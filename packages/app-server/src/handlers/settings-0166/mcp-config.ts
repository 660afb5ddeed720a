import { internalError, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";

export interface McpConfigServices0166 {
  /** The config as it is now (read afresh on each call). */
  currentConfig(): Promise<Config>;
  /** Checks a thread id the way the live thread methods do (`invalid thread id: …`, `thread not found: <id>`). */
  requireThread(rawId: string): void;
  /** Tells each loaded thread's client how its MCP servers stand (`mcpServer/startupStatus/updated`). */
  reannounceMcpStartup(): void;
}

/**
 * 0.166.0's `config/mcpServer/reload` and `mcpServer/oauth/login`. Nothing here caches the MCP config:
 * `mcpServerStatus/list` and every thread start read it afresh, so a reload has nothing to re-read; threads already
 * loaded keep the servers they started with (0.166.0 reconnects those of its loaded threads; app-server README),
 * and after the answer each reports how its servers stand (`ready` / `failed`), as 0.166.0 reports the reconnects:
 * codex-acp waits for those (up to 30 s) before it shows the reloaded servers.
 * OAuth login for HTTP servers is not implemented: its refusals are 0.166.0's, and a streamable HTTP server gets
 * 0.166.0's failure prefix with this server's reason.
 */
export function createMcpConfigHandlers0166(
  s: McpConfigServices0166,
): Handlers<Protocol0166, "config/mcpServer/reload" | "mcpServer/oauth/login"> {
  return {
    async "config/mcpServer/reload"(_p, ctx) {
      const sent = await ctx.respond({});
      s.reannounceMcpStartup();
      return sent;
    },

    async "mcpServer/oauth/login"(p) {
      if (p.threadId != null) s.requireThread(p.threadId);
      const { mcpServers } = await s.currentConfig();
      const server = Object.hasOwn(mcpServers, p.name) ? mcpServers[p.name] : undefined;
      if (!server) throw invalidRequest(`No MCP server named '${p.name}' found.`);
      if (server.transport.type !== "streamable_http")
        throw invalidRequest("OAuth login is only supported for streamable HTTP servers.");
      throw internalError(
        `failed to login to MCP server '${p.name}': OAuth login for MCP servers is not supported by this server`,
      );
    },
  };
}
