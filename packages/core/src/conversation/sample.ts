import type { ModelClient } from "../client/model-client.js";
import type { Prompt, TokenUsage } from "../client/types.js";
import { userMessage } from "./context.js";

/** What a sample of a conversation answered (0.166's `thread/sample`). */
export interface SampleResult {
  responseId: string;
  /** The answer's text; null when the model called a tool or said nothing. */
  text: string | null;
  usage: TokenUsage | null;
}

/**
 * One model request on a conversation's context, answered and forgotten (0.166's `thread/sample`, which codex-acp
 * uses to suggest the user's next message): `prompt` is the request the next turn would send (same instructions,
 * tools, reasoning, history, so the provider's prompt cache still holds it) plus `text` as a user message.
 * Nothing is recorded or emitted. A failed request throws with the model client's error.
 */
export async function sampleOnce(
  client: ModelClient,
  prompt: Prompt,
  text: string,
  signal: AbortSignal,
): Promise<SampleResult> {
  const request: Prompt = { ...prompt, input: [...prompt.input, userMessage(text)] };
  let answer: string | null = null;
  let calledTool = false;
  for await (const e of client.stream(request, signal, { onRetry: () => {} })) {
    if (e.type === "item_done") {
      if (e.item.type === "message") answer = messageText(e.item) ?? answer;
      else if (e.item.type !== "reasoning") calledTool = true;
    }
    if (e.type === "completed")
      return { responseId: e.responseId, text: calledTool ? null : answer, usage: e.usage };
  }
  throw new Error("stream closed before response.completed");
}

/** An assistant message's text parts, joined; null when it has none. */
function messageText(item: Record<string, unknown>): string | null {
  if (!Array.isArray(item.content)) return null;
  const parts = (item.content as { text?: unknown }[])
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .filter((t) => t !== "");
  return parts.length > 0 ? parts.join("") : null;
}
