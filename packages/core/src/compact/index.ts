export { collectUserMessages, compactedHistory, historyFromRollout, lastAssistantText } from "./history.js";
export {
  COMPACT_DONE_MESSAGE,
  COMPACT_WARNING,
  DEFAULT_COMPACT_PROMPT,
  stillOverLimitMessage,
} from "./messages.js";
export { type CompactionHost, estimateTokens, runCompaction } from "./run.js";
export { truncateMiddle } from "./truncate.js";
