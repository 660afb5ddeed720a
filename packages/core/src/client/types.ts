import type { TokenUsage as ProtocolTokenUsage } from "@codex-ts/app-server-protocol";
import type { RateLimitSnapshot } from "./rate-limits.js";

// The model client's vocabulary, shared by both wires (responses.ts, chat-*.ts) and by the client itself; it imports
// nothing else from the client, so every other client module can depend on it without a cycle.

/** A Responses API item as JSON (history items, model output), read field by field. */
export type ResponseItemJson = Record<string, unknown>;

/** A tool offered to the model, in Responses API form (Chat wraps function tools). */
export type ToolSpec =
  | {
      type: "function";
      name: string;
      description: string;
      strict: false;
      parameters: Record<string, unknown>;
    }
  | { type: "custom"; name: string; description: string; format: Record<string, unknown> }
  | { type: "web_search" }
  | { type: "local_shell" };

/** Everything one model request needs. `input` is the conversation history as Responses API items. */
export interface Prompt {
  model: string;
  instructions: string;
  input: Record<string, unknown>[];
  tools: ToolSpec[];
  /** Absent for models without reasoning: the body then says `reasoning: null` and includes nothing. */
  reasoning?: { effort?: string; summary?: string };
  conversationId: string;
  textFormat?: Record<string, unknown>;
  /** GPT-5 family only: sent as `text.verbosity`. */
  verbosity?: string;
}

/** A response's token usage, in the protocol's (`token_count`) shape. */
export type TokenUsage = ProtocolTokenUsage;

/** What the model stream yields, provider-independent. */
export type ModelEvent =
  | { type: "rate_limits"; snapshot: RateLimitSnapshot }
  | { type: "item_added"; item: Record<string, unknown> }
  | { type: "item_done"; item: Record<string, unknown> }
  | { type: "text_delta"; delta: string; itemId?: string }
  | { type: "reasoning_summary_delta"; delta: string; itemId?: string }
  | { type: "reasoning_content_delta"; delta: string; itemId?: string }
  | { type: "reasoning_section_break"; itemId?: string }
  | { type: "completed"; responseId: string; usage: TokenUsage | null };

/** A failure that ends the turn; `retriable` ones are retried within the provider's budget first. */
export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly retryAfterMs?: number,
    /** What the turn reports once the retries are used up, when that differs from the attempt's own failure. */
    readonly exhaustedMessage?: string,
    /** Not worth another attempt at all: the request is sent again neither by the client nor by the turn. */
    readonly fatal = false,
  ) {
    super(message);
  }

  static fatal(message: string): ModelError {
    return new ModelError(message, false, undefined, undefined, true);
  }
}

/** The wait before retry number `attempt` (1-based): exponential from 200 ms, capped at 10 s, ±10 % jitter. */
export function retryBackoffMs(attempt: number): number {
  return Math.min(200 * 2 ** (attempt - 1), 10_000) * (0.9 + Math.random() * 0.2);
}
