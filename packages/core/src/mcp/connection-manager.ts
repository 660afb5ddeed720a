import type { ContentBlock } from "@codex-ts/app-server-protocol";
import type { McpHttpTransport, McpServerConfig, McpStdioTransport } from "@codex-ts/config-loader";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ToolSpec } from "../client/types.js";
import { qualifiedToolName } from "./tool-names.js";

/** Codex waits this long for a server's handshake and first tools/list unless `startup_timeout_sec` says otherwise. */
export const DEFAULT_MCP_STARTUP_TIMEOUT_SEC = 10;
/** Codex gives one tool call this long unless `tool_timeout_sec` says otherwise. */
export const DEFAULT_MCP_TOOL_TIMEOUT_SEC = 60;

/** Server names Codex accepts; others are reported as a startup failure. */
const SERVER_NAME = /^[A-Za-z0-9_-]+$/;

/** Variables a stdio server inherits from this process (Codex's list), besides the ones named in `env_vars`. */
const DEFAULT_ENV_VARS = [
  "HOME",
  "LOGNAME",
  "PATH",
  "SHELL",
  "USER",
  "LANG",
  "LC_ALL",
  "TERM",
  "TMPDIR",
  "TZ",
];

/** One page of an MCP list request: the items under `key`, and the cursor of the next page if there is one. */
export type McpPage<K extends string> = { [P in K]: Record<string, unknown>[] } & {
  nextCursor?: string | undefined;
};

/** One tool of one server, as offered to the model. */
export interface McpToolInfo {
  /** `mcp__<server>__<tool>`, sanitized (see `qualifiedToolName`). */
  qualifiedName: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** MCP's CallToolResult as the server returned it (the SDK has checked its content blocks). */
export interface McpCallToolResult {
  content: ContentBlock[];
  isError?: boolean | undefined;
  structuredContent?: unknown;
  [key: string]: unknown;
}

/** One `notifications/progress` of a running tool call (MCP's Progress). */
export interface McpProgress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** The text a progress notification is shown as: the server's message, else `progress/total` (or `progress`). */
export function progressMessage(p: McpProgress): string {
  if (p.message) return p.message;
  return p.total !== undefined ? `${p.progress}/${p.total}` : String(p.progress);
}

/** A server that did not start, with Codex's message for it. */
export interface McpStartupFailure {
  server: string;
  message: string;
}

export interface McpStartOptions {
  /** Environment the stdio servers' variables come from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  clientName?: string;
  clientVersion?: string;
}

interface RunningServer {
  client: Client;
  toolTimeoutMs: number;
  /** Progress callbacks of the calls in flight, by the progress token each call carries. */
  progress: Map<string, (progress: McpProgress) => void>;
}

let progressTokens = 0;

/**
 * The configured MCP servers of one conversation: started together (each within its startup timeout), their
 * tools listed and named for the model, calls routed to the owning server, all closed on shutdown. A server that
 * fails to start is left out and reported in `failures`; it never stops the others or the conversation.
 */
export class McpConnectionManager {
  private constructor(
    private readonly servers: Map<string, RunningServer>,
    private readonly toolsByName: Map<string, McpToolInfo>,
    readonly failures: McpStartupFailure[],
  ) {}

  /** A manager with no servers (conversations without `mcp_servers`). */
  static empty(): McpConnectionManager {
    return new McpConnectionManager(new Map(), new Map(), []);
  }

  static async start(
    configs: Record<string, McpServerConfig>,
    o: McpStartOptions = {},
  ): Promise<McpConnectionManager> {
    const servers = new Map<string, RunningServer>();
    const failures: McpStartupFailure[] = [];
    const listed: McpToolInfo[][] = [];
    const enabled = Object.entries(configs)
      .filter(([, c]) => c.enabled)
      .sort(([a], [b]) => a.localeCompare(b));
    await Promise.all(
      enabled.map(async ([name, config]) => {
        try {
          if (!SERVER_NAME.test(name))
            throw new Error(`invalid server name '${name}': must match pattern ^[a-zA-Z0-9_-]+$`);
          const progress = new Map<string, (p: McpProgress) => void>();
          const { client, tools } = await startServer(name, config, o, progress);
          servers.set(name, {
            client,
            toolTimeoutMs: (config.toolTimeoutSec ?? DEFAULT_MCP_TOOL_TIMEOUT_SEC) * 1000,
            progress,
          });
          listed.push(tools);
        } catch (err) {
          const message = `MCP client for \`${name}\` failed to start: ${(err as Error).message}`;
          process.stderr.write(`codex-ts: ${message}\n`);
          failures.push({ server: name, message });
        }
      }),
    );
    const toolsByName = new Map<string, McpToolInfo>();
    for (const tool of listed.flat().sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName))) {
      if (toolsByName.has(tool.qualifiedName)) {
        process.stderr.write(`codex-ts: skipping duplicated MCP tool ${tool.qualifiedName}\n`);
        continue;
      }
      toolsByName.set(tool.qualifiedName, tool);
    }
    failures.sort((a, b) => a.server.localeCompare(b.server));
    return new McpConnectionManager(servers, toolsByName, failures);
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

  /** The server and tool behind a model-facing name, or undefined when it is not an MCP tool. */
  resolve(qualifiedName: string): { server: string; tool: string } | undefined {
    const t = this.toolsByName.get(qualifiedName);
    return t ? { server: t.server, tool: t.tool } : undefined;
  }

  /**
   * Calls a tool within the server's tool timeout; rejects on transport errors, timeouts and aborts. With
   * `onProgress`, the call carries a progress token and the server's `notifications/progress` reach the callback.
   */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown> | null,
    signal?: AbortSignal,
    onProgress?: (progress: McpProgress) => void,
  ): Promise<McpCallToolResult> {
    const s = this.servers.get(server);
    if (!s) throw new Error(`unknown MCP server '${server}'`);
    const token = onProgress ? `codex-progress-${++progressTokens}` : undefined;
    if (token && onProgress) s.progress.set(token, onProgress);
    try {
      const params = {
        name: tool,
        ...(args ? { arguments: args } : {}),
        ...(token ? { _meta: { progressToken: token } } : {}),
      };
      const result = await s.client.callTool(params, undefined, {
        timeout: s.toolTimeoutMs,
        ...(signal ? { signal } : {}),
      });
      return result as McpCallToolResult;
    } finally {
      if (token) s.progress.delete(token);
    }
  }

  /** The running servers' names, sorted (the order resources of all servers are listed in). */
  serverNames(): string[] {
    return [...this.servers.keys()].sort();
  }

  /** One page of a server's `resources/list`; rejects for an unknown server or the server's error. */
  async listResources(server: string, cursor?: string): Promise<McpPage<"resources">> {
    const result = await this.server(server).client.listResources(cursor === undefined ? {} : { cursor });
    return result;
  }

  /** One page of a server's `resources/templates/list`. */
  async listResourceTemplates(server: string, cursor?: string): Promise<McpPage<"resourceTemplates">> {
    const result = await this.server(server).client.listResourceTemplates(
      cursor === undefined ? {} : { cursor },
    );
    return result;
  }

  /** A server's `resources/read` of one URI. */
  async readResource(server: string, uri: string): Promise<{ contents: Record<string, unknown>[] }> {
    const result = await this.server(server).client.readResource({ uri });
    return result;
  }

  private server(name: string): RunningServer {
    const s = this.servers.get(name);
    if (!s) throw new Error(`unknown MCP server '${name}'`);
    return s;
  }

  /** Closes every server (stdio children get EOF, then SIGTERM/SIGKILL from the SDK if they linger). */
  async close(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((s) => s.client.close().catch(() => undefined)));
  }
}

/**
 * The MCP SDK (and the ajv/zod-to-json-schema it pulls in) is loaded the first time a server is started, not when
 * the process starts: most conversations configure no MCP server, and app-server startup time is measured.
 */
async function loadSdk() {
  const [{ Client }, { StdioClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/stdio.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
  ]);
  return { Client, transports: { StdioClientTransport, StreamableHTTPClientTransport } };
}

type SdkTransports = Awaited<ReturnType<typeof loadSdk>>["transports"];

/**
 * Hands `notifications/progress` to the callback of the call whose token it names. It runs as the message arrives,
 * before the SDK sees it: the SDK defers notifications but settles responses at once, so a server that reports
 * progress and answers in one burst would otherwise have its progress dropped as arriving after the call ended.
 */
function routeProgress(message: unknown, progress: Map<string, (p: McpProgress) => void>): void {
  const m = message as { method?: unknown; params?: Record<string, unknown> };
  if (m.method !== "notifications/progress" || !m.params) return;
  const { progressToken, progress: value, total, message: text } = m.params;
  const callback = progress.get(String(progressToken));
  if (!callback || typeof value !== "number") return;
  callback({
    progress: value,
    ...(typeof total === "number" ? { total } : {}),
    ...(typeof text === "string" ? { message: text } : {}),
  });
}

async function startServer(
  name: string,
  config: McpServerConfig,
  o: McpStartOptions,
  progress: Map<string, (p: McpProgress) => void>,
): Promise<{ client: Client; tools: McpToolInfo[] }> {
  const { Client, transports } = await loadSdk();
  const client = new Client(
    { name: o.clientName ?? "codex-mcp-client", version: o.clientVersion ?? "0.58.0", title: "Codex" },
    { capabilities: { elicitation: {} } },
  );
  const timeoutSec = config.startupTimeoutSec ?? DEFAULT_MCP_STARTUP_TIMEOUT_SEC;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`handshaking with MCP server failed: timed out after ${timeoutSec}s`)),
      timeoutSec * 1000,
    );
  });
  const handshake = async () => {
    try {
      const transport = transportFor(config.transport, o.env ?? process.env, transports);
      // The SDK chains its own handler after one set before connect().
      transport.onmessage = (message) => routeProgress(message, progress);
      await client.connect(transport);
    } catch (err) {
      throw new Error(`handshaking with MCP server failed: ${(err as Error).message}`);
    }
    const tools: McpToolInfo[] = [];
    // A server without the tools capability (e.g. resources only) starts fine with no tools, as in 0.58.0.
    if (!client.getServerCapabilities()?.tools) return tools;
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      for (const t of page.tools) {
        if (!toolAllowed(config, t.name)) continue;
        tools.push({
          qualifiedName: qualifiedToolName(name, t.name),
          server: name,
          tool: t.name,
          description: t.description ?? "",
          inputSchema: t.inputSchema as Record<string, unknown>,
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  };
  try {
    const tools = await Promise.race([handshake(), timeout]);
    return { client, tools };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** `enabled_tools` is an allow-list when set; `disabled_tools` removes tools after it. */
function toolAllowed(config: McpServerConfig, tool: string): boolean {
  if (config.enabledTools && !config.enabledTools.includes(tool)) return false;
  return !config.disabledTools?.includes(tool);
}

function transportFor(
  t: McpStdioTransport | McpHttpTransport,
  env: NodeJS.ProcessEnv,
  { StdioClientTransport, StreamableHTTPClientTransport }: SdkTransports,
): Transport {
  if (t.type === "stdio") {
    const childEnv: Record<string, string> = {};
    for (const key of [...DEFAULT_ENV_VARS, ...t.envVars]) {
      const value = env[key];
      if (value !== undefined) childEnv[key] = value;
    }
    Object.assign(childEnv, t.env ?? {});
    return new StdioClientTransport({
      command: t.command,
      args: t.args,
      env: childEnv,
      ...(t.cwd ? { cwd: t.cwd } : {}),
      // The server's stderr is its log; ours is the place for logs (stdout is the protocol channel).
      stderr: "inherit",
    });
  }
  const headers: Record<string, string> = { ...(t.httpHeaders ?? {}) };
  for (const [header, variable] of Object.entries(t.envHttpHeaders ?? {})) {
    const value = env[variable];
    if (value) headers[header] = value;
  }
  if (t.bearerTokenEnvVar) {
    const token = env[t.bearerTokenEnvVar];
    if (!token) throw new Error(`environment variable ${t.bearerTokenEnvVar} is not set or empty`);
    headers.Authorization = `Bearer ${token}`;
  }
  return new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers } });
}
