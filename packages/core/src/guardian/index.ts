export {
  failedVerdict,
  GUARDIAN_OUTPUT_FORMAT,
  GuardianParseError,
  type GuardianReviewStatus,
  type GuardianRiskLevel,
  type GuardianUserAuthorization,
  type GuardianVerdict,
  guardianRejectionMessage,
  guardianWarningMessage,
  parseGuardianDecision,
  TIMED_OUT_RATIONALE,
} from "./decision.js";
export {
  DENIED_ACTION_APPROVAL_PREFIX,
  type GuardianAction,
  type GuardianCommandAction,
  type GuardianMcpAction,
  type GuardianPatchAction,
  plannedActionJson,
  reviewActionView,
  transcriptEntries,
} from "./request.js";
export {
  GUARDIAN_REVIEW_TIMEOUT_MS,
  type GuardianReviewRequest,
  guardianTimeoutMs,
  runGuardianReview,
} from "./review.js";
