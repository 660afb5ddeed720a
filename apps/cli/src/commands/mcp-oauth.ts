import { DEFAULT_MCP_OAUTH_TIMEOUT_SEC, deleteStoredMcpOauth, startMcpOauthLogin } from "@codex-ts/core";
import type { Command } from "commander";
import { effectiveConfig, McpCommandError, runReporting } from "./mcp-common.js";

const RMCP_REQUIRED =
  "OAuth login is only supported when [features].rmcp_client is true in config.toml. See https://github.com/openai/codex/blob/main/docs/config.md#feature-flags for details.";

/**
 * `codex mcp login <name> [--scopes a,b]` and `codex mcp logout <name>`, as codex 0.58.0 prints them (0.166.0 the
 * same, without 0.58.0's `rmcp_client` feature gate on login): the login prints the authorization URL, waits for
 * the browser's callback on 127.0.0.1 and stores the tokens where the app server's start-up reads them
 * (core's `startMcpOauthLogin`, `mcp_oauth_credentials_store`); the logout removes them.
 */
export function registerMcpOauth(mcp: Command): void {
  mcp
    .command("login")
    .description("Log in to an MCP server that uses OAuth")
    .argument("<name>")
    .option("--scopes <scopes>", "comma-separated OAuth scopes to request")
    .action((name: string, opts: { scopes?: string }, command: Command) =>
      runReporting(async () => {
        const config = await effectiveConfig(command);
        if (config.features.rmcp_client !== true) throw new McpCommandError(RMCP_REQUIRED);
        const server = Object.hasOwn(config.mcpServers, name) ? config.mcpServers[name] : undefined;
        if (!server) throw new McpCommandError(`No MCP server named '${name}' found.`);
        if (server.transport.type !== "streamable_http")
          throw new McpCommandError("OAuth login is only supported for streamable HTTP servers.");
        let login: Awaited<ReturnType<typeof startMcpOauthLogin>>;
        try {
          login = await startMcpOauthLogin({
            codexHome: config.codexHome,
            mode: config.mcpOauthCredentialsStore,
            serverName: name,
            serverUrl: server.transport.url,
            scopes: (opts.scopes ?? "")
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
            timeoutSec: DEFAULT_MCP_OAUTH_TIMEOUT_SEC,
            callbackPort: config.mcpOauthCallbackPort,
            callbackUrl: config.mcpOauthCallbackUrl,
            holdProcess: true,
          });
        } catch (err) {
          throw new McpCommandError(`failed to login to MCP server '${name}': ${(err as Error).message}`);
        }
        process.stdout.write(
          `Authorize \`${name}\` by opening this URL in your browser:\n${login.authorizationUrl}\n\n`,
        );
        // Ctrl-C ends the wait like a cancelled login (the listener closes).
        const cancel = () => login.cancel();
        process.once("SIGINT", cancel);
        try {
          await login.done;
        } catch (err) {
          throw new McpCommandError((err as Error).message);
        } finally {
          process.off("SIGINT", cancel);
        }
        process.stdout.write(`Successfully logged in to MCP server '${name}'.\n`);
      }),
    );

  mcp
    .command("logout")
    .description("Remove the OAuth credentials stored for an MCP server")
    .argument("<name>")
    .action((name: string, _opts: unknown, command: Command) =>
      runReporting(async () => {
        const config = await effectiveConfig(command);
        const server = Object.hasOwn(config.mcpServers, name) ? config.mcpServers[name] : undefined;
        if (!server) throw new McpCommandError(`No MCP server named '${name}' found in configuration.`);
        if (server.transport.type !== "streamable_http")
          throw new McpCommandError("OAuth logout is only supported for streamable_http transports.");
        let removed: boolean;
        try {
          removed = await deleteStoredMcpOauth({
            codexHome: config.codexHome,
            mode: config.mcpOauthCredentialsStore,
            serverName: name,
            serverUrl: server.transport.url,
          });
        } catch (err) {
          throw new McpCommandError(`failed to delete OAuth credentials: ${(err as Error).message}`);
        }
        process.stdout.write(
          removed
            ? `Removed OAuth credentials for '${name}'.\n`
            : `No OAuth credentials stored for '${name}'.\n`,
        );
      }),
    );
}
