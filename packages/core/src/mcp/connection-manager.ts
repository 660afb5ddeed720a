// One class over 500 lines on purpose: the servers' lifecycle (start, restart after an OAuth login, close), their
// tools and calls share the per-server state (connections, listings, failures, start generations) it guards.
// What does not need that state lives beside it: server start-up (server-start.ts), failures' words
// (startup-failure.ts), tool naming and search (tool-search.ts), result limits, progress throttling.
import type { McpServerConfig } from "@codex-ts/config-loader";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ToolSpec } from "../client/types.js";
import { throttleLatest } from "./progress-throttle.js";
import { limitCallToolResult } from "./result-limits.js";
import { startServer } from "./server-start.js";
import {
  type McpAuthFailure,
  McpStartError,
  type McpWording,
  startupFailureMessage,
  startupFailureReason,
} from "./startup-failure.js";
import {
  callableToolName,
  mcpNamespace,
  namespacedTools,
  searchTools,
  toolSearchSpec,
} from "./tool-search.js";
import type {
  McpCallToolResult,
  McpElicitationHandler,
  McpElicitationRequest,
  McpPage,
  McpProgress,
  McpServerDescription,
  McpStartOptions,
  McpToolInfo,
} from "./types.js";

export { DEFAULT_MCP_STARTUP_TIMEOUT_SEC, DEFAULT_MCP_STARTUP_TIMEOUT_SEC_0166 } from "./server-start.js";
export { type McpWording, rustDurationDebug } from "./startup-failure.js";
export {
  type McpCallToolResult,
  type McpElicitationHandler,
  type McpElicitationRequest,
  type McpElicitationResponse,
  type McpPage,
  type McpProgress,
  type McpServerDescription,
  type McpStartOptions,
  type McpToolInfo,
  progressMessage,
} from "./types.js";

/** Codex gives one tool call this long unless `tool_timeout_sec` says otherwise. */
export const DEFAULT_MCP_TOOL_TIMEOUT_SEC = 60;

/** Server names Codex accepts; others are reported as a startup failure. */
const SERVER_NAME = /^[A-Za-z0-9_-]+$/;

/** A server that did not start: Codex's message for it, and its reason (0.166.0's `toolsError`). */
export interface McpStartupFailure {
  server: string;
  message: string;
  reason: string;
  /** Set when an OAuth-protected server needs a login. */
  auth?: McpAuthFailure | undefined;
}

/** How one server's start went, as 0.166's `mcpServer/startupStatus/updated` reports it. */
export interface McpStartupStatus {
  server: string;
  /** `cancelled`: a restart (after an OAuth login) superseded this start. */
  status: "starting" | "ready" | "failed" | "cancelled";
  /** The failure's message (`MCP client for \`x\` failed to start: …`), null otherwise. */
  error: string | null;
  /** 0.166.0's `failureReason`: stored OAuth tokens no longer work and the user has to log in again. */
  failureReason?: "reauthenticationRequired" | null;
}

interface RunningServer {
  name: string;
  config: McpServerConfig;
  client: Client;
  /** False once the connection closed (the server exited or was killed); the next use restarts it. */
  connected: boolean;
  /** Restarts so far; after MCP_MAX_RESTARTS the server stays down and its calls fail saying so. */
  restarts: number;
  restarting?: Promise<void> | undefined;
  toolTimeoutMs: number;
  /** Progress callbacks of the calls in flight, by the progress token each call carries. */
  progress: Map<string, (progress: McpProgress) => void>;
  /** `_meta` of the first `tools/list` page at startup. */
  toolListMeta: unknown;
}

/** How often one server is restarted after its connection closed, per conversation. */
export const MCP_MAX_RESTARTS = 3;

let progressTokens = 0;

/**
 * The configured MCP servers of one conversation: started together (each within its startup timeout), their
 * tools listed and named for the model, calls routed to the owning server, all closed on shutdown. A server that
 * fails to start is left out and reported in `failures`; it never stops the others or the conversation. A server
 * joins (its tools are offered) once it has started: `start` waits for all (0.58.0 answers once they have),
 * `starting` does not (0.166.0 answers at once and reports each start as it ends).
 */
export class McpConnectionManager {
  private closed = false;
  private readonly servers = new Map<string, RunningServer>();
  private toolsByName = new Map<string, McpToolInfo>();
  /** The tools each started server listed. */
  private readonly listed = new Map<string, McpToolInfo[]>();
  /** The servers that did not start, sorted by name. */
  readonly failures: McpStartupFailure[] = [];
  /**
   * The start as 0.166.0 reports it: each enabled server `starting`, in config order, then each outcome in the
   * order the starts ended.
   */
  readonly startupStatuses: McpStartupStatus[] = [];
  private readonly statusListeners = new Set<(status: McpStartupStatus) => void>();
  private readonly elicitation: ElicitationRoute = { handler: null };
  /** Aborted on close: starts still running stop (their processes end) instead of running to their timeout. */
  private readonly stopStarting = new AbortController();
  /** The ends of the processes of servers that failed to start (awaited by `close`). */
  private readonly closing: Promise<void>[] = [];
  /** Settles (never rejects) once every enabled server has started or failed (or the manager closed unbegun). */
  readonly started: Promise<void>;
  private settleStarted: () => void = () => {};
  private begun = false;
  /** Per server, the latest start (a restart supersedes the start in flight). */
  private readonly generations = new Map<string, number>();
  /** Per server, its latest start, settled (never rejected) once it ended: what a direct call waits for. */
  private readonly starts = new Map<string, Promise<void>>();

  private constructor(
    private readonly configs: Record<string, McpServerConfig>,
    private readonly options: McpStartOptions = {},
    deferred = false,
  ) {
    this.started = new Promise((resolve) => {
      this.settleStarted = resolve;
    });
    if (!deferred) this.begin();
  }

  /**
   * Starts the servers, once (a `deferred` manager waits for this call; the others have made it). Each enabled
   * server is `starting` when this returns.
   */
  begin(): void {
    if (this.begun || this.closed) return;
    this.begun = true;
    void this.startAll(this.configs).then(this.settleStarted);
  }

  /** A manager with no servers (conversations without `mcp_servers`). */
  static empty(): McpConnectionManager {
    return new McpConnectionManager({});
  }

  /** Starts the enabled servers and resolves once each has started or failed. */
  static async start(
    configs: Record<string, McpServerConfig>,
    o: McpStartOptions = {},
  ): Promise<McpConnectionManager> {
    const manager = McpConnectionManager.starting(configs, o);
    await manager.started;
    return manager;
  }

  /** Starts the enabled servers in the background: the manager offers each server's tools once it has started. */
  static starting(configs: Record<string, McpServerConfig>, o: McpStartOptions = {}): McpConnectionManager {
    return new McpConnectionManager(configs, o);
  }

  /**
   * Like `starting`, from the `begin()` call on: a 0.166 thread's servers start once its request is answered, so
   * that nothing of their start (loading the MCP SDK, spawning) delays the answer.
   */
  static deferred(configs: Record<string, McpServerConfig>, o: McpStartOptions = {}): McpConnectionManager {
    return new McpConnectionManager(configs, o, true);
  }

  /** The configuration of server `name` this manager starts it with (a thread's own servers included). */
  serverConfig(name: string): McpServerConfig | undefined {
    return Object.hasOwn(this.configs, name) ? this.configs[name] : undefined;
  }

  /** Whose words (and start-up) this manager follows. */
  get wording(): McpWording {
    return this.options.wording ?? "0.58";
  }

  /** Calls `listener` with each startup status reported from now on; returns the unsubscribe. */
  onStartupStatus(listener: (status: McpStartupStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Who answers the servers' elicitations from now on (the conversation: it asks its user or declines). Until one
   * is set, and after `null`, every elicitation is declined, as 0.58.0 declines them.
   */
  onElicitation(handler: McpElicitationHandler | null): void {
    this.elicitation.handler = handler;
  }

  /** The tool `tool` of server `server` as the server listed it (its annotations, title, …), if offered. */
  toolInfo(server: string, tool: string): McpToolInfo | undefined {
    for (const t of this.toolsByName.values()) if (t.server === server && t.tool === tool) return t;
    return undefined;
  }

  /** The configured `approval_mode` of a tool (`[mcp_servers.<server>.tools.<tool>]`), `auto` when none. */
  approvalMode(server: string, tool: string): "auto" | "prompt" | "approve" {
    return this.servers.get(server)?.config.toolApprovalModes?.[tool] ?? "auto";
  }

  private async startAll(configs: Record<string, McpServerConfig>): Promise<void> {
    const enabledInConfigOrder = Object.entries(configs).filter(([, c]) => c.enabled);
    for (const [server] of enabledInConfigOrder)
      this.startupStatuses.push({ server, status: "starting", error: null });
    const enabled = [...enabledInConfigOrder].sort(([a], [b]) => a.localeCompare(b));
    await Promise.all(enabled.map(([name, config]) => this.startOne(name, config)));
    this.rebuildTools(true);
  }

  /**
   * Starts one configured server again (after an OAuth login): the running connection, if any, is closed, its tools
   * withdrawn, and the start is reported (`starting`, then its end) like the first. A start still in flight is
   * superseded and reported `cancelled`, as 0.166.0 reports it. Unknown or disabled servers are left alone.
   */
  async restartServer(name: string): Promise<void> {
    const config = this.serverConfig(name);
    if (!config?.enabled || this.closed || !this.begun) return;
    const previous = this.servers.get(name);
    this.servers.delete(name);
    this.listed.delete(name);
    const failed = this.failures.findIndex((f) => f.server === name);
    if (failed !== -1) this.failures.splice(failed, 1);
    this.rebuildTools(false);
    if (previous) {
      previous.connected = false;
      await previous.client.close().catch(() => undefined);
    }
    this.report({ server: name, status: "starting", error: null });
    await this.startOne(name, config);
  }

  private startOne(name: string, config: McpServerConfig): Promise<void> {
    const start = this.runStart(name, config);
    this.starts.set(name, start);
    return start;
  }

  private async runStart(name: string, config: McpServerConfig): Promise<void> {
    const generation = (this.generations.get(name) ?? 0) + 1;
    this.generations.set(name, generation);
    const superseded = () => this.generations.get(name) !== generation;
    try {
      if (!SERVER_NAME.test(name))
        throw new McpStartError({
          kind: "refused",
          message: `invalid server name '${name}': must match pattern ^[a-zA-Z0-9_-]+$`,
        });
      const progress = new Map<string, (p: McpProgress) => void>();
      const { client, tools, toolListMeta } = await startServer(
        name,
        config,
        this.options,
        progress,
        routeElicitation(this.elicitation, name),
        this.stopStarting.signal,
      );
      if (this.closed || superseded()) {
        await client.close().catch(() => undefined);
        if (!this.closed) this.report({ server: name, status: "cancelled", error: null });
        return;
      }
      const running: RunningServer = {
        name,
        config,
        client,
        connected: true,
        restarts: 0,
        toolTimeoutMs: (config.toolTimeoutSec ?? DEFAULT_MCP_TOOL_TIMEOUT_SEC) * 1000,
        progress,
        toolListMeta,
      };
      watchConnection(running);
      this.servers.set(name, running);
      this.listed.set(name, tools);
      this.rebuildTools(false);
      this.report({ server: name, status: "ready", error: null });
    } catch (err) {
      if (err instanceof McpStartError && err.closing) this.closing.push(err.closing);
      if (this.closed) return;
      if (superseded()) {
        this.report({ server: name, status: "cancelled", error: null });
        return;
      }
      const failure =
        err instanceof McpStartError
          ? err.failure
          : ({ kind: "handshake", message: (err as Error).message } as const);
      const wording = this.wording;
      const message = startupFailureMessage(wording, name, failure);
      process.stderr.write(`codex-ts: ${message}\n`);
      const auth = failure.kind === "auth" ? failure.state : undefined;
      this.failures.push({ server: name, message, reason: startupFailureReason(wording, failure), auth });
      this.failures.sort((a, b) => a.server.localeCompare(b.server));
      const failureReason = auth === "reauthenticationRequired" ? auth : null;
      this.report({ server: name, status: "failed", error: message, failureReason });
    }
  }

  private report(status: McpStartupStatus): void {
    this.startupStatuses.push(status);
    for (const listener of [...this.statusListeners]) listener(status);
  }

  /** The offered tools of the started servers, sorted by qualified name; a duplicated name keeps its first. */
  private rebuildTools(final: boolean): void {
    const all = [...this.listed.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, tools]) => tools)
      .sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName));
    const toolsByName = new Map<string, McpToolInfo>();
    for (const tool of all) {
      if (toolsByName.has(tool.qualifiedName)) {
        if (final) process.stderr.write(`codex-ts: skipping duplicated MCP tool ${tool.qualifiedName}\n`);
        continue;
      }
      toolsByName.set(tool.qualifiedName, tool);
    }
    this.toolsByName = toolsByName;
  }

  /** Every tool, sorted by qualified name (the order they are offered in). */
  tools(): McpToolInfo[] {
    return [...this.toolsByName.values()];
  }

  /** The tools as function specs for the model request; `properties` is added where a schema lacks it. */
  toolSpecs(): ToolSpec[] {
    return this.tools().map((t) => ({
      type: "function",
      name: t.qualifiedName,
      description: t.description,
      strict: false,
      parameters: { ...t.inputSchema, properties: t.inputSchema.properties ?? {} },
    }));
  }

  /** The `tool_search` tool over every tool (0.166.0's form for `gpt-5.5`); null when no server offers tools. */
  toolSearchSpec(): ToolSpec | null {
    const tools = this.tools();
    return tools.length > 0 ? toolSearchSpec(tools, (s) => this.instructions(s)) : null;
  }

  /** Every tool as one `mcp__<server>` namespace per server (0.166.0's form for models outside its catalogue). */
  namespaceSpecs(): ToolSpec[] {
    return namespacedTools(this.tools(), (s) => this.instructions(s));
  }

  /** The namespaces of the tools a `tool_search` query finds (at most `limit` tools). */
  searchTools(query: string, limit: number): ToolSpec[] {
    return searchTools(this.tools(), query, limit, (s) => this.instructions(s));
  }

  /** What a running server's `initialize` said to tell the model (its namespace's description), if anything. */
  instructions(server: string): string | undefined {
    return this.servers.get(server)?.client.getInstructions();
  }

  /**
   * The server and tool behind a namespaced call (`mcp__<server>` + the tool's callable name, 0.166.0's form), or
   * undefined when no listed tool has that name.
   */
  resolveNamespaced(namespace: string, name: string): { server: string; tool: string } | undefined {
    for (const t of this.toolsByName.values())
      if (mcpNamespace(t.server) === namespace && callableToolName(t.tool) === name)
        return { server: t.server, tool: t.tool };
    return undefined;
  }

  /** The server and tool behind a model-facing name, or undefined when it is not an MCP tool. */
  resolve(qualifiedName: string): { server: string; tool: string } | undefined {
    const t = this.toolsByName.get(qualifiedName);
    return t ? { server: t.server, tool: t.tool } : undefined;
  }

  /**
   * Waits until server `name` is up for a client's direct call (0.166's `mcpServer/tool/call`): a start in flight
   * is awaited (that server's alone, as 0.166.0 waits). Throws 0.166.0's words for a server that is not configured
   * or not enabled (`unknown MCP server '<name>'`) and for one that failed to start (`failed to get client: <why>`).
   */
  async awaitStarted(name: string): Promise<void> {
    if (!this.serverConfig(name)?.enabled) throw new Error(`unknown MCP server '${name}'`);
    await (this.starts.get(name) ?? this.started);
    if (this.servers.has(name)) return;
    const failure = this.failures.find((f) => f.server === name);
    throw new Error(failure ? `failed to get client: ${failure.reason}` : `unknown MCP server '${name}'`);
  }

  /**
   * Calls a tool within the server's tool timeout; rejects on transport errors, timeouts and aborts. With
   * `onProgress`, the call carries a progress token and the server's `notifications/progress` reach the callback,
   * at most MCP_PROGRESS_PER_SECOND after a burst (the latest value wins). The result is bounded
   * (`limitCallToolResult`): cut to MCP_RESULT_MAX_BYTES, or a rejection when nested too deep. A server whose
   * connection closed is restarted first (up to MCP_MAX_RESTARTS times). `meta` goes in the request's `_meta`.
   */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown> | null,
    signal?: AbortSignal,
    onProgress?: (progress: McpProgress) => void,
    meta?: Record<string, unknown>,
  ): Promise<McpCallToolResult> {
    const s = await this.connected(server);
    const token = onProgress ? `codex-progress-${++progressTokens}` : undefined;
    const throttled = onProgress ? throttleLatest(onProgress) : undefined;
    if (token && throttled) s.progress.set(token, throttled);
    try {
      const params = {
        name: tool,
        ...(args ? { arguments: args } : {}),
        ...(token || meta ? { _meta: { ...(token ? { progressToken: token } : {}), ...meta } } : {}),
      };
      const result = await s.client.callTool(params, undefined, {
        timeout: s.toolTimeoutMs,
        ...(signal ? { signal } : {}),
      });
      return limitCallToolResult(result as McpCallToolResult);
    } finally {
      if (token) s.progress.delete(token);
      // Progress held back goes out before the call's end.
      throttled?.flush();
    }
  }

  /**
   * The server, connected: one whose connection closed is started again (its tools stay as first listed). Throws
   * when it is unknown, has been restarted MCP_MAX_RESTARTS times already, or does not come back.
   */
  private async connected(name: string): Promise<RunningServer> {
    const s = this.server(name);
    if (s.connected) return s;
    if (!s.restarting) {
      if (s.restarts >= MCP_MAX_RESTARTS)
        throw new Error(`MCP server '${name}' exited and was already restarted ${MCP_MAX_RESTARTS} times`);
      s.restarts++;
      s.restarting = (async () => {
        try {
          const { client } = await startServer(
            name,
            s.config,
            this.options,
            s.progress,
            routeElicitation(this.elicitation, name),
          );
          if (this.closed) {
            await client.close().catch(() => undefined);
            return;
          }
          s.client = client;
          s.connected = true;
          watchConnection(s);
          process.stderr.write(`codex-ts: MCP server \`${name}\` restarted after its connection closed\n`);
        } finally {
          s.restarting = undefined;
        }
      })();
    }
    try {
      await s.restarting;
    } catch (err) {
      throw new Error(`MCP server '${name}' exited and could not be restarted: ${(err as Error).message}`);
    }
    if (!s.connected) throw new Error(`MCP server '${name}' is not connected`);
    return s;
  }

  /** What a running server said about itself at startup; undefined for one that is not running. */
  describe(server: string): McpServerDescription | undefined {
    const s = this.servers.get(server);
    if (!s) return undefined;
    const info = s.client.getServerVersion();
    const capabilities = s.client.getServerCapabilities();
    return {
      serverInfo: info ? { ...info } : null,
      capabilities: capabilities ? { ...capabilities } : null,
      toolListMeta: s.toolListMeta,
    };
  }

  /**
   * Whether any server is configured and enabled, started or not: 0.166.0 offers its MCP resource tools then, also
   * while the servers start (checked with the native binary).
   */
  hasEnabledServers(): boolean {
    return Object.values(this.configs).some((c) => c.enabled);
  }

  /** The running servers' names, sorted (the order resources of all servers are listed in). */
  serverNames(): string[] {
    return [...this.servers.keys()].sort();
  }

  /**
   * One page of a server's `resources/list`; rejects for an unknown server or the server's error, and (with
   * `timeoutMs`) when the server takes longer.
   */
  async listResources(
    server: string,
    cursor?: string,
    o: { timeoutMs?: number } = {},
  ): Promise<McpPage<"resources">> {
    const result = await (await this.connected(server)).client.listResources(
      cursor === undefined ? {} : { cursor },
      o.timeoutMs === undefined ? undefined : { timeout: o.timeoutMs },
    );
    return result;
  }

  /** One page of a server's `resources/templates/list`. */
  async listResourceTemplates(
    server: string,
    cursor?: string,
    o: { timeoutMs?: number } = {},
  ): Promise<McpPage<"resourceTemplates">> {
    const result = await (await this.connected(server)).client.listResourceTemplates(
      cursor === undefined ? {} : { cursor },
      o.timeoutMs === undefined ? undefined : { timeout: o.timeoutMs },
    );
    return result;
  }

  /** A server's `resources/read` of one URI. */
  async readResource(server: string, uri: string): Promise<{ contents: Record<string, unknown>[] }> {
    const result = await (await this.connected(server)).client.readResource({ uri });
    return result;
  }

  private server(name: string): RunningServer {
    const s = this.servers.get(name);
    if (!s) throw new Error(`unknown MCP server '${name}'`);
    return s;
  }

  /**
   * Closes every server (stdio children get EOF, then SIGTERM/SIGKILL from the SDK if they linger); starts still
   * running are stopped.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopStarting.abort();
    if (!this.begun) this.settleStarted();
    await this.started;
    await Promise.all(this.closing);
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(
      all.map(async (s) => {
        await s.restarting?.catch(() => undefined);
        await s.client.close().catch(() => undefined);
      }),
    );
  }
}

/** Marks the server disconnected when its connection closes, so its next use restarts it. */
function watchConnection(s: RunningServer): void {
  const client = s.client;
  client.onclose = () => {
    // A restart may already have replaced this client.
    if (s.client === client) s.connected = false;
  };
}

/** The conversation's elicitation handler, shared with the servers' clients (set after they started). */
interface ElicitationRoute {
  handler: McpElicitationHandler | null;
}

/** Server `name`'s elicitations, passed to the route's handler when there is one (declined otherwise). */
function routeElicitation(route: ElicitationRoute, name: string) {
  return (request: McpElicitationRequest, signal: AbortSignal) =>
    route.handler ? route.handler(name, request, signal) : Promise.resolve(null);
}
