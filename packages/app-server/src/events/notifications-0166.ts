import {
  type EventMsg,
  type gen0166,
  type NotificationMessage,
  type Protocol0166,
  RateLimitSnapshot,
  type TokenUsage,
} from "@codex-ts/app-server-protocol";
import { rateLimitWindow } from "./v2.js";

/** A 0.166.0 server notification (`{method, params}`). */
export type Notification0166 = NotificationMessage<Protocol0166>;
type EventOf<T extends EventMsg["type"]> = Extract<EventMsg, { type: T }>;
/** The token usage a `token_count` event reports (when it reports one). */
export type TokenInfo = NonNullable<EventOf<"token_count">["info"]>;

const PLAN_STATUS: Record<string, gen0166.TurnPlanStepStatus> = {
  pending: "pending",
  in_progress: "inProgress",
  completed: "completed",
};

function usageBreakdown(u: TokenUsage): gen0166.TokenUsageBreakdown {
  return {
    totalTokens: u.total_tokens,
    inputTokens: u.input_tokens,
    cachedInputTokens: u.cached_input_tokens,
    cacheWriteInputTokens: 0,
    outputTokens: u.output_tokens,
    reasoningOutputTokens: u.reasoning_output_tokens,
  };
}

/** `thread/tokenUsage/updated` for a core usage report. */
/** A command's output chunk (base64, as the core's `exec_command_output_delta` carries it) on turn `turnId`. */
export function commandOutputDelta(
  threadId: string,
  turnId: string,
  itemId: string,
  chunk: string,
): Notification0166 {
  const delta = Buffer.from(chunk, "base64").toString("utf8");
  return { method: "item/commandExecution/outputDelta", params: { threadId, turnId, itemId, delta } };
}

export function tokenUsageUpdated(threadId: string, turnId: string, info: TokenInfo): Notification0166 {
  return {
    method: "thread/tokenUsage/updated",
    params: {
      threadId,
      turnId,
      tokenUsage: {
        total: usageBreakdown(info.total_token_usage),
        last: usageBreakdown(info.last_token_usage),
        modelContextWindow: info.model_context_window ?? null,
      },
    },
  };
}

/**
 * `account/rateLimits/updated` for the rate limits a model response reported (0.166.0 sends one after each
 * response's `thread/tokenUsage/updated`, with all-null windows when the response had no rate-limit headers); null
 * when the event carries none (a Chat Completions response).
 */
export function rateLimitsUpdated(rateLimits: unknown): Notification0166 | null {
  const limits = RateLimitSnapshot.safeParse(rateLimits);
  if (rateLimits == null || !limits.success) return null;
  return {
    method: "account/rateLimits/updated",
    params: {
      rateLimits: {
        limitId: "codex",
        limitName: null,
        normalModelSlug: null,
        primary: rateLimitWindow(limits.data.primary),
        secondary: rateLimitWindow(limits.data.secondary),
        credits: null,
        individualLimit: null,
        spendControlReached: null,
        planType: null,
        rateLimitReachedType: null,
      },
    },
  };
}

/**
 * `item/commandExecution/terminalInteraction` for the core's `terminal_interaction` extension event (a
 * `write_stdin` call fed a running unified exec session; read field by field, as it is outside 0.58.0's union);
 * null for every other event.
 */
export function terminalInteraction(
  threadId: string,
  turnId: string,
  msg: EventMsg,
): Notification0166 | null {
  const raw: Record<string, unknown> = msg;
  if (raw.type !== "terminal_interaction") return null;
  return {
    method: "item/commandExecution/terminalInteraction",
    params: {
      threadId,
      turnId,
      itemId: String(raw.call_id),
      processId: String(raw.process_id),
      stdin: String(raw.stdin),
    },
  };
}

/** The core's (0.58.0's) words for a model HTTP 500 it gave up retrying. */
const HIGH_DEMAND_058 = "We're currently experiencing high demand, which may cause temporary errors.";
/** How the core words a model request refused with 400: the body after this prefix. */
const BAD_REQUEST_058 = "unexpected status 400 Bad Request: ";

/**
 * 0.166's `TurnError` for a failure the core reports as text. The core words failures as 0.58.0 does and classifies
 * none; the two model failures 0.166.0 words and classifies otherwise are translated (checked with the native
 * binary through codex-acp, test/acp-sweep-model-errors.e2e.test.ts): a 500 after its retries (its typographic
 * apostrophe, `internalServerError`) and a 400 (the response body alone, `other`). Anything else has no error info.
 */
export function turnError(message: string): gen0166.TurnError {
  const base = { additionalDetails: null, misalignment: null };
  if (message === HIGH_DEMAND_058)
    return {
      message: HIGH_DEMAND_058.replace("'", "\u2019"),
      codexErrorInfo: "internalServerError",
      ...base,
    };
  if (message.startsWith(BAD_REQUEST_058))
    return { message: message.slice(BAD_REQUEST_058.length), codexErrorInfo: "other", ...base };
  return { message, codexErrorInfo: null, ...base };
}

/** The `error` notification: a turn's failure, or (`willRetry`) a retry notice. */
export function errorNotification(
  threadId: string,
  turnId: string,
  message: string,
  willRetry: boolean,
): Notification0166 {
  return { method: "error", params: { error: turnError(message), willRetry, threadId, turnId } };
}

/**
 * The notification of a core event that maps one to one, with no item or turn state behind it (deltas, plan, diff,
 * retry notices, warnings); null for every other event. `summaryIndex` is the streaming reasoning item's part.
 */
export function streamNotification(
  threadId: string,
  turnId: string,
  msg: EventMsg,
  summaryIndex: number,
): Notification0166 | null {
  switch (msg.type) {
    case "agent_message_content_delta":
      return {
        method: "item/agentMessage/delta",
        params: { threadId, turnId, itemId: msg.item_id, delta: msg.delta },
      };
    case "reasoning_content_delta":
      return {
        method: "item/reasoning/summaryTextDelta",
        params: { threadId, turnId, itemId: msg.item_id, delta: msg.delta, summaryIndex },
      };
    case "reasoning_raw_content_delta":
      return {
        method: "item/reasoning/textDelta",
        params: { threadId, turnId, itemId: msg.item_id, delta: msg.delta, contentIndex: 0 },
      };
    case "plan_update":
      return {
        method: "turn/plan/updated",
        params: {
          threadId,
          turnId,
          explanation: msg.explanation ?? null,
          plan: msg.plan.map((s) => ({ step: s.step, status: PLAN_STATUS[s.status] ?? "pending" })),
        },
      };
    case "turn_diff":
      return { method: "turn/diff/updated", params: { threadId, turnId, diff: msg.unified_diff } };
    case "stream_error":
      return errorNotification(threadId, turnId, msg.message, true);
    case "warning":
      return { method: "warning", params: { threadId, message: msg.message } };
    default:
      return null;
  }
}
