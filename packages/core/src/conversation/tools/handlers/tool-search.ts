import { toolSearchOutput } from "../../../client/call-outputs.js";
import type { ResponseItemJson } from "../../../client/types.js";
import { toolSearchArguments } from "../../../mcp/tool-search.js";
import type { ToolContext } from "../context.js";

/**
 * Answers a `tool_search_call` (0.166.0's search over the deferred MCP tools, offered to `gpt-5.5`): a
 * `tool_search_output` whose `tools` are the namespaces of the tools found, which the model may call from its next
 * request on. No events and no thread item: 0.166.0 shows a search to clients as nothing at all.
 */
export function toolSearchCall(ctx: ToolContext, callId: string, args: unknown): ResponseItemJson {
  const parsed = toolSearchArguments(args);
  // Bad arguments (an empty query, a zero limit) find nothing, as on 0.166.0 (checked with the native binary).
  if (parsed === null) return toolSearchOutput(callId, []);
  return toolSearchOutput(callId, ctx.mcp?.searchTools(parsed.query, parsed.limit) ?? []);
}
