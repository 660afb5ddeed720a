export { ArchiveError } from "./archive.js";
export { confineRolloutPath, RolloutPathError } from "./confine.js";
export { ALL_SOURCE_KINDS, INTERACTIVE_SOURCE_KINDS, type SourceKind, sourceKind } from "./facts.js";
export { ForkError } from "./fork.js";
export { collectGitInfo } from "./git-info.js";
export { HEAD_RECORD_LIMIT, type RolloutHead, readHead } from "./head.js";
export { HEAD_SNAPSHOT_FILE } from "./head-snapshot.js";
export { type LoadedRollout, loadRollout, RolloutLoadError } from "./history.js";
export type { HistoryLine, HistoryReadQuery } from "./history-lines.js";
export { HistoryBaseError, type HistorySegment } from "./history-segments.js";
export { INDEX_FILE_NAME } from "./index-db.js";
export { initialMessagesOf } from "./initial-messages.js";
export { HEAD_MAX_BYTES, ROLLOUT_LINE_MAX_BYTES, ROLLOUT_MAX_BYTES } from "./limits.js";
export {
  type GitInfo,
  type HistoryMode,
  isPersisted,
  parseLine,
  type RolloutItem,
  type RolloutLine,
  rolloutLineFrom,
  type SessionMetaPayload,
  serializeLine,
} from "./line.js";
export { cursorFor, DEFAULT_PAGE_SIZE, type ListPage, type ListQuery, parseCursor } from "./list.js";
export { ThreadNotFoundError, type ThreadTarget } from "./lookup.js";
export { SESSION_INDEX_FILE } from "./names.js";
export { isVanishedFileError, osErrorText } from "./os-error.js";
export {
  ARCHIVED_SESSIONS_SUBDIR,
  fileTimestamp,
  isUuid,
  parseRolloutFileName,
  rolloutPathFor,
  SESSIONS_SUBDIR,
} from "./paths.js";
export type { RolloutRecorder } from "./recorder.js";
export type { DeferredResume, ResumeLoad, ResumeLoadOptions } from "./resume.js";
export type { RolloutLineAt, RolloutRange } from "./rollout-read.js";
export { type SessionMetaInput, SessionsStore, type SessionsStoreOptions } from "./store.js";
export { DeleteError } from "./store-threads.js";
export type { ForkRequest, ForkResult, TurnIndexPage, TurnPageQuery } from "./store-turns.js";
export { previewFromHead, type SessionSummary } from "./summary.js";
export {
  InvalidCursorError,
  type ThreadPage,
  type ThreadQuery,
  type ThreadSearchPage,
  type ThreadSearchQuery,
  type ThreadSummary,
} from "./thread-list.js";
export { RolloutChangedError, type TurnIndexInfo } from "./turn-index.js";
export {
  decodeCursor,
  decodeThreadCursor,
  encodeThreadCursor,
  encodeTurnCursor,
  type SortDirection,
  type TurnEntry,
  type TurnListPage,
  type TurnListQuery,
  TurnNotFoundError,
} from "./turn-pages.js";
export { isNumberedRecord, type TurnMark, type TurnRecord, type TurnStatus } from "./turn-scan.js";
export { collapseWhitespace, excerptAt, literalMatches, requestText } from "./turn-text.js";
