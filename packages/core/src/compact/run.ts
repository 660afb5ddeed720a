import type { ModelClient } from "../client/model-client.js";
import type { RateLimitSnapshot } from "../client/rate-limits.js";
import type { Prompt, TokenUsage } from "../client/types.js";
import { userMessage } from "../conversation/context.js";
import * as ev from "../events/constructors.js";
import type { CodexEventMsg } from "../events/types.js";
import { compactedHistory, lastAssistantText } from "./history.js";
import { COMPACT_DONE_MESSAGE, COMPACT_WARNING } from "./messages.js";

type ResponseItemJson = Record<string, unknown>;

/** What a compaction needs from the conversation it compacts (kept narrow so the conversation stays in charge). */
export interface CompactionHost {
  readonly client: ModelClient;
  /** The request the turn would send now; compaction keeps its model, instructions and reasoning. */
  prompt(): Prompt;
  history(): ResponseItemJson[];
  replaceHistory(items: ResponseItemJson[]): void;
  /** Developer instructions, AGENTS.md instructions and `<environment_context>` for the current settings. */
  initialContext(): ResponseItemJson[];
  /** `compact_prompt` from config, or the default prompt. */
  compactPrompt(): string;
  /** Writes the `turn_context` rollout line every model request gets. */
  recordTurnContext(): void;
  /** Adds a response's usage (when given) and emits `token_count` with these rate limits. */
  tokenCount(rateLimits: RateLimitSnapshot | null, usage?: TokenUsage | null): void;
  /** Sets the context size after the history was replaced (the last usage becomes this estimate). */
  estimateContext(tokens: number): void;
  /** Writes the `compacted` rollout line. */
  recordCompacted(summary: string): void;
  emit(msg: CodexEventMsg): void;
}

/**
 * Summarises the conversation and replaces its history with the summary (Codex 0.58.0's compaction, used both by
 * the `compact` op and by auto-compaction inside a turn). One request — the history plus the compaction prompt, no
 * tools — whose last assistant message is the summary; its stream shows up only as `token_count` events. Then the
 * history becomes initial context + the user's messages + the summary, the token count is re-estimated, and the
 * rollout gets `compacted {message}`, followed by `agent_message "Compact task completed"` and a `warning`.
 *
 * Returns false when the request failed: the `error` event has been sent and the history is untouched. Throws when
 * `signal` aborts, so the caller ends the turn as interrupted.
 */
export async function runCompaction(host: CompactionHost, signal: AbortSignal): Promise<boolean> {
  const prompt: Prompt = {
    ...host.prompt(),
    input: [...host.history(), userMessage(host.compactPrompt())],
    tools: [],
  };
  delete prompt.textFormat;
  host.recordTurnContext();
  const output: ResponseItemJson[] = [];
  let rateLimits: RateLimitSnapshot | null = null;
  try {
    for await (const e of host.client.stream(prompt, signal)) {
      if (e.type === "rate_limits") {
        rateLimits = e.snapshot;
        host.tokenCount(rateLimits);
      } else if (e.type === "item_done") {
        output.push(e.item);
      } else if (e.type === "completed") {
        host.tokenCount(rateLimits, e.usage);
      }
    }
  } catch (err) {
    if (signal.aborted) throw err;
    host.emit(ev.error((err as Error).message));
    return false;
  }
  // Codex reads the summary from the history the answer was added to, so an answer without a message falls back
  // to the last assistant message before it.
  const previous = host.history();
  const summary = lastAssistantText([...previous, ...output]);
  const replaced = compactedHistory(host.initialContext(), previous, summary);
  host.replaceHistory(replaced);
  host.estimateContext(estimateTokens(prompt.instructions, replaced));
  host.tokenCount(rateLimits);
  host.recordCompacted(summary);
  host.emit(ev.agentMessage(COMPACT_DONE_MESSAGE));
  host.emit(ev.warning(COMPACT_WARNING));
  return true;
}

/**
 * The context size the next request will have, estimated at 4 bytes per token over the instructions and the history
 * JSON. Codex counts with the model's tokenizer, so its number differs; only `token_count` shows it.
 */
export function estimateTokens(instructions: string, history: ResponseItemJson[]): number {
  let bytes = Buffer.byteLength(instructions);
  for (const item of history) bytes += Buffer.byteLength(JSON.stringify(item));
  return Math.ceil(bytes / 4);
}
