import { randomUUID } from "node:crypto";
import type { TurnItem } from "@codex-ts/app-server-protocol";
import type { ResponseItemJson } from "../client/types.js";

type TextPart = { text?: string };

/** The text of a message item: its content parts' texts, joined. */
export function messageText(item: ResponseItemJson): string {
  return ((item.content as TextPart[]) ?? []).map((c) => c.text ?? "").join("");
}

/** The query of a `web_search_call` item ("" when it has none). */
export function webSearchQuery(item: ResponseItemJson): string {
  return String((item.action as { query?: string } | undefined)?.query ?? "");
}

/** The texts of a reasoning item's `summary` or `content` parts. */
export function partTexts(parts: unknown): string[] {
  return ((parts as TextPart[] | null) ?? []).map((p) => p.text ?? "");
}

/**
 * The turn item a model output item is shown as (`item_started` / `item_completed`), or null for items that have
 * none (tool calls, user messages). `starting`: the item as announced, before its content has streamed (empty
 * content; a web search is only shown once done). Items without an id get a fresh one.
 */
export function turnItemOf(item: ResponseItemJson, starting: boolean): TurnItem | null {
  const id = String(item.id ?? randomUUID());
  if (item.type === "message" && item.role === "assistant") {
    return { AgentMessage: { id, content: starting ? [] : [{ Text: { text: messageText(item) } }] } };
  }
  if (item.type === "reasoning") {
    const texts = (parts: unknown) => (starting ? [] : partTexts(parts));
    return { Reasoning: { id, summary_text: texts(item.summary), raw_content: texts(item.content) } };
  }
  if (item.type === "web_search_call" && !starting) {
    return { WebSearch: { id, query: webSearchQuery(item) } };
  }
  return null;
}

/** The id of a turn item, whatever its kind. */
export function turnItemId(item: TurnItem): string {
  const [inner] = Object.values(item) as { id: string }[];
  return inner?.id ?? "";
}
