import type { ThreadItem0166 } from "../events/items-0166.js";
import { coreFileChange, coreWebSearchAction, duration, snake } from "./stored-item-records.js";
import type { Json } from "./stored-items.js";

/**
 * The event a legacy rollout keeps beside a finished item's `item_completed` record, for codex 0.166.0 to show the
 * item: 0.166.0 rebuilds a legacy thread's items from events (it ignores `item_completed` there but for plans), and
 * of the items this server records it rebuilds patches from `patch_apply_end`, MCP calls from `mcp_tool_call_end`
 * and web searches from `web_search_end` — the events its own legacy rollouts keep. Each event is written with
 * 0.58.0's fields and 0.166.0's (each ignores the other's), so 0.58.0 parses it too and shows it in a resume's
 * `initialMessages`, as it shows what it recorded itself. Null for the other kinds: 0.166.0 shows no command or
 * viewed image from a legacy rollout (it parses `exec_command_end` and `view_image_tool_call` there, then drops
 * them as its persistence policy does), and 0.58.0 cannot parse 0.166.0's compaction event (`context_compacted`).
 */
export function legacyItemEvent(item: ThreadItem0166, turnId: string): Json | null {
  switch (item.type) {
    case "fileChange":
      return {
        type: "patch_apply_end",
        call_id: item.id,
        turn_id: turnId,
        stdout: "",
        stderr: "",
        success: item.status === "completed",
        changes: Object.fromEntries(item.changes.map((c) => [c.path, coreFileChange(c)])),
        status: snake(item.status),
      };
    case "mcpToolCall":
      return {
        type: "mcp_tool_call_end",
        call_id: item.id,
        invocation: { server: item.server, tool: item.tool, arguments: item.arguments ?? null },
        duration: duration(item.durationMs ?? 0),
        result: item.result
          ? {
              Ok: {
                content: item.result.content,
                structuredContent: item.result.structuredContent ?? null,
                // A call the server answered with an error shows failed, as `isError` makes it.
                ...(item.status === "failed" ? { isError: true } : {}),
              },
            }
          : { Err: item.error?.message ?? "" },
      };
    case "webSearch":
      return {
        type: "web_search_end",
        call_id: item.id,
        query: item.query,
        // 0.166.0 requires an action: a search the model gave none for is `other` there.
        action: item.action ? coreWebSearchAction(item.action) : { type: "other" },
      };
    default:
      return null;
  }
}
