import {
  type gen0166,
  internalError,
  invalidRequest,
  type McpMethod0166,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import { McpDirectCallError, readResourceWithoutThread } from "@codex-ts/core";
import type { Handlers } from "../handler.js";
import type { ThreadRegistry } from "../threads/registry.js";
import { experimentalCheck } from "./experimental-api.js";

/** What 0.166.0 answers every `mcpServer/event/stream/start`: its event streams are for hosted apps only. */
export const EVENT_STREAMS_HOSTED_ONLY = "MCP event subscriptions are only supported for hosted apps";

/**
 * 0.166.0's direct MCP calls of a client:
 * - `mcpServer/tool/call {threadId, server, tool, arguments?, _meta?}`: a tool of one of a loaded thread's MCP
 *   servers, on the thread's own connections (a start in flight is awaited), answered with the server's
 *   CallToolResult. Not part of a turn: no item, no notification, nothing in the rollout, no approval.
 * - `mcpServer/resource/read {threadId?, server, uri}`: `{contents, originCallId: null}`; with `threadId` through
 *   the thread's connections, without it through a connection started from the current config for the read.
 * - `mcpServer/event/stream/start` is refused for every server (0.166.0 serves them only for hosted apps, which a
 *   local server has none of), and `stop` answers `{}` whatever the subscription; both are experimental.
 * The server's own JSON-RPC errors are passed on as it sent them; Codex's failures are -32603 in 0.166.0's words.
 */
export function createMcpCallHandlers0166(o: {
  registry: ThreadRegistry;
  /** The config as it is now (its `mcp_servers`, for a read without a thread); none without a CODEX_HOME. */
  currentConfig: (() => Promise<Config>) | undefined;
  cliVersion: string;
  /** Whether the client asked for the experimental API (the event stream methods are experimental). */
  experimentalApi: () => boolean;
}): Handlers<Protocol0166, McpMethod0166> {
  const experimental = experimentalCheck(() => o.experimentalApi());
  return {
    async "mcpServer/tool/call"(p) {
      const thread = o.registry.require(p.threadId);
      const call = { server: p.server, tool: p.tool, arguments: p.arguments, meta: p._meta };
      const result = await rpcErrors(thread.conversation.callMcpTool(call));
      // The server's CallToolResult as it sent it (the MCP SDK has checked its shape).
      return result as gen0166.McpServerToolCallResponse;
    },
    async "mcpServer/resource/read"(p) {
      const read =
        p.threadId == null
          ? readWithoutThread(o, p.server, p.uri)
          : o.registry.require(p.threadId).conversation.readMcpResource(p.server, p.uri);
      const { contents } = await rpcErrors(read);
      // The server's contents as it sent them (the MCP SDK has checked each is a text or a blob content).
      return { contents: contents as gen0166.ResourceContent[], originCallId: null };
    },
    "mcpServer/event/stream/start"() {
      experimental("mcpServer/event/stream/start");
      throw invalidRequest(EVENT_STREAMS_HOSTED_ONLY);
    },
    "mcpServer/event/stream/stop"() {
      experimental("mcpServer/event/stream/stop");
      return {};
    },
  };
}

async function readWithoutThread(
  o: { currentConfig: (() => Promise<Config>) | undefined; cliVersion: string },
  server: string,
  uri: string,
): Promise<{ contents: Record<string, unknown>[] }> {
  if (!o.currentConfig) throw internalError(`unknown MCP server '${server}'`);
  const config = await o.currentConfig();
  return readResourceWithoutThread(config.mcpServers, server, uri, {
    clientVersion: o.cliVersion,
    wording: "0.166",
    oauth: { codexHome: config.codexHome, mode: config.mcpOauthCredentialsStore },
  });
}

/** A direct call's failure as 0.166.0 answers it: the server's own error as it came, Codex's as -32603. */
async function rpcErrors<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (!(err instanceof McpDirectCallError)) throw err;
    throw err.code === undefined ? internalError(err.message) : new RpcError(err.code, err.message, err.data);
  }
}
