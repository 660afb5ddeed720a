import { responses, type ScriptedResponse } from "@codex-ts/test-support";

/**
 * An answer of `words` words that streams its first word, then holds the rest until `until` settles (never,
 * without it): a turn that runs until the test steers, interrupts, forks or releases it, however slow the machine
 * (a merely slow answer can end between two of the test's requests on a loaded one).
 */
export function heldAnswer(words: number, until?: Promise<unknown>): ScriptedResponse {
  const text = Array.from({ length: words }, (_, i) => `w${i} `).join("");
  // created, the message's output_item.added, its first delta; then the hold.
  const holdAfter = 3;
  return {
    kind: "sse",
    holdAfter,
    until,
    events: [responses.created(), ...responses.message(text, "msg_slow", words), responses.completed()],
  };
}

/** The user's own messages in a model request (environment and instruction messages left out). */
export const userTexts = (body: unknown) =>
  ((body as { input: { type: string; role?: string; content?: { text?: string }[] }[] }).input ?? [])
    .filter((i) => i.type === "message" && i.role === "user")
    .map((i) => i.content?.[0]?.text ?? "")
    .filter((t) => !t.startsWith("<"));
