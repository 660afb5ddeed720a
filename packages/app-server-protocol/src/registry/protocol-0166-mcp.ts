import * as g from "../schema/gen-0166.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's direct MCP calls of a client: a tool of one of a thread's MCP servers (`mcpServer/tool/call`), a
 * resource of a server (`mcpServer/resource/read`), and the event streams 0.166.0 serves only for hosted apps
 * (`mcpServer/event/stream/start|stop`). A group of their own, so that `protocol-0166.ts` changes by one line.
 */
export const mcpRequests0166 = {
  "mcpServer/tool/call": v2m(g.McpServerToolCallParams, g.McpServerToolCallResponse),
  "mcpServer/resource/read": v2m(g.McpResourceReadParams, g.McpResourceReadResponse),
  "mcpServer/event/stream/start": v2m(g.McpServerEventStreamStartParams, g.McpServerEventStreamStartResponse),
  "mcpServer/event/stream/stop": v2m(g.McpServerEventStreamStopParams, g.McpServerEventStreamStopResponse),
} as const;

/** The names of these methods (the app server's MCP call handler group serves exactly these). */
export type McpMethod0166 = keyof typeof mcpRequests0166;
