import type { ContentBlock } from "@codex-ts/app-server-protocol";
import type { McpCallToolResult } from "./types.js";

/**
 * Bounds on what an MCP server sends back. A result that passes them is unchanged; one that does not is cut (size)
 * or refused (depth) here, before it reaches events, the rollout or the model — and only that call is affected.
 */

/** One message from a stdio server: a longer line is skipped unread and its request fails. */
export const MCP_MESSAGE_MAX_BYTES = 16 * 1024 * 1024;
/** JSON nesting of a message or result (serde_json's default recursion limit, which Codex's own parser has). */
export const MCP_JSON_MAX_DEPTH = 128;
/** A tool result as serialized JSON; larger ones are cut down to it (see `limitCallToolResult`). */
export const MCP_RESULT_MAX_BYTES = 1024 * 1024;

/** Whether `value` nests arrays/objects deeper than `max` levels. Iterative: a 100,000-deep value is no problem. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const child of children)
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/** A call whose result broke a limit that cannot be met by cutting it (nesting). */
export class McpResultLimitError extends Error {
  override readonly name = "McpResultLimitError";
}

/** About what the note standing for a left-out item costs. */
const NOTE_BYTES = 160;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

/** `text` with its middle replaced by a marker so it has at most about `maxBytes` UTF-8 bytes. */
function cutMiddle(text: string, maxBytes: number, total: number): string {
  const marker = `\n[... tool output cut: ${total} bytes is over the ${MCP_RESULT_MAX_BYTES}-byte limit ...]\n`;
  const keep = Math.max(0, maxBytes - Buffer.byteLength(marker, "utf8"));
  // Characters, not bytes: close enough for a budget, and never splits a surrogate pair below.
  let head = text.slice(0, Math.ceil(keep / 2));
  let tail = text.slice(text.length - Math.floor(keep / 2));
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  if (/^[\udc00-\udfff]/.test(tail)) tail = tail.slice(1);
  return `${head}${marker}${tail}`;
}

/**
 * A CallToolResult within `maxBytes` of JSON, or unchanged when it already is. Over it: `structuredContent` is
 * dropped (the spec has servers repeat it as text content), content items are kept in order while they fit, a
 * text item that does not fit is cut in the middle (head and tail kept around a marker), and any other item that
 * does not fit (an image, a resource) is replaced by a text item saying what was left out. Throws
 * McpResultLimitError for a result nested deeper than MCP_JSON_MAX_DEPTH.
 */
export function limitCallToolResult(
  result: McpCallToolResult,
  maxBytes: number = MCP_RESULT_MAX_BYTES,
): McpCallToolResult {
  if (nestedDeeperThan(result, MCP_JSON_MAX_DEPTH))
    throw new McpResultLimitError(`the result is nested deeper than ${MCP_JSON_MAX_DEPTH} levels`);
  const total = jsonBytes(result);
  if (total <= maxBytes) return result;
  const { structuredContent: _dropped, content, ...rest } = result;
  const items = Array.isArray(content) ? content : [];
  // What is left for the items once the rest of the result (and a little slack for separators) is paid for.
  let budget = maxBytes - jsonBytes({ ...rest, content: [] }) - 64;
  const kept: ContentBlock[] = [];
  for (const [index, item] of items.entries()) {
    const size = jsonBytes(item) + 1;
    if (size <= budget) {
      kept.push(item);
      budget -= size;
      continue;
    }
    let replacement: ContentBlock;
    if ("text" in item && item.type === "text" && typeof item.text === "string") {
      const record = item;
      // Room for a note on each item after this one, which will not fit whole either.
      const target = budget - Math.min(budget / 2, (items.length - index - 1) * NOTE_BYTES);
      let room = target - jsonBytes({ ...record, text: "" }) - 1;
      replacement = { ...record, text: cutMiddle(record.text, room, total) };
      // JSON escapes and multi-byte characters make the text longer than its count: shrink by the excess.
      for (let over = jsonBytes(replacement) + 1 - target; over > 0 && room > 0; ) {
        room -= over;
        replacement = { ...record, text: cutMiddle(record.text, room, total) };
        over = jsonBytes(replacement) + 1 - target;
      }
    } else {
      replacement = {
        type: "text",
        text: `[${String(item.type ?? "content")} item of ${size - 1} bytes left out: the tool result is over the ${MCP_RESULT_MAX_BYTES}-byte limit]`,
      };
    }
    const cost = jsonBytes(replacement) + 1;
    if (cost > budget) break;
    kept.push(replacement);
    budget -= cost;
  }
  return { ...rest, content: kept };
}
