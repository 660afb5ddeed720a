/**
 * The slice of the core `EventMsg` union (Codex 0.58.0 wire shape, snake_case) the notification mappers read.
 * Events are open objects: mappers only rely on the fields named here and pass the rest through untouched.
 */
export type EventMsg = { type: string } & Record<string, unknown>;
export interface CoreEvent {
  /** Submission id of the op that produced the event (= turn id). */
  id: string;
  msg: EventMsg;
}

export type TurnItem =
  | { UserMessage: { id: string; content: unknown[] } }
  | { AgentMessage: { id: string; content: { Text: { text: string } }[] } }
  | { Reasoning: { id: string; summary_text: string[]; raw_content: string[] } }
  | { WebSearch: { id: string; query: string } };

export interface TokenUsage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

export interface CoreRateLimitWindow {
  used_percent: number;
  window_minutes?: number | null;
  resets_at?: number | null;
}
