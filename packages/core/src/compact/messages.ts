/**
 * The texts compaction puts on the wire. The event texts are Codex 0.58.0's exactly (clients match on them); the
 * prompt is our own wording after the opening sentence Codex's prompt starts with, so a provider sees the same kind
 * of request.
 */

/** The user message that asks the model for the summary (`compact_prompt` / `experimental_compact_prompt_file` replace it). */
export const DEFAULT_COMPACT_PROMPT = [
  "You are performing a CONTEXT CHECKPOINT COMPACTION. Write a summary of this conversation that another model can",
  "pick the work up from, without access to anything said before.",
  "",
  "Cover:",
  "- what the user asked for, and any constraints or preferences they stated",
  "- what has been done so far and the decisions taken along the way",
  "- the files, commands, identifiers and data the work depends on",
  "- what is still left to do, as concrete next steps",
  "",
  "Keep it short and structured; leave out anything the next model does not need.",
  "",
].join("\n");

/** `agent_message` sent once the history has been replaced. */
export const COMPACT_DONE_MESSAGE = "Compact task completed";

/** `warning` sent after every compaction. */
export const COMPACT_WARNING =
  "Heads up: Long conversations and multiple compactions can cause the model to be less accurate. Start a new conversation when possible to keep conversations small and targeted.";

/** Stands in for an empty summary in the rebuilt history (the `compacted` line keeps the empty text). */
export const NO_SUMMARY = "(no summary available)";

/** `error` when the request right after an auto-compaction is still at or over the limit; the turn then ends. */
export function stillOverLimitMessage(limit: number, current: number): string {
  return `Conversation is still above the token limit after automatic summarization (limit ${limit}, current ${current}). Please start a new session or trim your input.`;
}
