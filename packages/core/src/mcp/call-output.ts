import type { McpCallToolResult } from "./connection-manager.js";

/** The `result` of `mcp_tool_call_end`: the server's CallToolResult, or the reason the call failed. */
export type McpCallOutcome = { Ok: McpCallToolResult } | { Err: string };

/**
 * The `function_call_output` text Codex sends the model for an MCP call: the result's `content` array as compact
 * JSON (keys in alphabetical order, as Codex's generated MCP types serialize them), or `err: "<reason>"`.
 */
export function mcpFunctionOutput(outcome: McpCallOutcome): string {
  if ("Err" in outcome) return `err: ${JSON.stringify(outcome.Err)}`;
  return JSON.stringify(sortKeys(outcome.Ok.content ?? []));
}

/** Objects with their keys in alphabetical order, recursively (how 0.58.0 serializes MCP values). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
