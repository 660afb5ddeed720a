import type { RolloutItem } from "../rollout/line.js";
import { isInjectedContext, messageText } from "../rollout/user-message.js";
import { NO_SUMMARY } from "./messages.js";
import { truncateMiddle } from "./truncate.js";

type ResponseItemJson = Record<string, unknown>;

/**
 * How much of the user's own messages survives a compaction (UTF-8 bytes, newest first): 0.58.0 kept 80000 bytes —
 * a 30000-byte and a 100011-byte message came out as 30000 + a 50000-byte middle-truncated one.
 */
export const USER_MESSAGES_BUDGET_BYTES = 80_000;

const userText = (text: string): ResponseItemJson => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

/**
 * The texts of the messages the user typed, oldest first: user-role messages other than the injected instructions
 * and `<environment_context>`; messages without text (an image the view_image tool attached) are not kept.
 */
export function collectUserMessages(history: ResponseItemJson[]): string[] {
  const texts: string[] = [];
  for (const item of history) {
    const text = messageText(item);
    if (text && !isInjectedContext(text)) texts.push(text);
  }
  return texts;
}

/** The text of the last assistant message in `items` (the summary a compaction request produced); "" when none. */
export function lastAssistantText(items: ResponseItemJson[]): string {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as { type?: string; role?: string; content?: { type?: string; text?: string }[] };
    if (item.type !== "message" || item.role !== "assistant" || !Array.isArray(item.content)) continue;
    return item.content
      .filter((c) => c.type === "output_text")
      .map((c) => c.text ?? "")
      .join("");
  }
  return "";
}

/**
 * The history that replaces a compacted one: the initial context, then the user's messages (the newest ones that fit
 * the budget; the oldest kept one middle-truncated when it does not fit whole), then the summary as a user message,
 * then the ghost snapshots (they are what undo needs, and the model never sees them).
 */
export function compactedHistory(
  initialContext: ResponseItemJson[],
  previous: ResponseItemJson[],
  summary: string,
): ResponseItemJson[] {
  const kept: string[] = [];
  let remaining = USER_MESSAGES_BUDGET_BYTES;
  for (const text of collectUserMessages(previous).reverse()) {
    if (remaining <= 0) break;
    const size = Buffer.byteLength(text);
    if (size <= remaining) {
      kept.push(text);
      remaining -= size;
    } else {
      kept.push(truncateMiddle(text, remaining));
      break;
    }
  }
  return [
    ...initialContext,
    ...kept.reverse().map(userText),
    userText(summary === "" ? NO_SUMMARY : summary),
    ...previous.filter((item) => item.type === "ghost_snapshot"),
  ];
}

/**
 * A resumed conversation's history from its rollout: response items in order, and at each `compacted` line the
 * history so far is replaced as the compaction did — with the initial context as it is *now* (the resuming
 * session's settings, as 0.58.0 rebuilds it), so the next request carries the summary, not the pre-compaction items.
 * A `compacted` line of codex 0.166.0 carries the history that replaced the old one (`replacement_history`): that
 * list becomes the history, as 0.166.0 resumes it.
 */
export function historyFromRollout(
  items: RolloutItem[],
  initialContext: () => ResponseItemJson[],
): ResponseItemJson[] {
  let history: ResponseItemJson[] = [];
  for (const item of items) {
    if (item.type === "response_item") history.push(item.payload as ResponseItemJson);
    else if (item.type === "compacted") {
      const replacement = item.payload?.replacement_history;
      history = Array.isArray(replacement)
        ? replacement.filter((i): i is ResponseItemJson => typeof i === "object" && i !== null)
        : compactedHistory(initialContext(), history, String(item.payload?.message ?? ""));
    }
  }
  return history;
}
