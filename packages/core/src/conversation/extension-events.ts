/**
 * Core events that 0.58.0's `EventMsg` union has no variant for. They exist only to feed v2 notifications that
 * 0.58.0 declares but never sends (e.g. `item/mcpToolCall/progress`), are never recorded in a rollout, and must
 * not reach clients that decode every `codex/event` against 0.58.0's union (v1 listeners, MCP clients).
 */
const EXTENSION_EVENT_TYPES = new Set(["mcp_tool_call_progress"]);

/** Whether an event type belongs to 0.58.0's event stream (and so may be sent as `codex/event`). */
export function isCodexWireEvent(type: string): boolean {
  return !EXTENSION_EVENT_TYPES.has(type);
}
