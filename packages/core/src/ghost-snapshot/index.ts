export {
  createGhostCommit,
  DEFAULT_MAX_UNTRACKED_FILE_BYTES,
  type GhostCommitOptions,
  restoreGhostCommit,
} from "./ghost-commit.js";
export { GitToolingError, type GitToolingErrorKind } from "./git.js";
export {
  type GhostSnapshotItem,
  type GhostSnapshotOutcome,
  SNAPSHOTS_DISABLED_NOT_A_REPO,
  startGhostSnapshot,
  takeGhostSnapshot,
} from "./task.js";
