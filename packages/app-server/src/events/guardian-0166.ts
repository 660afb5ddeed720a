import type { gen0166 } from "@codex-ts/app-server-protocol";
import { extensionEvent, type GuardianAssessmentEvent } from "@codex-ts/core";
import type { Notification0166 } from "./notifications-0166.js";

/**
 * The automatic approval reviewer's core events as 0.166 notifications: a `guardian_assessment` in progress is
 * `item/autoApprovalReview/started`, its verdict `item/autoApprovalReview/completed` (decided by the reviewer
 * agent, `decisionSource: "agent"`), a `guardian_warning` is `guardianWarning`.
 */

const STATUS: Record<GuardianAssessmentEvent["status"], gen0166.GuardianApprovalReviewStatus> = {
  in_progress: "inProgress",
  approved: "approved",
  denied: "denied",
  timed_out: "timedOut",
  aborted: "aborted",
};

/** A review event of the core, or null. */
export function guardianAssessment(msg: { type: string }): GuardianAssessmentEvent | null {
  return extensionEvent(msg, "guardian_assessment");
}

/** The notification of review event `e` of turn `turnId`. */
export function reviewNotification(
  threadId: string,
  turnId: string,
  e: GuardianAssessmentEvent,
): Notification0166 {
  const review = {
    status: STATUS[e.status],
    riskLevel: e.risk_level as gen0166.GuardianRiskLevel | null,
    userAuthorization: e.user_authorization as gen0166.GuardianUserAuthorization | null,
    rationale: e.rationale,
  };
  const action = e.action as gen0166.GuardianApprovalReviewAction;
  if (e.status === "in_progress")
    return {
      method: "item/autoApprovalReview/started",
      params: {
        threadId,
        turnId,
        startedAtMs: e.started_at_ms,
        reviewId: e.id,
        targetItemId: e.target_item_id,
        review,
        action,
      },
    };
  return {
    method: "item/autoApprovalReview/completed",
    params: {
      threadId,
      turnId,
      startedAtMs: e.started_at_ms,
      completedAtMs: e.completed_at_ms ?? e.started_at_ms,
      reviewId: e.id,
      targetItemId: e.target_item_id,
      decisionSource: "agent",
      review,
      action,
    },
  };
}

/** A reviewer's message for the user as `guardianWarning`, or null when `msg` is not one. */
export function guardianWarning(threadId: string, msg: { type: string }): Notification0166 | null {
  const warning = extensionEvent(msg, "guardian_warning");
  return warning ? { method: "guardianWarning", params: { threadId, message: warning.message } } : null;
}
