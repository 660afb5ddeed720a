import type {
  EventMsg,
  gen0166,
  NotificationMessage,
  Protocol0166,
  TokenUsage,
} from "@codex-ts/app-server-protocol";

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

/** 0.166's `TurnError` for a failure the core reports as text (it classifies none, so no error info). */
export function turnError(message: string): gen0166.TurnError {
  return { message, codexErrorInfo: null, additionalDetails: null, misalignment: null };
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
