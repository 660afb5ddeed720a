import type { Config } from "@codex-ts/config-loader";
import { modelFamily, supportsReasoningSummariesSetting } from "../client/model-family.js";
import type { Prompt, ToolSpec } from "../client/types.js";
import { applyPatchToolType } from "./apply-patch-tool.js";
import { toolSpecs } from "./tools/specs.js";

/**
 * The parts of a Responses request that depend on the model family and the tool flags, as 0.58.0 shapes them
 * (observed with the real binary for each family; see the app-server body-shape e2e test).
 */
export interface RequestShape {
  /** The built-in tools (MCP tools are appended by the caller). */
  tools: ToolSpec[];
  /** Absent for models without reasoning support (the body then has `reasoning: null`, no `include`). */
  reasoning?: NonNullable<Prompt["reasoning"]>;
  /** `text.verbosity`, GPT-5 family only. */
  verbosity?: string;
  instructions: string;
}

/** `reasoning` for a model: the configured effort, else the family's default; absent without reasoning support. */
export function reasoningFor(
  model: string,
  effort: string | null | undefined,
  summary: string,
  config: { raw?: unknown } = {},
): NonNullable<Prompt["reasoning"]> | undefined {
  const supports = supportsReasoningSummariesSetting(config);
  const family = modelFamily(model, supports === undefined ? {} : { supportsReasoningSummaries: supports });
  if (!family.supportsReasoning) return undefined;
  const chosen = effort ?? family.defaultEffort;
  const context = family.reasoningContext ? { context: family.reasoningContext } : {};
  return chosen ? { effort: chosen, summary, ...context } : { summary, ...context };
}

/**
 * Appended to the base prompt for the families 0.58.0 teaches to edit files through `shell` (o3, gpt-5, gpt-4.1,
 * codex-mini-latest…) when they are offered no apply_patch tool and the base prompt is not overridden. Our own
 * wording; 0.58.0 appends its own, longer text at the same point.
 */
export const APPLY_PATCH_SHELL_INSTRUCTIONS = [
  "",
  "",
  "## Editing files",
  "There is no apply_patch tool in this session: edit files by running the `apply_patch` command through `shell`,",
  'e.g. `{"command":["apply_patch","*** Begin Patch\\n*** Update File: path/to/file\\n@@\\n-old\\n+new\\n*** End Patch\\n"]}`.',
  "A patch starts with `*** Begin Patch` and ends with `*** End Patch`; between them come `*** Add File: <path>`",
  "(every line prefixed with +), `*** Delete File: <path>`, or `*** Update File: <path>` (optionally followed by",
  "`*** Move to: <path>`) with @@ hunks of context, removed (-) and added (+) lines. Paths are relative.",
].join("\n");

export function requestShape(
  config: Pick<
    Config,
    | "features"
    | "toolsViewImage"
    | "toolsWebSearch"
    | "includeApplyPatchTool"
    | "baseInstructions"
    | "modelVerbosity"
    | "raw"
  >,
  settings: { model: string; effort?: string | null | undefined; summary: string },
  baseInstructions: string,
): RequestShape {
  const family = modelFamily(settings.model);
  const applyPatch = applyPatchToolType(settings.model, config.features, config.includeApplyPatchTool);
  const verbosity = family.supportsVerbosity ? (config.modelVerbosity ?? family.defaultVerbosity) : null;
  const reasoning = reasoningFor(settings.model, settings.effort, settings.summary, config);
  const instructions =
    family.needsApplyPatchInstructions && applyPatch === null && config.baseInstructions === undefined
      ? baseInstructions + APPLY_PATCH_SHELL_INSTRUCTIONS
      : baseInstructions;
  return {
    tools: toolSpecs({
      viewImage: config.toolsViewImage,
      webSearch: config.toolsWebSearch,
      applyPatch,
      localShell: family.localShell,
      shellCommand: config.features.shell_command_tool === true,
      unifiedExec: config.features.unified_exec === true,
    }),
    ...(reasoning ? { reasoning } : {}),
    ...(verbosity ? { verbosity } : {}),
    instructions,
  };
}
