import { randomUUID } from "node:crypto";
import type { ReviewDecision } from "@codex-ts/app-server-protocol";
import type { ModelClient } from "../client/model-client.js";
import type { ResponseItemJson } from "../client/types.js";
import type { GuardianAssessmentEvent } from "../events/extension.js";
import type { CoreEventMsg } from "../events/types.js";
import { shlexJoin } from "../exec/shell-words.js";
import {
  type GuardianAction,
  type GuardianVerdict,
  guardianRejectionMessage,
  guardianWarningMessage,
  reviewActionView,
  runGuardianReview,
} from "../guardian/index.js";
import type { ApprovalRequest } from "./approval-request.js";
import type { TurnSettings } from "./context.js";
import type { GuardianRollout } from "./guardian-rollout.js";

/**
 * Whether the approvals of a turn with these settings go to the automatic reviewer instead of the user: the
 * reviewer is `auto_review` (or its legacy name) and the policy asks on request, as 0.166.0 routes them (a
 * granular policy is `on-request` here). `untrusted` and `on-failure` still ask the user.
 */
export function routesToGuardian(s: TurnSettings): boolean {
  const reviewer = s.approvalsReviewer;
  return (
    (reviewer === "auto_review" || reviewer === "guardian_subagent") && s.approvalPolicy === "on-request"
  );
}

/** The decision a review gives the tool, and what the model is told when it is not an approval. */
export interface GuardianAnswer {
  decision: ReviewDecision;
  rejection?: string;
}

const STATUS: Record<GuardianVerdict["status"], GuardianAssessmentEvent["status"]> = {
  approved: "approved",
  denied: "denied",
  timedOut: "timed_out",
  aborted: "aborted",
};

/** What a review needs of its session (structural: session.ts imports this module, not the other way round). */
export interface ReviewedSession {
  readonly id: string;
  readonly client: ModelClient;
  readonly settings: TurnSettings;
  notify(id: string, msg: CoreEventMsg): void;
  currentHistory(): ResponseItemJson[];
  /** The items of the response whose tools are running (recorded only once they have all run). */
  readonly inFlightItems: readonly ResponseItemJson[];
  /** The reviewer's own rollout. */
  readonly guardianRollout: GuardianRollout;
}

/**
 * The conversation as the reviewer reads it: the history, then the running response's items up to the reviewed
 * call (0.166.0 has recorded the call by the time it asks; this server records a response after its tools ran).
 */
function reviewedHistory(session: ReviewedSession, callId: string | null): ResponseItemJson[] {
  const pending = session.inFlightItems;
  const end = pending.findIndex((item) => item.call_id === callId);
  return [...session.currentHistory(), ...(end === -1 ? pending : pending.slice(0, end + 1))];
}

/**
 * Has the reviewer decide an approval of turn `turnId`: announces the review (`guardian_assessment`
 * in_progress), runs it, then sends 0.166.0's `guardian_warning` and the verdict. An approval runs the action, a
 * denial or a timeout refuses it (the model told why), an interrupt aborts it.
 */
export async function reviewApproval(
  session: ReviewedSession,
  turnId: string,
  targetItemId: string | null,
  action: GuardianAction,
  signal: AbortSignal,
  request?: ApprovalRequest,
): Promise<GuardianAnswer> {
  const base = {
    type: "guardian_assessment" as const,
    id: randomUUID(),
    target_item_id: targetItemId,
    started_at_ms: Date.now(),
    action: reviewActionView(action, shlexJoin),
    ...(request?.type === "apply_patch_approval_request"
      ? { patch_changes: request.changes as Record<string, unknown> }
      : {}),
  };
  session.notify(turnId, {
    ...base,
    completed_at_ms: null,
    status: "in_progress",
    risk_level: null,
    user_authorization: null,
    rationale: null,
  });
  const verdict = await runGuardianReview({
    client: session.client,
    model: session.settings.model,
    sessionId: session.id,
    history: reviewedHistory(session, targetItemId),
    action,
    signal,
    onExchanged: (items) => session.guardianRollout.recordReview(items),
  });
  const warning = guardianWarningMessage(verdict);
  if (warning !== null) session.notify(turnId, { type: "guardian_warning", message: warning });
  session.notify(turnId, {
    ...base,
    completed_at_ms: Date.now(),
    status: STATUS[verdict.status],
    risk_level: verdict.riskLevel,
    user_authorization: verdict.userAuthorization,
    rationale: verdict.rationale,
  });
  if (verdict.status === "approved") return { decision: "approved" };
  if (verdict.status === "aborted") return { decision: "abort" };
  return { decision: "denied", rejection: guardianRejectionMessage(verdict) };
}
