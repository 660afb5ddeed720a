import type { ToolSpec } from "../client/model-client.js";

/** Which apply_patch tool a model gets: the freeform (grammar) custom tool, or the JSON function. */
export type ApplyPatchToolType = "freeform" | "function";

/**
 * 0.58.0 offers the freeform apply_patch tool to gpt-5-codex*, gpt-5.1* (codex variants included) and codex-*
 * models (codex-mini-latest aside), or to any model when the `apply_patch_freeform` feature is on — checked with
 * the real binary. Other models get the function form here (0.58.0 offers o3, gpt-5 and unknown models no
 * apply_patch tool at all, and gpt-oss the function form).
 */
export function applyPatchToolType(model: string, features: Record<string, boolean>): ApplyPatchToolType {
  if (features.apply_patch_freeform === true) return "freeform";
  const freeform =
    model.startsWith("gpt-5-codex") ||
    model.startsWith("gpt-5.1") ||
    (model.startsWith("codex-") && model !== "codex-mini-latest");
  return freeform ? "freeform" : "function";
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
