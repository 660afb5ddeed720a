import type { TokenUsageInfo } from "@codex-ts/app-server-protocol";
import type { TokenUsage } from "../client/types.js";

function emptyUsage(): TokenUsage {
  return {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: 0,
  };
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    reasoning_output_tokens: a.reasoning_output_tokens + b.reasoning_output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

/** A conversation's token accounting: the running total and the last response's usage, for `token_count.info`. */
export class TokenUsageTracker {
  private total = emptyUsage();
  private last = emptyUsage();

  /** `modelContextWindow`: the window `token_count` reports (null when the model's is unknown). */
  constructor(private readonly modelContextWindow: number | null) {}

  /** A response's usage: added to the total, and the last usage from now on. */
  add(usage: TokenUsage): void {
    this.last = usage;
    this.total = addUsage(this.total, usage);
  }

  /** After a compaction replaced the history: the last usage becomes the new context's estimated size. */
  estimateContext(tokens: number): void {
    this.last = { ...emptyUsage(), total_tokens: tokens };
  }

  /** `token_count.info`: the usage so far, null before any response reported usage. */
  info(): TokenUsageInfo | null {
    return this.total.total_tokens > 0
      ? {
          total_token_usage: this.total,
          last_token_usage: this.last,
          model_context_window: this.modelContextWindow,
        }
      : null;
  }
}
