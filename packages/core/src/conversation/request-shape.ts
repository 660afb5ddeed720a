import type { Config } from "@codex-ts/config-loader";
import {
  type ModelFamily,
  type ModelGeneration,
  modelFamily,
  supportsReasoningSummariesSetting,
} from "../client/model-family.js";
import type { Prompt, ToolSpec } from "../client/types.js";
import { applyPatchToolType } from "./apply-patch-tool.js";
import { toolSpecs, toolSpecs0166 } from "./tools/specs.js";

/** What the request shape needs of the thread's MCP servers (McpConnectionManager). */
export interface McpOffer {
  serverNames(): string[];
  /** Whether any server is configured and enabled, started or not (0.166.0 then offers the MCP resource tools). */
  hasEnabledServers(): boolean;
  /** 0.58.0's form: one function per tool. */
  toolSpecs(): ToolSpec[];
  /** 0.166.0's `tool_search` over the deferred tools; null when there are none. */
  toolSearchSpec(): ToolSpec | null;
  /** 0.166.0's form for models outside its catalogue: every tool, one `mcp__<server>` namespace per server. */
  namespaceSpecs(): ToolSpec[];
}

/**
 * The parts of a Responses request that depend on the model family and the tool flags, as 0.58.0 shapes them
 * (observed with the real binary for each family; see the app-server body-shape e2e test).
 */
export interface RequestShape {
  /** Every tool: the built-in ones and the MCP tools in the form the model family takes them. */
  tools: ToolSpec[];
  /** Absent for models without reasoning support (the body then has `reasoning: null`, no `include`). */
  reasoning?: NonNullable<Prompt["reasoning"]>;
  /** `text.verbosity`, GPT-5 family only. */
  verbosity?: string;
  instructions: string;
  /** Set for 0.166.0's catalogue models: parallel tool calls (`gpt-5.5`), no `tools` key when there are none. */
  parallelToolCalls?: boolean;
  omitEmptyTools?: boolean;
  /** How tool outputs are cut for the model (the family's). */
  toolOutputLimit: ModelFamily["toolOutputLimit"];
  /**
   * 0.166.0's families: the tools its router answers (those it registers for the turn), when they are not `tools`:
   * its code-mode catalogue models are sent none, yet their calls to gpt-5.5's tools run (the MCP resource tools
   * among them, servers or not; checked with the native binary).
   */
  routable?: ToolSpec[];
}

/**
 * The reasoning summary a turn asks for: the chosen one, or null when nobody chose one (config.toml, a profile,
 * an override or a client's turn settings) and `summary` is only the loader's default.
 */
export function chosenSummary(s: { summary: string; summaryDefaulted?: boolean | undefined }): string | null {
  return s.summaryDefaulted ? null : s.summary;
}

/**
 * `reasoning` for a model: the configured effort, else the family's default; absent without reasoning support.
 * `summary` null (none chosen) is sent as `auto` as 0.58.0 does, except to the families that leave it out then.
 * `generation`: whose family the model has (model-family.ts, `ModelGeneration`).
 */
export function reasoningFor(
  model: string,
  effort: string | null | undefined,
  chosen: string | null,
  config: { raw?: unknown } = {},
  generation: ModelGeneration = "0.58",
): NonNullable<Prompt["reasoning"]> | undefined {
  const supports = supportsReasoningSummariesSetting(config);
  const family = modelFamily(model, {
    generation,
    ...(supports === undefined ? {} : { supportsReasoningSummaries: supports }),
  });
  if (!family.supportsReasoning) return undefined;
  const chosenEffort = effort ?? family.defaultEffort;
  const wanted = chosen ?? (family.omitDefaultSummary ? null : "auto");
  const summary = wanted === "none" && family.omitNoneSummary ? null : wanted;
  return {
    ...(chosenEffort ? { effort: chosenEffort } : {}),
    ...(summary !== null ? { summary } : {}),
    ...(family.reasoningContext ? { context: family.reasoningContext } : {}),
  };
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

/** The turn settings a request's shape depends on. */
interface ShapeSettings {
  model: string;
  effort?: string | null | undefined;
  summary: string;
  summaryDefaulted?: boolean | undefined;
  /** The turn's sandbox: 0.166.0's web search goes live by default only when there is none. */
  sandboxPolicy?: { mode: string } | undefined;
}

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
  > &
    Partial<Pick<Config, "agents">>,
  settings: ShapeSettings,
  baseInstructions: string,
  /**
   * `goals`: whether the thread keeps goals (a stored thread): 0.166.0 then offers `gpt-5.5` its goal tools.
   * `mcp`: the thread's MCP servers, offered as the family's `mcpTools` says (README, "MCP tools").
   * `generation`: whose family the model has (model-family.ts, `ModelGeneration`; default 0.58.0's).
   * `multiAgent`: the thread may spawn sub-agents (agents/): models outside 0.166.0's catalogue get the tools.
   */
  o: { goals?: boolean; mcp?: McpOffer | undefined; generation?: ModelGeneration; multiAgent?: boolean } = {},
): RequestShape {
  const generation = o.generation ?? "0.58";
  const family = modelFamily(settings.model, { generation });
  const verbosity = family.supportsVerbosity ? (config.modelVerbosity ?? family.defaultVerbosity) : null;
  const reasoning = reasoningFor(
    settings.model,
    settings.effort,
    chosenSummary(settings),
    config,
    generation,
  );
  const common = {
    ...(reasoning ? { reasoning } : {}),
    ...(verbosity ? { verbosity } : {}),
    toolOutputLimit: family.toolOutputLimit,
  };
  // 0.166.0's requests: gpt-5.5's tools with parallel calls, the generic ones (models outside the catalogue), or
  // none at all, without even a `tools` key (its other catalogue models); the base prompt as given.
  if (family.toolset !== "0.58") {
    const generic = family.toolset === "generic";
    const withTools = generic || family.toolset === "unified";
    const search = family.mcpTools === "search" && o.mcp !== undefined;
    const namespaces = family.mcpTools === "namespaces" && o.mcp !== undefined;
    const webSearch = webSearchMode(config, settings.sandboxPolicy?.mode === "danger-full-access");
    return {
      tools: withTools
        ? toolSpecs0166({
            webSearch,
            goals: o.goals ?? false,
            mcpResources: (search || namespaces) && (o.mcp?.hasEnabledServers() ?? false),
            toolSearch: search ? (o.mcp?.toolSearchSpec() ?? null) : null,
            generic,
            mcpNamespaces: namespaces ? (o.mcp?.namespaceSpecs() ?? []) : [],
            multiAgent: o.multiAgent ?? false,
            agentRoles: config.agents?.roles ?? {},
            shellTool: config.features.shell_tool !== false,
          })
        : [],
      ...(withTools
        ? {}
        : {
            routable: toolSpecs0166({
              webSearch,
              goals: o.goals ?? false,
              mcpResources: true,
              shellTool: config.features.shell_tool !== false,
            }),
          }),
      ...common,
      instructions: baseInstructions,
      parallelToolCalls: withTools,
      omitEmptyTools: true,
    };
  }
  const applyPatch = applyPatchToolType(settings.model, config.features, config.includeApplyPatchTool);
  const instructions =
    family.needsApplyPatchInstructions && applyPatch === null && config.baseInstructions === undefined
      ? baseInstructions + APPLY_PATCH_SHELL_INSTRUCTIONS
      : baseInstructions;
  return {
    tools: [
      ...toolSpecs({
        viewImage: config.toolsViewImage,
        webSearch: config.toolsWebSearch,
        applyPatch,
        localShell: family.localShell,
        shellCommand: config.features.shell_command_tool === true,
        unifiedExec: config.features.unified_exec === true,
      }),
      ...(o.mcp?.toolSpecs() ?? []),
    ],
    ...common,
    instructions,
  };
}

/**
 * `web_search` as 0.166.0 reads it from config.toml (the loader keeps it only in `raw`): `cached` (the search
 * index, no live access to the web) unless set to `live` or `disabled`, and `live` for a turn without a sandbox
 * (`danger-full-access`), as 0.166.0 decides it.
 */
function webSearchMode(config: { raw?: unknown }, unsandboxed: boolean): "live" | "cached" | "disabled" {
  const value = (config.raw as Record<string, unknown> | undefined)?.web_search;
  if (value === "disabled" || value === "live") return value;
  return unsandboxed ? "live" : "cached";
}
