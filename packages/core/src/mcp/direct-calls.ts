import type { McpServerConfig } from "@codex-ts/config-loader";
import { McpConnectionManager } from "./connection-manager.js";
import type { McpCallToolResult, McpStartOptions } from "./types.js";

/**
 * A client's direct MCP call (0.166's `mcpServer/tool/call` and `mcpServer/resource/read`) failed. With `code` it
 * is the server's own JSON-RPC error, which 0.166.0 passes on as the server sent it (code, message, data);
 * without, it is Codex's failure, in 0.166.0's words (the app server answers it with -32603).
 */
export class McpDirectCallError extends Error {
  constructor(
    message: string,
    readonly code?: number,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "McpDirectCallError";
  }
}

/** The SDK's client-side error codes (`ErrorCode.ConnectionClosed`, `RequestTimeout`): not the server's errors. */
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;

/** The key 0.166.0 adds to a direct tool call's `_meta`: the thread the call was made for. */
const THREAD_ID_META_KEY = "threadId";

/**
 * Calls tool `tool` of `server` for a client, as 0.166.0's `mcpServer/tool/call` does: a start in flight is
 * awaited; `args` must be an object (or absent); `_meta` is the client's plus the thread's id; the result is the
 * server's CallToolResult (a tool error is a result with `isError`, not a failure). Nothing is recorded and no
 * approval is asked: the client, not the model, made the call.
 */
export async function callToolDirectly(
  mcp: McpConnectionManager,
  threadId: string,
  call: { server: string; tool: string; arguments?: unknown; meta?: unknown },
): Promise<McpCallToolResult> {
  await startedOrThrow(mcp, call.server);
  const failed = (why: string) =>
    new McpDirectCallError(`tool call failed for \`${call.server}/${call.tool}\`: ${why}`);
  const args = call.arguments ?? null;
  if (args !== null && (typeof args !== "object" || Array.isArray(args)))
    throw failed(`MCP tool arguments must be a JSON object, got ${JSON.stringify(args)}`);
  try {
    return await mcp.callTool(
      call.server,
      call.tool,
      args as Record<string, unknown> | null,
      undefined,
      undefined,
      withThreadIdMeta(call.meta, threadId),
    );
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === REQUEST_TIMEOUT) {
      const ms = (err as { data?: { timeout?: number } }).data?.timeout;
      throw failed(`timed out awaiting tools/call after ${ms ?? "?"}ms`);
    }
    throw serverError(err) ?? failed((err as Error).message);
  }
}

/** Reads `uri` of `server` through a thread's servers, as 0.166.0's `mcpServer/resource/read {threadId}` does. */
export async function readResourceDirectly(
  mcp: McpConnectionManager,
  server: string,
  uri: string,
): Promise<{ contents: Record<string, unknown>[] }> {
  await startedOrThrow(mcp, server);
  try {
    return await mcp.readResource(server, uri);
  } catch (err) {
    throw serverError(err) ?? new McpDirectCallError((err as Error).message);
  }
}

/**
 * Reads `uri` of `server` without a thread (`mcpServer/resource/read` without `threadId`): 0.166.0 starts that
 * server from the current config for the read and stops it after.
 */
export async function readResourceWithoutThread(
  configs: Record<string, McpServerConfig>,
  server: string,
  uri: string,
  o: McpStartOptions,
): Promise<{ contents: Record<string, unknown>[] }> {
  const config = Object.hasOwn(configs, server) ? configs[server] : undefined;
  if (!config?.enabled) throw new McpDirectCallError(`unknown MCP server '${server}'`);
  const mcp = McpConnectionManager.starting({ [server]: config }, o);
  try {
    return await readResourceDirectly(mcp, server, uri);
  } finally {
    await mcp.close();
  }
}

async function startedOrThrow(mcp: McpConnectionManager, server: string): Promise<void> {
  try {
    await mcp.awaitStarted(server);
  } catch (err) {
    throw new McpDirectCallError((err as Error).message);
  }
}

/**
 * The server's own JSON-RPC error as it sent it, or undefined for any other failure. The SDK prefixes the
 * server's message with `MCP error <code>: `; 0.166.0 passes the message on as it came.
 */
function serverError(err: unknown): McpDirectCallError | undefined {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; data?: unknown };
  if (e?.name !== "McpError" || typeof e.code !== "number") return undefined;
  if (e.code === CONNECTION_CLOSED || e.code === REQUEST_TIMEOUT) return undefined;
  const prefix = `MCP error ${e.code}: `;
  const message = String(e.message);
  return new McpDirectCallError(
    message.startsWith(prefix) ? message.slice(prefix.length) : message,
    e.code,
    e.data,
  );
}

/** The client's `_meta` with the thread's id added (0.166.0's `with_mcp_tool_call_thread_id_meta`). */
function withThreadIdMeta(meta: unknown, threadId: string): Record<string, unknown> | undefined {
  if (meta === undefined || meta === null) return { [THREAD_ID_META_KEY]: threadId };
  if (typeof meta === "object" && !Array.isArray(meta))
    return { ...(meta as Record<string, unknown>), [THREAD_ID_META_KEY]: threadId };
  // 0.166.0 sends any other `_meta` on unchanged; the MCP SDK only carries an object, so it is left out here.
  return undefined;
}
