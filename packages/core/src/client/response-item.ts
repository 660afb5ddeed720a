/**
 * Response items in the shape Codex 0.58.0 writes them, both into request `input` and into rollout files: it parses
 * every model output item into its own typed item and serializes that, so the Responses API's item `id` is never
 * sent back or stored (messages, reasoning, function / custom tool / local shell / web search calls alike), fields
 * come out in Codex's order, and a few absent fields are written as null. Items of other types pass unchanged.
 */

type Item = Record<string, unknown>;

/** Copies the listed keys that are present, in that order. */
function pick(item: Item, keys: readonly string[]): Item {
  const out: Item = {};
  for (const key of keys) if (item[key] !== undefined) out[key] = item[key];
  return out;
}

/** `item` itself when it has no other keys, else a copy with only those (in that order). */
function onlyKeys(item: Item, keys: readonly string[]): Item {
  return Object.keys(item).every((k) => keys.includes(k)) ? item : pick(item, keys);
}

/** Message content parts keep only the fields Codex models (`annotations`, `logprobs`, … are dropped). */
function contentPart(part: unknown): unknown {
  if (typeof part !== "object" || part === null) return part;
  const p = part as Item;
  switch (p.type) {
    case "input_text":
    case "output_text":
      return pick(p, ["type", "text"]);
    case "input_image":
      return pick(p, ["type", "image_url"]);
    default:
      return part;
  }
}

/**
 * Reasoning `content` is written as null when absent, kept when it holds raw reasoning text, and left out when it
 * holds none (an empty list or only `text` parts) — Codex's serializer rule for that field.
 */
function reasoningContent(content: unknown): { content?: unknown } {
  if (!Array.isArray(content)) return { content: null };
  const hasReasoningText = content.some((c) => (c as Item | null)?.type === "reasoning_text");
  return hasReasoningText ? { content } : {};
}

export function normalizeResponseItem(item: Item): Item {
  switch (item.type) {
    case "message":
      return {
        ...pick(item, ["type", "role"]),
        content: Array.isArray(item.content) ? item.content.map(contentPart) : item.content,
      };
    case "reasoning":
      return {
        ...pick(item, ["type", "summary"]),
        ...reasoningContent(item.content),
        encrypted_content: item.encrypted_content ?? null,
      };
    case "function_call":
      // `namespace` only on 0.166.0's calls of a namespaced (MCP) tool.
      return pick(item, ["type", "name", "namespace", "arguments", "call_id"]);
    // Outputs keep only what 0.58.0 models: 0.166.0's rollouts add ids and metadata it does not send back.
    case "function_call_output":
    case "custom_tool_call_output":
      return onlyKeys(item, ["type", "call_id", "output"]);
    case "tool_search_call":
      return pick(item, ["type", "call_id", "status", "execution", "arguments"]);
    case "tool_search_output":
      return pick(item, ["type", "call_id", "status", "execution", "tools"]);
    case "custom_tool_call":
      return pick(item, ["type", "status", "call_id", "name", "input"]);
    case "local_shell_call":
      return { type: item.type, call_id: item.call_id ?? null, ...pick(item, ["status", "action"]) };
    case "web_search_call":
      return pick(item, ["type", "status", "action"]);
    default:
      return item;
  }
}
