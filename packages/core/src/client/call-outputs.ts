type Item = Record<string, unknown>;

const OUTPUT_TYPES = new Set(["function_call_output", "custom_tool_call_output", "tool_search_output"]);

/** The call id a tool call is answered under, or null for items that are not calls. */
function callIdOf(item: Item): string | null {
  switch (item.type) {
    case "function_call":
    case "custom_tool_call":
    case "tool_search_call":
      return typeof item.call_id === "string" ? item.call_id : null;
    case "local_shell_call": {
      const id = item.call_id ?? item.id;
      return typeof id === "string" ? id : null;
    }
    default:
      return null;
  }
}

/**
 * Pairs every tool call with an output the way 0.58.0 does before each request (checked against the binary with a
 * resumed rollout, on both wires): a call without an output gets one right after it whose text is `aborted` (a
 * `custom_tool_call_output` for a custom tool call, a `function_call_output` otherwise), and an output whose call
 * is not in the history is left out (a `tool_search_call` likewise, with a `tool_search_output` that found
 * nothing). Only the request changes; the history and the rollout keep what they have.
 */
export function pairCallOutputs(items: readonly Item[]): Item[] {
  const calls = new Set<string>();
  const answered = new Set<string>();
  for (const item of items) {
    const id = callIdOf(item);
    if (id !== null) calls.add(id);
    if (OUTPUT_TYPES.has(String(item.type))) answered.add(String(item.call_id));
  }
  const out: Item[] = [];
  for (const item of items) {
    if (OUTPUT_TYPES.has(String(item.type)) && !calls.has(String(item.call_id))) continue;
    out.push(item);
    const id = callIdOf(item);
    if (id === null || answered.has(id)) continue;
    out.push(abortedOutput(item, id));
  }
  return out;
}

/** The answer a call left unanswered gets; a tool search's is a search that found nothing (0.166.0's items). */
function abortedOutput(call: Item, id: string): Item {
  if (call.type === "tool_search_call") return toolSearchOutput(id, []);
  const type = call.type === "custom_tool_call" ? "custom_tool_call_output" : "function_call_output";
  return { type, call_id: id, output: "aborted" };
}

/** A `tool_search_output` item: the tools a `tool_search_call` found, answered on this side (`client`). */
export function toolSearchOutput(callId: string, tools: unknown[]): Item {
  return { type: "tool_search_output", call_id: callId, status: "completed", execution: "client", tools };
}
