export {
  type ApplyPatchResult,
  applyPatch,
  PatchApplyError,
  type PlannedChange,
  planChanges,
  planPatch,
  toFileChanges,
  unifiedDiff,
} from "./apply-patch.js";
export { type PatchHunk, PatchParseError, parsePatch, type UpdateChunk } from "./apply-patch-parser.js";
export { TurnDiffTracker } from "./turn-diff.js";
