import type { McpHttpTransport, McpServerConfig, McpStdioTransport } from "@codex-ts/config-loader";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { refreshFailure, storedAuthProvider } from "./oauth/startup.js";
import { McpOauthRedirectNeeded } from "./oauth/stored-provider.js";
import { McpStartError, type McpStartFailure, type McpWording } from "./startup-failure.js";
import { BoundedStdioTransport } from "./stdio-transport.js";
import { qualifiedToolName } from "./tool-names.js";
import type {
  McpElicitationRequest,
  McpElicitationResponse,
  McpProgress,
  McpStartOptions,
  McpToolInfo,
} from "./types.js";

/** Starting one configured MCP server: its transport, the handshake and the first tools/list, within its timeout. */

/** Codex waits this long for a server's handshake and first tools/list unless `startup_timeout_sec` says otherwise. */
export const DEFAULT_MCP_STARTUP_TIMEOUT_SEC = 10;
/** codex 0.166.0 waits longer. */
export const DEFAULT_MCP_STARTUP_TIMEOUT_SEC_0166 = 30;

/** The SDK's `ErrorCode.ConnectionClosed` (not imported: the SDK is loaded only when a server starts). */
const CONNECTION_CLOSED = -32000;

function defaultStartupTimeoutSec(wording: McpWording | undefined): number {
  return wording === "0.166" ? DEFAULT_MCP_STARTUP_TIMEOUT_SEC_0166 : DEFAULT_MCP_STARTUP_TIMEOUT_SEC;
}

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

/**
 * The MCP SDK (and the ajv/zod-to-json-schema it pulls in) is loaded the first time a server is started, not when
 * the process starts: most conversations configure no MCP server, and app-server startup time is measured.
 */
async function loadSdk() {
  const [{ Client }, { ElicitRequestSchema, JSONRPCMessageSchema }, { StreamableHTTPClientTransport }] =
    await Promise.all([
      import("@modelcontextprotocol/sdk/client/index.js"),
      import("@modelcontextprotocol/sdk/types.js"),
      import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
    ]);
  const parse = (value: unknown) => JSONRPCMessageSchema.parse(value);
  return { Client, ElicitRequestSchema, transports: { parse, StreamableHTTPClientTransport } };
}

type SdkTransports = Awaited<ReturnType<typeof loadSdk>>["transports"];

/**
 * Hands `notifications/progress` to the callback of the call whose token it names. It runs as the message arrives,
 * before the SDK sees it: the SDK defers notifications but settles responses at once, so a server that reports
 * progress and answers in one burst would otherwise have its progress dropped as arriving after the call ended.
 */
function routeProgress(
  params: Record<string, unknown>,
  progress: Map<string, (p: McpProgress) => void>,
): void {
  const { progressToken, progress: value, total, message: text } = params;
  const callback = progress.get(String(progressToken));
  if (!callback || typeof value !== "number") return;
  callback({
    progress: value,
    ...(typeof total === "number" ? { total } : {}),
    ...(typeof text === "string" ? { message: text } : {}),
  });
}

export async function startServer(
  name: string,
  config: McpServerConfig,
  o: McpStartOptions,
  progress: Map<string, (p: McpProgress) => void>,
  elicit?: (request: McpElicitationRequest, signal: AbortSignal) => Promise<McpElicitationResponse | null>,
  signal?: AbortSignal,
): Promise<{ client: Client; tools: McpToolInfo[]; toolListMeta: unknown }> {
  const { Client, ElicitRequestSchema, transports } = await loadSdk();
  const client = new Client(
    { name: o.clientName ?? "codex-mcp-client", version: o.clientVersion ?? "0.58.0", title: "Codex" },
    { capabilities: { elicitation: {} } },
  );
  // Codex declares elicitation. 0.58.0 declines every request (the server hears a refusal it can handle rather
  // than "method not found"); `elicit` lets the conversation ask its user instead (0.166.0), or decline.
  client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    const answer = elicit ? await elicit(request.params as McpElicitationRequest, extra.signal) : null;
    return elicitResult(answer);
  });
  const timeoutSec = config.startupTimeoutSec ?? defaultStartupTimeoutSec(o.wording);
  const timeoutNs = BigInt(Math.round(timeoutSec * 1e9));
  const deadline = process.hrtime.bigint() + timeoutNs;
  // What is left of the timeout once the process runs: the time 0.166.0's list says the handshake had.
  let handshakeNs = timeoutNs;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new McpStartError({ kind: "timeout", timeoutSec, remainingNs: handshakeNs })),
      timeoutSec * 1000,
    );
    onAbort = () => reject(new McpStartError({ kind: "refused", message: "the conversation closed" }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  /** The stdio transport of the start, ended at once if the start fails. */
  let stdio: BoundedStdioTransport | undefined;
  const handshake = async () => {
    let transport: Transport;
    let oauthState: OAuthStartState = "none";
    try {
      ({ transport, oauthState } = await transportFor(name, config.transport, o, transports));
    } catch (err) {
      if (err instanceof McpStartError) throw err;
      throw new McpStartError({ kind: "refused", message: (err as Error).message });
    }
    if (transport instanceof BoundedStdioTransport) {
      stdio = transport;
      transport.onProgress = (params) => routeProgress(params, progress);
    } else {
      // The SDK chains its own handler after one set before connect().
      transport.onmessage = (message) => {
        const m = message as { method?: unknown; params?: unknown };
        if (m.method === "notifications/progress" && m.params && typeof m.params === "object")
          routeProgress(m.params as Record<string, unknown>, progress);
      };
    }
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      handshakeNs = deadline - process.hrtime.bigint();
    };
    try {
      await client.connect(transport);
    } catch (err) {
      throw new McpStartError(handshakeFailure(err, transport, oauthState));
    }
    const tools: McpToolInfo[] = [];
    let toolListMeta: unknown = null;
    // A server without the tools capability (e.g. resources only) starts fine with no tools, as in 0.58.0.
    if (!client.getServerCapabilities()?.tools) return { tools, toolListMeta };
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      if (cursor === undefined) toolListMeta = page._meta ?? null;
      for (const t of page.tools) {
        if (!toolAllowed(config, t.name)) continue;
        tools.push({
          qualifiedName: qualifiedToolName(name, t.name),
          server: name,
          tool: t.name,
          description: t.description ?? "",
          inputSchema: t.inputSchema as Record<string, unknown>,
          definition: t,
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return { tools, toolListMeta };
  };
  try {
    const { tools, toolListMeta } = await Promise.race([
      handshake().catch((err: unknown) => {
        throw err instanceof McpStartError
          ? err
          : new McpStartError({ kind: "handshake", message: (err as Error).message });
      }),
      stopped,
    ]);
    return { client, tools, toolListMeta };
  } catch (err) {
    // The failure is reported now, as 0.166.0 reports it at the timeout; the process is ended meanwhile, at once
    // (a listing waiting for it is not held by a server that is not working).
    stdio?.abandon();
    const closing = client.close().catch(() => undefined);
    if (err instanceof McpStartError) err.closing = closing;
    throw err;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * How a failed `initialize` went: the command did not run, the server closed, or a write to it failed; an HTTP
 * server that wants a sign-in has none (401 without stored tokens) or one that no longer works.
 */
function handshakeFailure(err: unknown, transport: Transport, oauth: OAuthStartState): McpStartFailure {
  const e = err as Error & { syscall?: unknown; code?: unknown };
  // The SDK refreshes stored tokens on a 401; a refresh it could not make is told as at start-up.
  if (oauth === "stored" && (e instanceof McpOauthRedirectNeeded || "errorCode" in (e ?? {})))
    return refreshFailure(err);
  if (oauth !== "none" && (e?.name === "UnauthorizedError" || e?.code === 401))
    return { kind: "auth", state: oauth === "stored" ? "reauthenticationRequired" : "notLoggedIn" };
  // Node's spawn errors name the syscall (`spawn <command>`); the OS error is what Codex shows.
  if (typeof e?.syscall === "string" && e.syscall.startsWith("spawn")) return { kind: "spawn", error: err };
  const writeError = transport instanceof BoundedStdioTransport ? transport.writeError : undefined;
  if (writeError) return { kind: "write", error: writeError };
  // The SDK fails the pending `initialize` with ConnectionClosed when the server's output ends.
  if (transport instanceof BoundedStdioTransport && e?.code === CONNECTION_CLOSED) return { kind: "closed" };
  return { kind: "handshake", message: e instanceof Error ? e.message : String(err) };
}

/** The answer as MCP's ElicitResult: declined when there is none; empty `content` and `_meta` left out. */
function elicitResult(answer: McpElicitationResponse | null): ElicitResult {
  if (!answer) return { action: "decline" };
  return {
    action: answer.action,
    ...(answer.action === "accept" && answer.content
      ? { content: answer.content as ElicitResult["content"] }
      : {}),
    ...(answer._meta ? { _meta: answer._meta } : {}),
  };
}

/** `enabled_tools` is an allow-list when set; `disabled_tools` removes tools after it. */
function toolAllowed(config: McpServerConfig, tool: string): boolean {
  if (config.enabledTools && !config.enabledTools.includes(tool)) return false;
  return !config.disabledTools?.includes(tool);
}

/**
 * How an HTTP server's OAuth sign-in stands at its start: `none` (stdio, or a configured bearer token, which takes
 * precedence as in 0.166.0), `absent` (no stored tokens: a 401 means not logged in), `stored` (tokens presented,
 * refreshed by the SDK; a 401 they cannot fix means the sign-in has to be renewed).
 */
type OAuthStartState = "none" | "absent" | "stored";

async function transportFor(
  name: string,
  t: McpStdioTransport | McpHttpTransport,
  o: McpStartOptions,
  { parse, StreamableHTTPClientTransport }: SdkTransports,
): Promise<{ transport: Transport; oauthState: OAuthStartState }> {
  const env = o.env ?? process.env;
  if (t.type === "stdio") {
    const childEnv: Record<string, string> = {};
    for (const key of [...DEFAULT_ENV_VARS, ...t.envVars]) {
      const value = env[key];
      if (value !== undefined) childEnv[key] = value;
    }
    Object.assign(childEnv, t.env ?? {});
    // The server's stderr is its log and goes to ours (stdout is the protocol channel).
    const transport = new BoundedStdioTransport({
      command: t.command,
      args: t.args,
      env: childEnv,
      cwd: t.cwd,
      parse,
    });
    return { transport, oauthState: "none" };
  }
  const headers: Record<string, string> = { ...(t.httpHeaders ?? {}) };
  for (const [header, variable] of Object.entries(t.envHttpHeaders ?? {})) {
    const value = env[variable];
    if (value) headers[header] = value;
  }
  const url = new URL(t.url);
  if (t.bearerTokenEnvVar) {
    const token = env[t.bearerTokenEnvVar];
    if (!token) throw new Error(`environment variable ${t.bearerTokenEnvVar} is not set or empty`);
    headers.Authorization = `Bearer ${token}`;
    return {
      transport: new StreamableHTTPClientTransport(url, { requestInit: { headers } }),
      oauthState: "none",
    };
  }
  if (!o.oauth)
    return {
      transport: new StreamableHTTPClientTransport(url, { requestInit: { headers } }),
      oauthState: "none",
    };
  const authProvider = await storedAuthProvider({ ...o.oauth, serverName: name, serverUrl: t.url });
  if (!authProvider)
    return {
      transport: new StreamableHTTPClientTransport(url, { requestInit: { headers } }),
      oauthState: "absent",
    };
  return {
    transport: new StreamableHTTPClientTransport(url, { requestInit: { headers }, authProvider }),
    oauthState: "stored",
  };
}
