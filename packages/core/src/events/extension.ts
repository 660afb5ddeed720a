/**
 * Core events that 0.58.0's `EventMsg` union has no variant for. They exist only to feed v2 notifications that
 * 0.58.0 declares but never sends (e.g. `item/mcpToolCall/progress`), are never recorded in a rollout, and must
 * not reach clients that decode every `codex/event` against 0.58.0's union (v1 listeners, MCP clients).
 */

/** One `notifications/progress` of a running MCP tool call (v2 `item/mcpToolCall/progress`). */
// A type alias, not an interface: like the protocol's zod-inferred variants it then fits `Record<string, unknown>`.
export type McpToolCallProgressEvent = {
  type: "mcp_tool_call_progress";
  call_id: string;
  message: string;
};

/** Every extension event. */
export type ExtensionEventMsg = McpToolCallProgressEvent;

const EXTENSION_EVENT_TYPES: ReadonlySet<string> = new Set<ExtensionEventMsg["type"]>([
  "mcp_tool_call_progress",
]);

/** Whether an event type belongs to 0.58.0's event stream (and so may be sent as `codex/event`). */
export function isCodexWireEvent(type: string): boolean {
  return !EXTENSION_EVENT_TYPES.has(type);
}
