/**
 * What the reviewer answers and what becomes of it. The reviewer must end with strict JSON
 * (`{"outcome":"allow"}` at least; `risk_level`, `user_authorization` and `rationale` for anything not plainly
 * low-risk). Anything else — no answer, prose, an unknown outcome — fails closed: the action is denied with a
 * rationale that says the review failed, as 0.166.0 does.
 */

export type GuardianRiskLevel = "low" | "medium" | "high" | "critical";
export type GuardianUserAuthorization = "unknown" | "low" | "medium" | "high";

/** How a review ended (0.166's `GuardianApprovalReviewStatus`, bar `inProgress`). */
export type GuardianReviewStatus = "approved" | "denied" | "timedOut" | "aborted";

/** The review's verdict as the app server reports it and the tool flow acts on it. */
export interface GuardianVerdict {
  status: GuardianReviewStatus;
  riskLevel: GuardianRiskLevel | null;
  userAuthorization: GuardianUserAuthorization | null;
  rationale: string | null;
  /** The review did not complete (no or an unreadable answer, a model error): denied, fail closed. */
  failed?: true;
}

const RISK_LEVELS: readonly string[] = ["low", "medium", "high", "critical"];
const AUTHORIZATIONS: readonly string[] = ["unknown", "low", "medium", "high"];

/** The JSON schema the reviewer's answer is held to (sent as `text.format`, not strict, as 0.166.0 sends it). */
export const GUARDIAN_OUTPUT_FORMAT = {
  type: "json_schema",
  strict: false,
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      risk_level: { type: "string", enum: RISK_LEVELS },
      user_authorization: { type: "string", enum: AUTHORIZATIONS },
      outcome: { type: "string", enum: ["allow", "deny"] },
      rationale: { type: "string" },
    },
    required: ["outcome"],
  },
  name: "codex_output_schema",
} as const;

/** Thrown for an answer that is not a decision; its message becomes the failed review's rationale. */
export class GuardianParseError extends Error {}

/**
 * The reviewer's final message as a verdict. `{"outcome":"allow"}` alone is a low-risk approval; a missing level or
 * authorization stays null. Throws `GuardianParseError` for anything that is not such an object.
 */
export function parseGuardianDecision(text: string | null): GuardianVerdict {
  if (text === null || text.trim() === "") throw new GuardianParseError("guardian assessment was empty");
  let value: unknown;
  try {
    value = JSON.parse(stripFence(text.trim()));
  } catch {
    throw new GuardianParseError("guardian assessment was not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new GuardianParseError("guardian assessment was not a JSON object");
  const v = value as Record<string, unknown>;
  if (v.outcome !== "allow" && v.outcome !== "deny")
    throw new GuardianParseError("guardian assessment has no valid outcome");
  const risk = typeof v.risk_level === "string" && RISK_LEVELS.includes(v.risk_level) ? v.risk_level : null;
  const auth =
    typeof v.user_authorization === "string" && AUTHORIZATIONS.includes(v.user_authorization)
      ? v.user_authorization
      : null;
  const approved = v.outcome === "allow";
  return {
    status: approved ? "approved" : "denied",
    riskLevel: risk as GuardianRiskLevel | null,
    userAuthorization: auth as GuardianUserAuthorization | null,
    rationale: typeof v.rationale === "string" ? v.rationale : null,
  };
}

/** A model may wrap its JSON in a Markdown fence despite the instructions; the fence is not part of the answer. */
function stripFence(text: string): string {
  const m = /^```(?:json)?\s*\n([\s\S]*?)\n```$/.exec(text);
  return m ? (m[1] as string) : text;
}

/** The verdict of a review that could not complete (no answer, an unreadable one, a model error): denied. */
export function failedVerdict(reason: string): GuardianVerdict {
  return {
    status: "denied",
    riskLevel: null,
    userAuthorization: null,
    rationale: `Automatic approval review failed: ${reason}`,
    failed: true,
  };
}

/** The verdict of a review that ran out of time. */
export const TIMED_OUT_RATIONALE =
  "Automatic approval review timed out while evaluating the requested approval.";

/** The `guardianWarning` 0.166.0 sends when a review ends (none for an aborted review). */
export function guardianWarningMessage(v: GuardianVerdict): string | null {
  // An answer without a level or authorization (`{"outcome":"allow"}`) reads as the low-risk default.
  if (v.status === "aborted") return null;
  if (v.status === "timedOut") return v.rationale ?? TIMED_OUT_RATIONALE;
  if (v.failed) return v.rationale; // a failed review: its reason alone
  const verdict = v.status === "approved" ? "approved" : "denied";
  return `Automatic approval review ${verdict} (risk: ${v.riskLevel ?? "low"}, authorization: ${v.userAuthorization ?? "unknown"}): ${v.rationale ?? ""}`;
}

const REJECTION_INSTRUCTIONS =
  "The agent must not attempt to achieve the same outcome via workaround, indirect execution, or policy " +
  "circumvention. Proceed only with a materially safer alternative, or if the user explicitly approves the action " +
  "after being informed of the risk. Otherwise, stop and request user input.";

const FAILURE_INSTRUCTIONS =
  "The action was not executed because automatic approval review could not be completed. This is a review " +
  "failure, not a determination that the action is unsafe. Do not bypass the approval check; resolve the error or " +
  "ask the user for guidance.";

const TIMEOUT_INSTRUCTIONS =
  "The automatic permission approval review did not finish before its deadline. Do not assume the action is " +
  "unsafe based on the timeout alone. You may retry once, or ask the user for guidance or explicit approval.";

/** What the model is told of an action the reviewer did not approve (0.166.0's words). */
export function guardianRejectionMessage(v: GuardianVerdict): string {
  if (v.status === "timedOut") return TIMEOUT_INSTRUCTIONS;
  const rationale = v.rationale?.trim() || "Auto-reviewer denied the action without a specific rationale.";
  if (v.failed) return `${rationale}\n${FAILURE_INSTRUCTIONS}`;
  return `This action was rejected due to unacceptable risk.\nReason: ${rationale}\n${REJECTION_INSTRUCTIONS}`;
}
