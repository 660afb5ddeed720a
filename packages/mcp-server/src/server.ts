import type { Readable, Writable } from "node:stream";
import type { ClientInfo } from "@codex-ts/app-server-protocol";
import { JsonRpcPeer } from "@codex-ts/app-server-protocol";
import { type ConfigOverride, loadConfig } from "@codex-ts/config-loader";
import {
  AuthManager,
  type AuthSource,
  buildUserAgent,
  ConversationManager,
  SessionsStore,
} from "@codex-ts/core";
import { CodexTools } from "./codex-tools.js";
import { type LogLevel, McpConnection } from "./mcp-connection.js";
import type { CodexServerInfo } from "./mcp-messages.js";

export interface McpServerOptions {
  /** CODEX_HOME: config.toml is read from here and rollouts are written under it. */
  codexHome: string;
  /** Process-level `-c` / `--enable` / `--disable` overrides, applied to every conversation's config. */
  cliOverrides?: readonly ConfigOverride[];
  /** `--profile`: the profile used when a `codex` call names none. */
  profile?: string | undefined;
  /**
   * Credentials for providers that use Codex auth. Default: an `AuthManager` over CODEX_HOME's stored login
   * (`cli_auth_credentials_store`), as Codex's MCP server uses.
   */
  auth?: AuthSource | undefined;
  /** Reported as the server and CLI version (default `0.58.0`, the Codex release this mirrors). */
  version?: string;
  originator?: string;
  env?: NodeJS.ProcessEnv;
  /** Where log lines go (stderr in the CLI; never stdout, which carries the protocol). */
  logSink?: Writable | undefined;
}

export interface RunMcpServerOptions extends McpServerOptions {
  stdin: Readable;
  stdout: Writable;
  /** Aborting stops the server as if stdin had ended. */
  signal?: AbortSignal | undefined;
}

/**
 * `codex mcp-server`: serves the `codex` and `codex-reply` tools over MCP on the given streams until stdin ends
 * (or `signal` aborts), then shuts every conversation down (running turns stop, rollouts are flushed).
 * The config is loaded once first, as Codex does: a broken config.toml or `-c` value rejects with its
 * `ConfigError` before anything is served.
 */
export async function runMcpServer(opts: RunMcpServerOptions): Promise<void> {
  const version = opts.version ?? "0.58.0";
  const originator = opts.originator ?? "codex_cli_rs";
  const startup = await loadConfig({
    codexHome: opts.codexHome,
    ...(opts.env ? { env: opts.env } : {}),
    cliOverrides: opts.cliOverrides ?? [],
    overrides: { profile: opts.profile },
    cliVersion: version,
  });
  const log = (level: LogLevel, message: string) => {
    const sink = opts.logSink;
    if (level !== "debug" && sink && !sink.destroyed)
      sink.write(`${new Date().toISOString()} ${level.toUpperCase()} codex_mcp_server: ${message}\n`);
  };
  let client: ClientInfo | null = null;
  const userAgent = () => buildUserAgent({ originator, version, client, env: opts.env });
  const authManager = opts.auth
    ? null
    : new AuthManager({
        codexHome: opts.codexHome,
        storeMode: startup.cliAuthCredentialsStore,
        chatgptBaseUrl: startup.chatgptBaseUrl,
        forcedLoginMethod: startup.forcedLoginMethod,
        forcedChatgptWorkspaceId: startup.forcedChatgptWorkspaceId,
        originator,
        userAgent,
        warn: (message) => log("warn", message),
      });
  const manager = new ConversationManager({
    sessions: new SessionsStore(opts.codexHome),
    auth: opts.auth ?? authManager ?? undefined,
    originator,
    cliVersion: version,
    source: "mcp",
    userAgent,
  });
  const tools = new CodexTools({
    manager,
    codexHome: opts.codexHome,
    cliOverrides: opts.cliOverrides ?? [],
    profile: opts.profile,
    cliVersion: version,
    env: opts.env,
  });

  // MCP over newline-delimited JSON-RPC 2.0: the peer the app server uses, with the `jsonrpc` member on.
  const peer = new JsonRpcPeer({ input: opts.stdin, output: opts.stdout, jsonrpc: true, log });
  const connection = new McpConnection({
    peer,
    tools,
    log,
    // The user agent names the client (as Codex's does from here on, for model requests too).
    serverInfo: (clientInfo): CodexServerInfo => {
      client = { name: clientInfo.name, version: clientInfo.version };
      return { name: "codex-mcp-server", title: "Codex", version, user_agent: userAgent() };
    },
  });

  const inputEnded = connection.serve();
  await Promise.race([
    inputEnded,
    new Promise<void>((resolve) => {
      if (opts.signal?.aborted) resolve();
      opts.signal?.addEventListener("abort", () => resolve(), { once: true });
    }),
  ]);
  // Running turns end (pending approvals resolve as `abort`), so their tool calls are answered; approval
  // questions still out are abandoned; then everything queued is written.
  connection.stop();
  await manager.shutdownAll();
  await peer.close("codex mcp-server shutting down");
  await connection.settled();
  authManager?.close();
  await peer.flushed();
}
