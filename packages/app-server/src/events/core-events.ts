import type { EventMsg } from "@codex-ts/app-server-protocol";

/** `{secs, nanos}` (serde Duration) → whole milliseconds. */
export function durationMs(d: { secs: number; nanos: number }): number {
  return d.secs * 1000 + Math.round(d.nanos / 1e6);
}

/**
 * The core's MCP progress event: an extension outside 0.58.0's `EventMsg` (see core's `isCodexWireEvent`), so it
 * is read field by field.
 */
export function mcpProgress(msg: EventMsg): { callId: string; message: string } | null {
  const raw: Record<string, unknown> = msg;
  if (raw.type !== "mcp_tool_call_progress") return null;
  return { callId: String(raw.call_id), message: String(raw.message) };
}

type McpEnd = Extract<EventMsg, { type: "mcp_tool_call_end" }>;

/** How an MCP call ended, in the v2 and 0.166 items' terms: its result, or its error as `failed`. */
export function mcpOutcome(end: McpEnd["result"]) {
  if ("Err" in end) return { status: "failed" as const, result: null, error: { message: end.Err } };
  const ok = end.Ok;
  return {
    status: ok.isError ? ("failed" as const) : ("completed" as const),
    result: { content: ok.content ?? [], structuredContent: ok.structuredContent ?? null },
    error: null,
  };
}

/**
 * The core's `stream_items_discarded` event (an extension, read field by field like `mcpProgress`): the ids of
 * items a failed or cut-short model request started and will never complete; null for every other event.
 */
export function discardedItems(msg: EventMsg): string[] | null {
  const raw: Record<string, unknown> = msg;
  if (raw.type !== "stream_items_discarded" || !Array.isArray(raw.item_ids)) return null;
  return raw.item_ids.map(String);
}
