import { internalError, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Config, McpServerConfig } from "@codex-ts/config-loader";
import { DEFAULT_MCP_OAUTH_TIMEOUT_SEC, startMcpOauthLogin, uuidV7 } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";

/** `mcpServer/oauthLogin/completed`'s params. */
export interface McpOauthLoginEnd {
  name: string;
  threadId: string | null;
  loginId: string;
  success: boolean;
  error?: string;
}

export interface McpConfigServices0166 {
  /** The config as it is now (read afresh on each call). */
  currentConfig(): Promise<Config>;
  /** Checks a thread id the way the live thread methods do (`invalid thread id: …`, `thread not found: <id>`). */
  requireThread(rawId: string): void;
  /** Tells each loaded thread's client how its MCP servers stand (`mcpServer/startupStatus/updated`). */
  reannounceMcpStartup(): void;
  /** Sends `mcpServer/oauthLogin/completed` on the connection. */
  notifyOauthLoginCompleted(end: McpOauthLoginEnd): void;
  /** A loaded thread's own configuration of MCP server `name` (its `config.mcp_servers` overrides included). */
  threadMcpServer(threadId: string, name: string): McpServerConfig | undefined;
  /** Starts a loaded thread's MCP server again (it reports `starting`, then how the start ended). */
  restartThreadMcpServer(threadId: string, name: string): Promise<void>;
}

/**
 * 0.166.0's `config/mcpServer/reload` and `mcpServer/oauth/login`. Nothing here caches the MCP config:
 * `mcpServerStatus/list` and every thread start read it afresh, so a reload has nothing to re-read; threads already
 * loaded keep the servers they started with (0.166.0 reconnects those of its loaded threads; app-server README),
 * and after the answer each reports how its servers stand (`ready` / `failed`), as 0.166.0 reports the reconnects:
 * codex-acp waits for those (up to 30 s) before it shows the reloaded servers.
 *
 * `mcpServer/oauth/login` signs in to a streamable HTTP server (core's `startMcpOauthLogin`): it answers with the
 * authorization URL and a `loginId`, and once the browser's callback brought a code and the tokens are stored (or
 * the login timed out, or failed) it sends `mcpServer/oauthLogin/completed`; after a success the server of the
 * thread named by `threadId` is started again with the new token. Logins run side by side, as in 0.166.0: a second
 * one for the same server does not end the first, and whichever callback arrives stores its tokens.
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
      const config = await s.currentConfig();
      // A thread's servers include those its client configured for it alone (codex-acp passes the editor's there).
      const server =
        (p.threadId != null ? s.threadMcpServer(p.threadId, p.name) : undefined) ??
        (Object.hasOwn(config.mcpServers, p.name) ? config.mcpServers[p.name] : undefined);
      if (!server) throw invalidRequest(`No MCP server named '${p.name}' found.`);
      if (server.transport.type !== "streamable_http")
        throw invalidRequest("OAuth login is only supported for streamable HTTP servers.");
      if (p.timeoutSecs != null && p.timeoutSecs <= 0) throw invalidRequest("timeoutSecs must be positive");
      let login: Awaited<ReturnType<typeof startMcpOauthLogin>>;
      try {
        login = await startMcpOauthLogin({
          codexHome: config.codexHome,
          mode: config.mcpOauthCredentialsStore,
          serverName: p.name,
          serverUrl: server.transport.url,
          scopes: p.scopes ?? [],
          timeoutSec: p.timeoutSecs ?? DEFAULT_MCP_OAUTH_TIMEOUT_SEC,
          callbackPort: config.mcpOauthCallbackPort,
          callbackUrl: config.mcpOauthCallbackUrl,
        });
      } catch (err) {
        throw internalError(`failed to login to MCP server '${p.name}': ${(err as Error).message}`);
      }
      const loginId = uuidV7();
      const threadId = p.threadId ?? null;
      const name = p.name;
      void login.done.then(
        async () => {
          s.notifyOauthLoginCompleted({ name, threadId, loginId, success: true });
          if (threadId !== null) await s.restartThreadMcpServer(threadId, name).catch(() => undefined);
        },
        (err: Error) =>
          s.notifyOauthLoginCompleted({ name, threadId, loginId, success: false, error: err.message }),
      );
      return { authorizationUrl: login.authorizationUrl, loginId };
    },
  };
}
