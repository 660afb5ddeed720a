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

/**
 * A model request of the turn failed after it had started items (`item_started` of an agent message or reasoning)
 * that will now never complete: emitted just before the turn's `stream_error "Reconnecting... n/N"` (or its final
 * `error`). 0.58.0 sends nothing here (its v1 clients see those items stay open, then the retry's items); a v2
 * mapper drops them (no `item/completed`, not listed in `turn/completed`), as the history and the rollout never
 * hold a failed request's items.
 */
export type StreamItemsDiscardedEvent = {
  type: "stream_items_discarded";
  item_ids: string[];
};

/** Every extension event. */
export type ExtensionEventMsg = McpToolCallProgressEvent | StreamItemsDiscardedEvent;

const EXTENSION_EVENT_TYPES: ReadonlySet<string> = new Set<ExtensionEventMsg["type"]>([
  "mcp_tool_call_progress",
  "stream_items_discarded",
]);

/** Whether an event type belongs to 0.58.0's event stream (and so may be sent as `codex/event`). */
export function isCodexWireEvent(type: string): boolean {
  return !EXTENSION_EVENT_TYPES.has(type);
}
