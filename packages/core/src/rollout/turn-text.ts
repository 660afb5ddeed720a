/**
 * The conversation's visible text in a rollout record, as thread search reads it: the user's messages (after
 * `## My request for Codex:` when present, trimmed) and the agent's answers (trimmed), from 0.58.0's `user_message`
 * / `agent_message` events and from 0.166.0's `item_completed` records of `UserMessage` / `AgentMessage` items (its
 * paginated rollouts keep no such events). Null for any other record or an empty text. Commands, patches, reasoning
 * and injected context are not conversation text.
 */
const REQUEST_MARKER = "## My request for Codex:";

/** A line whose payload is an `item_completed` of a message item (checked on the line's first bytes). */
export const MESSAGE_ITEM_LINE = /"type":"item_completed",.*"item":\{"type":"(?:UserMessage|AgentMessage)"/;

export function conversationText(record: Record<string, unknown>): string | null {
  if (record.type !== "event_msg") return null;
  const p = record.payload as Record<string, unknown> | null;
  if (typeof p !== "object" || p === null) return null;
  if (p.type === "user_message" && typeof p.message === "string") return nonEmpty(requestText(p.message));
  if (p.type === "agent_message" && typeof p.message === "string") return nonEmpty(p.message.trim());
  if (p.type !== "item_completed") return null;
  const item = p.item as { type?: unknown; content?: unknown } | null;
  if (typeof item !== "object" || item === null || !Array.isArray(item.content)) return null;
  const parts = (item.content as { type?: unknown; text?: unknown }[]).filter(
    (c) => typeof c?.text === "string" && (c.type === "text" || c.type === "Text"),
  );
  if (item.type === "UserMessage")
    return nonEmpty(
      parts
        .map((c) => requestText(c.text as string))
        .filter(Boolean)
        .join("\n"),
    );
  if (item.type === "AgentMessage")
    return nonEmpty(
      parts
        .map((c) => c.text as string)
        .join("")
        .trim(),
    );
  return null;
}

/** A user message's text as searched: after `## My request for Codex:` when present, trimmed. */
export function requestText(text: string): string {
  const marker = text.indexOf(REQUEST_MARKER);
  return (marker >= 0 ? text.slice(marker + REQUEST_MARKER.length) : text).trim();
}

const nonEmpty = (text: string): string | null => (text === "" ? null : text);

/** Unicode-aware lower case: what a case-insensitive search compares (stored beside the text in the index). */
export function foldCase(text: string): string {
  return text.toLowerCase();
}

/** Characters of context a snippet keeps before and after its match (0.166.0's). */
const BEFORE_CHARS = 48;
const AFTER_CHARS = 96;

/** A snippet of `text` around a match, and where the match is in it (UTF-16 code units, as the protocol counts). */
export interface Excerpt {
  snippet: string;
  start: number;
  end: number;
}

/**
 * Every case-insensitive match of `term` in `text`, as [start, end) indices of `text`'s code points (so a character
 * whose lower case is longer, such as `İ`, still maps back to itself).
 */
export function literalMatches(
  text: string,
  term: string,
  limit = Number.POSITIVE_INFINITY,
): [number, number][] {
  const chars = Array.from(text);
  const needle = foldCase(term);
  if (needle === "") return [];
  // The folded text, and for each of its code units the code point of `text` it came from.
  let folded = "";
  const origin: number[] = [];
  chars.forEach((c, i) => {
    const f = foldCase(c);
    folded += f;
    for (let k = 0; k < f.length; k++) origin.push(i);
  });
  const out: [number, number][] = [];
  for (let at = folded.indexOf(needle); at >= 0 && out.length < limit; ) {
    const last = at + needle.length - 1;
    out.push([origin[at]!, origin[last]! + 1]);
    at = folded.indexOf(needle, at + needle.length);
  }
  return out;
}

/**
 * The excerpt 0.166.0 shows for a match at code points [start, end) of `chars` (see `excerptBounds`), with `... ` /
 * ` ...` where the text goes on.
 */
export function excerptAt(chars: readonly string[], start: number, end: number): Excerpt {
  const { from, to } = excerptBounds(chars.length, start, end);
  const lead = from > 0 ? "... " : "";
  const before = chars.slice(from, start).join("");
  const match = chars.slice(start, end).join("");
  const snippet = `${lead}${before}${match}${chars.slice(end, to).join("")}${to < chars.length ? " ..." : ""}`;
  const at = lead.length + before.length;
  return { snippet, start: at, end: at + match.length };
}

/** A thread search's snippet: the first match in the message's text with its whitespace collapsed (0.166.0's). */
export function searchSnippet(text: string, term: string): string | null {
  const chars = Array.from(collapseWhitespace(text));
  const m = literalMatches(chars.join(""), term, 1)[0];
  if (!m) return null;
  const { from, to } = excerptBounds(chars.length, m[0], m[1]);
  const body = chars.slice(from, to).join("").trim();
  if (body === "") return null;
  return `${from > 0 ? "... " : ""}${body}${to < chars.length ? " ..." : ""}`;
}

/** Runs of whitespace as one space, none at the ends (0.166.0's snippets and answers as searched). */
export function collapseWhitespace(text: string): string {
  return text.split(/\s+/u).filter(Boolean).join(" ");
}

/**
 * Where an excerpt of a match at code points [start, end) begins and ends: as 0.166.0 counts, the 49th character
 * before the match (none cut when there are fewer) to the 96th after it.
 */
function excerptBounds(length: number, start: number, end: number): { from: number; to: number } {
  return {
    from: start > BEFORE_CHARS ? start - BEFORE_CHARS - 1 : 0,
    to: Math.min(length, end + AFTER_CHARS),
  };
}
