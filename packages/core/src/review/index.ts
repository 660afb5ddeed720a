export { REVIEW_INSTRUCTIONS } from "./instructions.js";
export {
  parseReviewOutput,
  REVIEW_FALLBACK_MESSAGE,
  REVIEW_INTERRUPTED_MESSAGE,
  type ReviewOutput,
  renderReviewOutput,
  reviewResultsMessage,
} from "./output.js";
export { type ReviewRequest, type ReviewTarget, ReviewTargetError, resolveReviewRequest } from "./target.js";
