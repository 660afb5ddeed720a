import { responses, type ScriptedResponse } from "@codex-ts/test-support";

/** An answer that streams one word every `delayMs` (long enough to steer, interrupt or fork while it runs). */
export function slowAnswer(words: number, delayMs: number): ScriptedResponse {
  const text = Array.from({ length: words }, (_, i) => `w${i} `).join("");
  return {
    kind: "sse",
    delayMs,
    events: [responses.created(), ...responses.message(text, "msg_slow", words), responses.completed()],
  };
}

/** The user's own messages in a model request (environment and instruction messages left out). */
export const userTexts = (body: unknown) =>
  ((body as { input: { type: string; role?: string; content?: { text?: string }[] }[] }).input ?? [])
    .filter((i) => i.type === "message" && i.role === "user")
    .map((i) => i.content?.[0]?.text ?? "")
    .filter((t) => !t.startsWith("<"));
