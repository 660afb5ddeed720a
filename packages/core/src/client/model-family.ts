import {
  TOOL_OUTPUT_BYTES_0166,
  TOOL_OUTPUT_TOKENS_0166,
  type ToolOutputLimit,
} from "../tools/truncate-0166.js";

export type { ToolOutputLimit };

/**
 * Whose requests a thread's model gets: `0.58` is 0.58.0's (every 0.58 connection's thread, and a Chat Completions
 * provider's, which 0.166.0 no longer supports); `0.166` is 0.166.0's (a 0.166 connection's thread on a Responses
 * provider), where a model outside 0.166.0's catalogue gets 0.166.0's generic request, not 0.58.0's family.
 */
export type ModelGeneration = "0.58" | "0.166";

/**
 * What Codex decides from the model name alone when it builds a Responses request. Every entry was observed from
 * the real binary's first request body (`tools`, `reasoning`, `include`, `text`, and whether the base prompt grows
 * by the apply_patch instructions) for that model name: 0.58.0's families, and the models of 0.166.0's built-in
 * catalogue (`model/list`); unknown names get the defaults at the bottom.
 */
export interface ModelFamily {
  /** The apply_patch tool the family is always offered; null: none unless the freeform feature asks for it. */
  applyPatchTool: "freeform" | "function" | null;
  /** Whether requests carry `reasoning` and include `reasoning.encrypted_content` (else `reasoning: null`). */
  supportsReasoning: boolean;
  /** Whether `model_verbosity` is sent as `text.verbosity`, and the verbosity sent when none is configured. */
  supportsVerbosity: boolean;
  defaultVerbosity: string | null;
  /** The `reasoning.effort` sent when none is configured. */
  defaultEffort: string | null;
  /** codex-mini-latest gets the built-in `local_shell` tool instead of the `shell` function. */
  localShell: boolean;
  /** Whether the base prompt gets apply_patch usage instructions when no apply_patch tool is offered. */
  needsApplyPatchInstructions: boolean;
  /** `reasoning.context` (0.166.0 sends `all_turns` for most of its catalogue models); null: not sent. */
  reasoningContext: string | null;
  /**
   * Whether `reasoning.summary` is left out unless one was chosen (config, profile, override or a client's turn
   * settings). 0.58.0 sends its default `auto` to every model; 0.166.0 sends none to its catalogue models.
   */
  omitDefaultSummary: boolean;
  /**
   * The built-in tools: `0.58` is 0.58.0's set (see `toolSpecs`); `unified` is what 0.166.0 offers `gpt-5.5`
   * (exec_command, write_stdin, the freeform apply_patch, view_image, web_search, parallel tool calls); `none`
   * is 0.166.0's request to its other catalogue models, which carries no tools at all; `generic` is what 0.166.0
   * offers a model outside its catalogue (`gpt-5.5`'s set without apply_patch and tool_search, `view_image`
   * without `detail`, the MCP tools as namespaces; see `toolSpecs0166`).
   */
  toolset: "0.58" | "unified" | "none" | "generic";
  /**
   * How tool outputs are cut for the model: null is 0.58.0's rule (10 KiB and 256 lines, `truncateOutputForModel`);
   * otherwise 0.166.0's budget per output (`truncateText0166`): tokens for its catalogue models, bytes for the others.
   */
  toolOutputLimit: ToolOutputLimit | null;
  /**
   * How the thread's MCP tools are offered: `functions` is 0.58.0's (one `mcp__<server>__<tool>` function each);
   * `search` is 0.166.0's for `gpt-5.5` (deferred behind `tool_search`, found tools come back as `mcp__<server>`
   * namespaces); `none` is 0.166.0's request to its code-mode catalogue models, which carries no tools at all;
   * `namespaces` is 0.166.0's for models outside its catalogue (every tool in the request, one `mcp__<server>`
   * namespace per server).
   */
  mcpTools: "functions" | "search" | "none" | "namespaces";
  /** Whether a chosen reasoning summary `none` is left out of `reasoning` (0.166.0 does so for the generic family). */
  omitNoneSummary: boolean;
}

const DEFAULT_FAMILY: ModelFamily = {
  applyPatchTool: null,
  supportsReasoning: false,
  supportsVerbosity: false,
  defaultVerbosity: null,
  defaultEffort: null,
  localShell: false,
  needsApplyPatchInstructions: false,
  reasoningContext: null,
  omitDefaultSummary: false,
  toolset: "0.58",
  toolOutputLimit: null,
  mcpTools: "functions",
  omitNoneSummary: false,
};

/**
 * What 0.166.0 sends a model outside its catalogue, whatever its name (observed with the native binary for
 * `llama3.1`, `my-model`, `gpt-5-codex`, `o3`, `gpt-4o`, `gpt-oss:20b`, `codex-mini-latest`): reasoning with the
 * configured effort (none by default) and summary (`auto` by default, left out when `none`) whatever
 * `model_supports_reasoning_summaries` says, no `text.verbosity`, the generic toolset with parallel tool calls, and
 * tool outputs cut to 10 000 bytes.
 */
const GENERIC_0166_FAMILY: ModelFamily = {
  ...DEFAULT_FAMILY,
  supportsReasoning: true,
  toolset: "generic",
  toolOutputLimit: { unit: "bytes", max: TOOL_OUTPUT_BYTES_0166 },
  mcpTools: "namespaces",
  omitNoneSummary: true,
};

/**
 * A model of 0.166.0's catalogue: reasoning with the catalogue's default effort (`model/list`'s
 * `defaultReasoningEffort`), `text.verbosity` (low unless told) and `reasoning.context = all_turns`, as 0.166.0's
 * requests carry them.
 */
const catalogue0166 = (defaultEffort: string, more: Partial<ModelFamily> = {}): Partial<ModelFamily> => ({
  supportsReasoning: true,
  supportsVerbosity: true,
  defaultVerbosity: "low",
  defaultEffort,
  reasoningContext: "all_turns",
  omitDefaultSummary: true,
  toolset: "none",
  toolOutputLimit: { unit: "tokens", max: TOOL_OUTPUT_TOKENS_0166 },
  mcpTools: "none",
  ...more,
});

/** First matching prefix wins, so longer names come before the names they start with. */
const FAMILIES: [prefix: string, family: Partial<ModelFamily>][] = [
  // 0.166.0's catalogue (observed with the native binary: its request for each `model/list` entry).
  ["gpt-6.1-sol", catalogue0166("low")],
  ["gpt-6.1-terra", catalogue0166("low")],
  ["gpt-6-astra", catalogue0166("low")],
  ["gpt-6-sol", catalogue0166("medium")],
  ["gpt-6-luna", catalogue0166("medium")],
  ["gpt-5.6-sol", catalogue0166("low")],
  ["gpt-5.6-terra", catalogue0166("medium")],
  ["gpt-5.6-luna", catalogue0166("medium")],
  ["gpt-daybreak-blue-latest", catalogue0166("low")],
  ["gpt-daybreak-red-latest", catalogue0166("medium", { defaultVerbosity: "high" })],
  ["gpt-5.5", catalogue0166("medium", { reasoningContext: null, toolset: "unified", mcpTools: "search" })],
  ["codex-auto-review", catalogue0166("medium")],
  ["codex-mini-latest", { supportsReasoning: true, localShell: true, needsApplyPatchInstructions: true }],
  ["codex-", { supportsReasoning: true, applyPatchTool: "freeform" }],
  ["gpt-5-codex", { supportsReasoning: true, applyPatchTool: "freeform" }],
  ["gpt-5.1-codex", { supportsReasoning: true, applyPatchTool: "freeform" }],
  [
    "gpt-5.1",
    {
      supportsReasoning: true,
      applyPatchTool: "freeform",
      supportsVerbosity: true,
      defaultVerbosity: "low",
      defaultEffort: "medium",
    },
  ],
  ["gpt-5", { supportsReasoning: true, supportsVerbosity: true, needsApplyPatchInstructions: true }],
  ["o3", { supportsReasoning: true, needsApplyPatchInstructions: true }],
  ["o4-mini", { supportsReasoning: true, needsApplyPatchInstructions: true }],
  ["gpt-4.1", { needsApplyPatchInstructions: true }],
  ["gpt-4o", { needsApplyPatchInstructions: true }],
  ["gpt-oss", { applyPatchTool: "function" }],
];

/**
 * The family of a model name. `model_supports_reasoning_summaries` from config.toml only changes names that match
 * no known family (0.58.0 ignored it, true or false, for o3, gpt-4.1, gpt-4o and gpt-oss). In the `0.166`
 * generation only 0.166.0's catalogue keeps its own family; every other name (0.58.0's families too) is generic.
 */
export function modelFamily(
  model: string,
  o: { supportsReasoningSummaries?: boolean; generation?: ModelGeneration } = {},
): ModelFamily {
  const found = FAMILIES.find(([prefix]) => model.startsWith(prefix));
  // 0.166.0's catalogue entries are the ones that name their toolset.
  if (o.generation === "0.166" && found?.[1].toolset === undefined) return GENERIC_0166_FAMILY;
  if (found) return { ...DEFAULT_FAMILY, ...found[1] };
  return { ...DEFAULT_FAMILY, supportsReasoning: o.supportsReasoningSummaries ?? false };
}

/** `model_supports_reasoning_summaries` as set in config.toml (the loader keeps it only in `raw`). */
export function supportsReasoningSummariesSetting(config: { raw?: unknown }): boolean | undefined {
  const value = (config.raw as Record<string, unknown> | undefined)?.model_supports_reasoning_summaries;
  return typeof value === "boolean" ? value : undefined;
}
