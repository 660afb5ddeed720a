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
