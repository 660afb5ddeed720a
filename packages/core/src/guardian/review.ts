import type { ModelClient } from "../client/model-client.js";
import type { Prompt, ResponseItemJson } from "../client/types.js";
import {
  failedVerdict,
  GUARDIAN_OUTPUT_FORMAT,
  GuardianParseError,
  type GuardianVerdict,
  parseGuardianDecision,
  TIMED_OUT_RATIONALE,
} from "./decision.js";
import { GUARDIAN_POLICY } from "./policy.js";
import { type GuardianAction, retryRequestMessage, reviewRequestMessage } from "./request.js";

/** How long a review may take before it fails closed as timed out (0.166.0: 90 s). */
export const GUARDIAN_REVIEW_TIMEOUT_MS = 90_000;

/** How often the reviewer is asked in all when its answer is not a decision (0.166.0: three times). */
const MAX_ATTEMPTS = 3;

/**
 * The review's deadline: `CODEX_TS_TEST_GUARDIAN_TIMEOUT_MS` (tests only: a positive integer of milliseconds, so a
 * test of the timeout does not wait 90 s) or the default.
 */
export function guardianTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CODEX_TS_TEST_GUARDIAN_TIMEOUT_MS;
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : GUARDIAN_REVIEW_TIMEOUT_MS;
}

export interface GuardianReviewRequest {
  client: ModelClient;
  /** The reviewed conversation's model (0.166.0 reviews with the turn's model when its preferred one is absent). */
  model: string;
  /** The reviewed conversation's id: the request's cache key is `guardian:<id>`. */
  sessionId: string;
  history: readonly ResponseItemJson[];
  action: GuardianAction;
  /** The turn's signal: an interrupt aborts the review. */
  signal: AbortSignal;
  timeoutMs?: number;
  /**
   * Told, once the review is over, what it exchanged with the reviewer: the input sent (the policy, the request,
   * any follow-ups) and each answer as an assistant message (for the reviewer's rollout).
   */
  onExchanged?: (items: Record<string, unknown>[]) => void;
}

/**
 * Asks the reviewer (one model request to the conversation's provider, no tools, its answer held to the decision
 * schema) whether the action may run. Never throws and always fails closed: an interrupt gives `aborted`, the
 * deadline `timedOut`, a model error or an answer that is still not a decision after three tries `denied` with the
 * failure as its rationale. Nothing is recorded or emitted here; the caller reports the verdict.
 */
export async function runGuardianReview(r: GuardianReviewRequest): Promise<GuardianVerdict> {
  const aborted: GuardianVerdict = {
    status: "aborted",
    riskLevel: null,
    userAuthorization: null,
    rationale: null,
  };
  if (r.signal.aborted) return aborted;
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, r.timeoutMs ?? guardianTimeoutMs());
  const stop = () => deadline.abort();
  r.signal.addEventListener("abort", stop, { once: true });
  const input: Record<string, unknown>[] = [
    { type: "message", role: "developer", content: [{ type: "input_text", text: GUARDIAN_POLICY }] },
    reviewRequestMessage(r.history, r.action, r.sessionId),
  ];
  let lastAnswer: string | null = null;
  try {
    for (let attempt = 1; ; attempt++) {
      const answer = await ask(r, input, deadline.signal);
      lastAnswer = answer;
      try {
        return parseGuardianDecision(answer);
      } catch (err) {
        if (!(err instanceof GuardianParseError) || attempt >= MAX_ATTEMPTS) throw err;
        lastAnswer = null;
        if (answer !== null) input.push(assistantMessage(answer));
        input.push(retryRequestMessage(r.action, r.sessionId));
      }
    }
  } catch (err) {
    if (r.signal.aborted) return aborted;
    if (timedOut)
      return { status: "timedOut", riskLevel: null, userAuthorization: null, rationale: TIMED_OUT_RATIONALE };
    return failedVerdict(err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
    r.signal.removeEventListener("abort", stop);
    r.onExchanged?.(lastAnswer === null ? input : [...input, assistantMessage(lastAnswer)]);
  }
}

function assistantMessage(text: string): Record<string, unknown> {
  return { type: "message", role: "assistant", content: [{ type: "output_text", text }] };
}

/** One request to the reviewer; resolves with its final message's text (null: it sent none). */
async function ask(r: GuardianReviewRequest, input: Record<string, unknown>[], signal: AbortSignal) {
  const prompt: Prompt = {
    model: r.model,
    instructions: "",
    input: [...input],
    tools: [],
    omitEmptyTools: true,
    reasoning: { effort: "low" },
    conversationId: `guardian:${r.sessionId}`,
    textFormat: GUARDIAN_OUTPUT_FORMAT,
  };
  let last: string | null = null;
  // Retries of the provider's request layer stay silent: the review is not part of the turn's stream.
  for await (const e of r.client.stream(prompt, signal, { onRetry: () => {} })) {
    if (e.type === "item_done" && e.item.type === "message") {
      const content = Array.isArray(e.item.content) ? (e.item.content as { text?: unknown }[]) : [];
      const text = content.map((c) => (typeof c.text === "string" ? c.text : "")).join("");
      if (text !== "") last = text;
    }
    if (e.type === "completed") break;
  }
  if (signal.aborted) throw signal.reason ?? new Error("aborted");
  return last;
}
