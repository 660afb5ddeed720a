export {
  type ApplyPatchOptions,
  type ApplyPatchResult,
  applyPatch,
  PATCH_FILE_MAX_BYTES,
  PatchApplyError,
  type PlannedChange,
  planChanges,
  planPatch,
  toFileChanges,
  unifiedDiff,
} from "./apply-patch.js";
export {
  EmptyPatchError,
  type PatchHunk,
  PatchParseError,
  parsePatch,
  type UpdateChunk,
} from "./apply-patch-parser.js";
export {
  type ExecEndFields,
  execCommandEnd,
  execToolOutput,
  MODEL_OUTPUT_MAX_BYTES,
  MODEL_OUTPUT_MAX_LINES,
  renderStructuredOutput,
  type ToolOutput,
  truncateOutputForModel,
} from "./exec-output.js";
export {
  type ApprovalPolicy as PatchApprovalPolicy,
  assessPatchSafety,
  PATCH_OUTSIDE_ROOTS_REJECTION,
  type PatchSafety,
  patchTouchedPaths,
  pathsOutsideRoots,
  type ResolvedRoot,
  resolveRoots,
  resolveThroughSymlinks,
  type TouchedPaths,
  writableUnder,
} from "./patch-safety.js";
export { patchFromShellCommand } from "./shell-apply-patch.js";
export { TurnDiffTracker } from "./turn-diff.js";
