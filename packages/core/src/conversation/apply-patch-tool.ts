import { modelFamily } from "../client/model-family.js";
import type { ToolSpec } from "../client/types.js";

/** Which apply_patch tool a model gets: the freeform (grammar) custom tool, or the JSON function. */
export type ApplyPatchToolType = "freeform" | "function";

/**
 * The apply_patch tool 0.58.0 offers (checked with the real binary): the model family's own form when it has one
 * (freeform for gpt-5-codex*, gpt-5.1*, codex-*; function for gpt-oss), else the freeform tool when the
 * `apply_patch_freeform` feature is on or the v1 `includeApplyPatchTool` flag asks for it, else none (o3, gpt-5,
 * gpt-4.1, codex-mini-latest, unknown names).
 */
export function applyPatchToolType(
  model: string,
  features: Record<string, boolean>,
  includeApplyPatchTool = false,
): ApplyPatchToolType | null {
  const own = modelFamily(model).applyPatchTool;
  if (own !== null) return own;
  return features.apply_patch_freeform === true || includeApplyPatchTool ? "freeform" : null;
}

/**
 * A Lark grammar for the patch format `parsePatch` reads: a `*** Begin Patch` line, one or more file operations,
 * `*** End Patch`. Written for this project; it describes the same language as 0.58.0's.
 */
const PATCH_GRAMMAR = String.raw`start: "*** Begin Patch" NL operation+ "*** End Patch" NL?

operation: add_file | delete_file | update_file

add_file: "*** Add File: " PATH NL added_line+
added_line: "+" /[^\n]*/ NL

delete_file: "*** Delete File: " PATH NL

update_file: "*** Update File: " PATH NL move_to? hunk+
move_to: "*** Move to: " PATH NL
hunk: hunk_header? hunk_line+ end_of_file?
hunk_header: "@@" (" " /[^\n]+/)? NL
hunk_line: /[ +-]/ /[^\n]*/ NL
end_of_file: "*** End of File" NL

PATH: /[^\n]+/
NL: "\n"
`;

/** The freeform apply_patch tool as the Responses API takes it (Chat providers drop custom tools). */
export const FREEFORM_APPLY_PATCH_TOOL: ToolSpec = {
  type: "custom",
  name: "apply_patch",
  description:
    "Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.",
  format: { type: "grammar", syntax: "lark", definition: PATCH_GRAMMAR },
};
