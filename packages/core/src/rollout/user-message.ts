// What a user message item says and whether Codex injected it: read by listing (previews, head-line.ts), the turn
// scan and compaction. A module of its own so the head reader can use it without importing the summaries.

/** The text of a user `message` item (its `input_text` parts joined); null for any other item. */
export function messageText(payload: unknown): string | null {
  const item = payload as { type?: string; role?: string; content?: { type?: string; text?: string }[] };
  if (item.type !== "message" || item.role !== "user" || !Array.isArray(item.content)) return null;
  const text = item.content
    .filter((c) => c.type === "input_text" && typeof c.text === "string")
    .map((c) => c.text)
    .join("");
  return text;
}

/** How the instruction and environment messages Codex injects as user messages start. */
export const INJECTED_CONTEXT_MARKERS = [
  "<environment_context>",
  "# AGENTS.md instructions for ",
  "<user_instructions>",
] as const;

/** Instruction and environment messages Codex injects as user messages; they are not what the user typed. */
export function isInjectedContext(text: string): boolean {
  const t = text.trimStart();
  return INJECTED_CONTEXT_MARKERS.some((m) => t.startsWith(m));
}
