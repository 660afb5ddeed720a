import type { Readable, Writable } from "node:stream";
import type { ClientInfo } from "@codex-ts/app-server-protocol";
import { type ConfigOverride, loadConfig } from "@codex-ts/config-loader";
import {
  AuthManager,
  type AuthSource,
  buildUserAgent,
  ConversationManager,
  SessionsStore,
} from "@codex-ts/core";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CallToolRequestSchema,
  type Implementation,
  type JSONRPCMessage,
  ListToolsRequestSchema,
  ResultSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { CodexTools } from "./codex-tools.js";
import { TOOLS } from "./tool-definitions.js";
import type { ToolCall } from "./turn-runner.js";

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

/** Elicitation waits for a person; JSON-RPC timeouts would deny behind their back. This is setTimeout's max. */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

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
  const log = (message: string) => {
    const sink = opts.logSink;
    if (sink && !sink.destroyed)
      sink.write(`${new Date().toISOString()} WARN codex_mcp_server: ${message}\n`);
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
        warn: log,
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

  // The user agent names the client, so it is filled in when `initialize` arrives (before the SDK answers it).
  const serverInfo: Implementation & { user_agent?: string } = {
    name: "codex-mcp-server",
    title: "Codex",
    version,
  };
  const server = new Server(serverInfo, { capabilities: { tools: { listChanged: true } } });
  server.onerror = (err) => log(`MCP protocol error: ${err.message}`);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  // Registered through the base class on purpose: `Server` would force the result into a CallToolResult, and
  // Codex 0.58.0 answers a failed turn with a bare `{error}` that clients of Codex rely on.
  Protocol.prototype.setRequestHandler.call(server, CallToolRequestSchema, async (request, extra) => {
    const call: ToolCall = {
      requestId: extra.requestId,
      signal: extra.signal,
      log,
      sendEvent: (event) =>
        extra.sendNotification({
          method: "codex/event",
          params: { _meta: { requestId: extra.requestId }, id: event.id, msg: event.msg },
        } as never),
      elicit: (params) =>
        extra.sendRequest({ method: "elicitation/create", params } as never, ResultSchema, {
          timeout: NO_TIMEOUT_MS,
        }),
    };
    return tools.call(request.params.name, request.params.arguments, call);
  });

  const transport = new StdioServerTransport(opts.stdin, opts.stdout);
  await server.connect(transport);
  const deliver = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    if ("method" in message && message.method === "initialize") {
      client = ((message.params as { clientInfo?: ClientInfo } | undefined)?.clientInfo ??
        null) as ClientInfo | null;
      serverInfo.user_agent = userAgent();
    }
    deliver?.(message);
  };

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    opts.stdin.once("end", stop);
    opts.stdin.once("close", stop);
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener("abort", stop, { once: true });
  });
  await manager.shutdownAll();
  authManager?.close();
  await server.close();
}
