import type { TokenUsage as ProtocolTokenUsage } from "@codex-ts/app-server-protocol";
import type { ToolOutputLimit } from "./model-family.js";
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
  /** 0.166.0 adds whether the search may reach the live web and what it may return. */
  | { type: "web_search"; external_web_access?: boolean; search_content_types?: string[] }
  | { type: "local_shell" }
  /** 0.166.0's search over the deferred (MCP) tools; the model's `tool_search_call` is answered by this server. */
  | { type: "tool_search"; execution: "client"; description: string; parameters: Record<string, unknown> }
  /** A group of function tools the model calls as `namespace` + `name` (0.166.0's form of an MCP server's tools). */
  | { type: "namespace"; name: string; description: string; tools: NamespacedFunction[] };

/** A function inside a namespace; `defer_loading` marks one that a tool search loaded. */
export interface NamespacedFunction {
  type: "function";
  name: string;
  description: string;
  strict: false;
  defer_loading?: true;
  parameters: Record<string, unknown>;
}

/** Everything one model request needs. `input` is the conversation history as Responses API items. */
export interface Prompt {
  model: string;
  instructions: string;
  input: Record<string, unknown>[];
  tools: ToolSpec[];
  /** Absent for models without reasoning: the body then says `reasoning: null` and includes nothing. */
  reasoning?: { effort?: string; summary?: string; context?: string };
  conversationId: string;
  textFormat?: Record<string, unknown>;
  /** GPT-5 family only: sent as `text.verbosity`. */
  verbosity?: string;
  /** `parallel_tool_calls` (false unless set: 0.58.0 never allows them; 0.166.0 does for `gpt-5.5`). */
  parallelToolCalls?: boolean;
  /** Leave `tools` out of the body when there are none, as 0.166.0 does (0.58.0 sends `tools: []`). */
  omitEmptyTools?: boolean;
  /** How tool outputs are cut for the model (the family's `toolOutputLimit`); absent: as the model's name says. */
  toolOutputLimit?: ToolOutputLimit | null;
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

/**
 * Which retries a failure gets (0.58.0's two layers):
 * - `request`: an HTTP failure (429, 5xx, no response at all). The client re-sends the request silently within
 *   `request_max_retries`; once those are used up it becomes a `turn` failure.
 * - `turn`: retried only as a new request of the turn, announced with `stream_error "Reconnecting... n/N"`, within
 *   `stream_max_retries`: a stream that drops, stalls or fails, a status that is not re-sent (a 400), a response
 *   whose headers never come.
 * - `fatal`: never retried (a missing API key variable, a usage limit, a context window exceeded, an oversize event).
 */
export type ModelErrorRetry = "request" | "turn" | "fatal";

/** A failure that ends the turn unless one of its retries (see `ModelErrorRetry`) succeeds. */
export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(
    message: string,
    readonly retry: ModelErrorRetry,
    readonly details: {
      /** How long to wait before the next attempt, when the provider said (`Retry-After`, already capped). */
      retryAfterMs?: number | undefined;
      /** The `Retry-After` the provider asked for, before the cap: a long one is announced before the wait. */
      requestedRetryAfterMs?: number | undefined;
      /** What the turn reports once the request retries are used up, when that differs from this message. */
      exhaustedMessage?: string | undefined;
    } = {},
  ) {
    super(message);
  }

  /** Not worth another attempt at all: the request is sent again neither by the client nor by the turn. */
  get fatal(): boolean {
    return this.retry === "fatal";
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }

  static fatal(message: string): ModelError {
    return new ModelError(message, "fatal");
  }

  /** A failure only the turn retries (with its notice). */
  static turn(message: string): ModelError {
    return new ModelError(message, "turn");
  }
}
