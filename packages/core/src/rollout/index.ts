export { ArchiveError } from "./archive.js";
export { confineRolloutPath, RolloutPathError } from "./confine.js";
export { collectGitInfo } from "./git-info.js";
export { HEAD_RECORD_LIMIT, type RolloutHead, readHead } from "./head.js";
export { INDEX_FILE_NAME } from "./head-index.js";
export { type LoadedRollout, loadRollout, RolloutLoadError } from "./history.js";
export { HEAD_MAX_BYTES, ROLLOUT_LINE_MAX_BYTES, ROLLOUT_MAX_BYTES } from "./limits.js";
export {
  type GitInfo,
  isPersisted,
  parseLine,
  type RolloutItem,
  type RolloutLine,
  type SessionMetaPayload,
  serializeLine,
} from "./line.js";
export { cursorFor, DEFAULT_PAGE_SIZE, type ListPage, type ListQuery, parseCursor } from "./list.js";
export { osErrorText } from "./os-error.js";
export {
  ARCHIVED_SESSIONS_SUBDIR,
  fileTimestamp,
  isUuid,
  parseRolloutFileName,
  rolloutPathFor,
  SESSIONS_SUBDIR,
} from "./paths.js";
export type { RolloutRecorder } from "./recorder.js";
export { type SessionMetaInput, SessionsStore, type SessionsStoreOptions } from "./store.js";
export { previewFromHead, type SessionSummary } from "./summary.js";
