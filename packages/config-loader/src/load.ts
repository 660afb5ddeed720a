import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { TomlTable } from "@codex-ts/json-to-toml";
import type { z } from "zod";
import { type AgentsConfig, DEFAULT_AGENTS_CONFIG, resolveAgentsConfig } from "./agents.js";
import { FileReadError, readBoundedFile } from "./bounded-fs/index.js";
import { findCodexHome } from "./codex-home.js";
import { INSTRUCTIONS_FILE_MAX_BYTES, readConfigText } from "./config-text.js";
import { ConfigError } from "./errors.js";
import { resolveFeatures } from "./features.js";
import {
  type ConfigLayer,
  enabledLayers,
  type ManagedSources,
  readConfigLayers,
  systemPaths,
} from "./layers.js";
import { type McpServerConfig, resolveMcpServer } from "./mcp.js";
import type { ConfigOverride } from "./overrides.js";
import {
  type ActivePermissionProfile,
  choosePermissionProfile,
  defaultPermissionsSandbox,
} from "./permission-profiles.js";
import { activePlugins, withPluginMcpServers } from "./plugins/index.js";
import { activeProjectTrust } from "./project-layers.js";
import { builtInProviders, type ModelProviderInfo, mergeProviders } from "./providers.js";
import { checkOverrideString } from "./request-values.js";
import {
  type ConfigRequirements,
  fallbackWarning,
  isAllowed,
  readRequirements,
  sandboxFallbackWarning,
} from "./requirements.js";
import {
  type ApprovalPolicy,
  type ApprovalsReviewer,
  type ConfigToml,
  type CredentialsStoreMode,
  configTomlSchema,
  type ReasoningEffort,
  type ReasoningSummary,
  type SandboxMode,
  type Verbosity,
} from "./schema.js";
import { emptyTable, getAtPath, mergeTables } from "./toml-table.js";

/** Typed overrides from request params or CLI flags; they beat every config layer. */
export interface ConfigOverrides {
  model?: string | undefined;
  modelProvider?: string | undefined;
  profile?: string | undefined;
  cwd?: string | undefined;
  approvalPolicy?: ApprovalPolicy | undefined;
  approvalsReviewer?: ApprovalsReviewer | undefined;
  sandboxMode?: SandboxMode | undefined;
  /** A permission profile (0.166's `permissions`): beats `sandboxMode` (0.166 loading only). */
  permissionProfile?: string | undefined;
  baseInstructions?: string | undefined;
  developerInstructions?: string | undefined;
  compactPrompt?: string | undefined;
  includeApplyPatchTool?: boolean | undefined;
  includePlanTool?: boolean | undefined;
  showRawAgentReasoning?: boolean | undefined;
}

export interface LoadConfigOptions {
  codexHome?: string;
  env?: NodeJS.ProcessEnv;
  /** Process-level `-c` overrides (including `--enable/--disable`), in order. */
  cliOverrides?: readonly ConfigOverride[];
  /** A request's JSON `config` map of dotted keys; sits above `-c`. */
  requestOverrides?: Record<string, unknown> | null;
  overrides?: ConfigOverrides;
  managed?: ManagedSources;
  /** Reported in the built-in provider's `version` header. */
  cliVersion?: string;
  /**
   * Codex 0.166.0's loading: its `system` layer (`/etc/codex/config.toml`) and managed requirements
   * (`/etc/codex/requirements.toml`, the legacy managed layers), and with `projectCwd` the project layers of that
   * folder. 0.58.0 read none of them, so its conversations leave this out.
   */
  modern?:
    | {
        projectCwd?: string | undefined;
        /** The model when neither a request nor any config layer names one (0.166.0's catalogue default). */
        defaultModel?: string | undefined;
      }
    | undefined;
}

export type SandboxPolicy =
  | { mode: "read-only" }
  | {
      mode: "workspace-write";
      writable_roots: string[];
      network_access: boolean;
      exclude_tmpdir_env_var: boolean;
      exclude_slash_tmp: boolean;
    }
  | { mode: "danger-full-access" };

export interface ShellEnvironmentPolicy {
  inherit: "all" | "core" | "none";
  ignoreDefaultExcludes: boolean;
  exclude: string[];
  set: Record<string, string>;
  includeOnly: string[];
  experimentalUseProfile: boolean;
}

/** The effective, fully resolved configuration (see DESIGN.md). */
export interface Config {
  codexHome: string;
  cwd: string;
  model: string;
  reviewModel: string;
  modelProviderId: string;
  modelProvider: ModelProviderInfo;
  modelProviders: Record<string, ModelProviderInfo>;
  approvalPolicy: ApprovalPolicy;
  /** `approvals_reviewer` (profile first; default `user`): who decides what the approval policy asks. */
  approvalsReviewer: ApprovalsReviewer;
  sandboxPolicy: SandboxPolicy;
  shellEnvironmentPolicy: ShellEnvironmentPolicy;
  modelReasoningEffort?: ReasoningEffort;
  /** `model_reasoning_summary` (profile first), `auto` when none is set. */
  modelReasoningSummary: ReasoningSummary;
  /**
   * True when no layer, profile or override set `model_reasoning_summary`, so `modelReasoningSummary` is the
   * default `auto`. 0.58.0 sends that default to every model; 0.166.0 sends no summary to its catalogue models
   * unless one is set, and this is how the core tells the two apart.
   */
  modelReasoningSummaryDefaulted: boolean;
  modelVerbosity?: Verbosity;
  modelContextWindow?: number;
  modelMaxOutputTokens?: number;
  modelAutoCompactTokenLimit?: number;
  /** CODEX_HOME/AGENTS.override.md, else CODEX_HOME/AGENTS.md, trimmed (config `instructions` is ignored, as in 0.58.0). */
  userInstructions?: string;
  /**
   * Model requests one turn may send before it is stopped with an error (`max_turn_requests`, default 1000), so a
   * model that calls a tool on every response cannot loop forever; retries of a request do not count.
   */
  maxTurnRequests: number;
  /** Byte budget for the project's AGENTS.md files (`project_doc_max_bytes`, default 32 KiB; 0 turns them off). */
  projectDocMaxBytes: number;
  /** Names tried after AGENTS.override.md and AGENTS.md in each directory (`project_doc_fallback_filenames`). */
  projectDocFallbackFilenames: string[];
  baseInstructions?: string;
  developerInstructions?: string;
  compactPrompt?: string;
  features: Record<string, boolean>;
  includeApplyPatchTool: boolean;
  includePlanTool: boolean;
  toolsViewImage: boolean;
  toolsWebSearch: boolean;
  showRawAgentReasoning: boolean;
  mcpServers: Record<string, McpServerConfig>;
  cliAuthCredentialsStore: CredentialsStoreMode;
  /** Where MCP servers' OAuth tokens are kept (`mcp_oauth_credentials_store`, 0.166.0's default `auto`). */
  mcpOauthCredentialsStore: CredentialsStoreMode;
  /** The port (`mcp_oauth_callback_port`) and redirect URL (`mcp_oauth_callback_url`) of MCP OAuth logins. */
  mcpOauthCallbackPort?: number;
  mcpOauthCallbackUrl?: string;
  forcedLoginMethod?: "chatgpt" | "api";
  forcedChatgptWorkspaceId?: string;
  chatgptBaseUrl: string;
  history: { persistence: "save-all" | "none"; maxBytes?: number };
  notify?: string[];
  activeProfile?: string;
  /** The managed requirements (0.166.0's loading only; null: none, or 0.58.0's loading). */
  requirements: ConfigRequirements | null;
  /**
   * What loading changed on the user's behalf, in 0.166.0's words (a configured approval policy or sandbox the
   * requirements refuse, replaced by the required one): 0.166.0 sends each as a `configWarning` and a thread warning.
   */
  configWarnings: string[];
  /** The permission profile that chose the sandbox (0.166 loading; absent: the legacy sandbox settings did). */
  permissionProfile?: ActivePermissionProfile;
  /** The merged TOML table, as the user wrote it (for getUserSavedConfig). */
  raw: TomlTable;
  /** 0.166.0's `[agents]` settings (0.166.0's loading reads them; 0.58.0's gets the defaults, as it has none). */
  agents: AgentsConfig;
}

export const DEFAULT_MODEL = "gpt-5-codex";
export const DEFAULT_CHATGPT_BASE_URL = "https://chatgpt.com/backend-api/";
export const DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024;

/** Model requests one turn may send when `max_turn_requests` is not set. */
export const DEFAULT_MAX_TURN_REQUESTS = 1000;
const HOME_INSTRUCTION_FILES = ["AGENTS.override.md", "AGENTS.md"];

/** Names the layer that supplied the value at `path` (the highest one defining it). */
function layerFor(layers: readonly ConfigLayer[], path: readonly PropertyKey[]): string {
  const keys = path.map((k) => (typeof k === "symbol" ? String(k) : k));
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    if (getAtPath(layer.table, keys) !== undefined) return layer.source;
  }
  return layers[0]!.source;
}

function validate(layers: readonly ConfigLayer[], merged: TomlTable): ConfigToml {
  // A process validates its config once or twice: zod's JIT would compile a parser for each of the schema's
  // object shapes first (~1.5 ms of every start, before `initialize` is answered) to run it once.
  const result = configTomlSchema.safeParse(merged, { jitless: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const dotted = issue.path.map(String).join(".");
  const source = layerFor(layers, issue.path);
  throw new ConfigError(`${source}: invalid value for \`${dotted}\`: ${issue.message}`, source);
}

/**
 * Checks one table as the loader would check it alone (types and values of the keys it knows; unknown keys are
 * allowed): the writer's `validate` for edits that must leave a loadable file. Throws a `ConfigError` naming the key.
 */
export function checkConfigTable(table: TomlTable, source: string): void {
  validate([{ kind: "user", source, table }], table);
}

function sandboxPolicyFor(mode: SandboxMode, cfg: ConfigToml): SandboxPolicy {
  if (mode !== "workspace-write") return { mode };
  const ww = cfg.sandbox_workspace_write ?? {};
  return {
    mode,
    writable_roots: (ww.writable_roots ?? []).map((root) => resolve(root)),
    network_access: ww.network_access ?? false,
    exclude_tmpdir_env_var: ww.exclude_tmpdir_env_var ?? false,
    exclude_slash_tmp: ww.exclude_slash_tmp ?? false,
  };
}

/**
 * The user's own instructions, as 0.58.0 reads them: the first of CODEX_HOME/AGENTS.override.md and
 * CODEX_HOME/AGENTS.md with non-blank text, trimmed. The config key `instructions` is accepted but unused there.
 * Like 0.58.0, a file that cannot be read (a directory, a FIFO, no permission) counts as absent; one over
 * INSTRUCTIONS_FILE_MAX_BYTES is an error rather than silently dropped instructions.
 */
async function readHomeInstructions(codexHome: string): Promise<string | undefined> {
  for (const name of HOME_INSTRUCTION_FILES) {
    const path = join(codexHome, name);
    let data: Buffer;
    try {
      data = await readBoundedFile(path, { maxBytes: INSTRUCTIONS_FILE_MAX_BYTES });
    } catch (err) {
      if (err instanceof FileReadError && err.reason === "too-large") {
        throw new ConfigError(`failed to read ${path}: ${err.message}`, path);
      }
      continue;
    }
    const text = data.toString("utf8").trim();
    if (text) return text;
  }
  return undefined;
}

/** An instruction file named by config: bounded, regular, UTF-8, and required to exist. */
async function requiredText(path: string, cwd: string, what: string): Promise<string> {
  const abs = resolve(cwd, path);
  const text = await readConfigText(abs, {
    maxBytes: INSTRUCTIONS_FILE_MAX_BYTES,
    label: `${what} ${abs}`,
    strictUtf8: true,
  });
  if (text === undefined) throw new ConfigError(`${what} ${abs} does not exist`, abs);
  return text;
}

/** Request strings are checked before use: no lone surrogates, no NUL in the cwd, and a cwd that is a directory. */
async function checkOverrides(o: ConfigOverrides): Promise<void> {
  checkOverrideString("model", o.model);
  checkOverrideString("modelProvider", o.modelProvider);
  checkOverrideString("profile", o.profile);
  checkOverrideString("cwd", o.cwd, true);
  checkOverrideString("baseInstructions", o.baseInstructions);
  checkOverrideString("developerInstructions", o.developerInstructions);
  checkOverrideString("compactPrompt", o.compactPrompt);
  if (o.cwd === undefined) return;
  // A cwd that does not exist yet is accepted, as in 0.58.0; one that is a file, FIFO or device cannot be one.
  const info = await stat(resolve(o.cwd)).catch(() => null);
  if (info && !info.isDirectory()) {
    throw new ConfigError(`invalid value for \`cwd\`: ${resolve(o.cwd)} is not a directory`);
  }
}

/**
 * The approval policy and sandbox the managed requirements leave (0.166.0): a refused value is replaced by the
 * first allowed approval policy, or by `read-only` (else the first allowed mode), with a warning saying so. Asking
 * for no approvals (`never`) with a full-access sandbox the requirements refuse is an error instead: falling back
 * would run with read-only permissions and nobody to ask.
 */
function requiredSettings(
  approvalPolicy: ApprovalPolicy,
  sandboxMode: SandboxMode,
  req: ConfigRequirements | null,
  warnings: string[],
): { approvalPolicy: ApprovalPolicy; sandboxMode: SandboxMode } {
  if (!req) return { approvalPolicy, sandboxMode };
  if (
    approvalPolicy === "never" &&
    sandboxMode === "danger-full-access" &&
    isAllowed(req.approvalPolicy, "never") &&
    !isAllowed(req.sandboxMode, "danger-full-access")
  ) {
    throw new ConfigError(
      '`approval_policy = "never"` cannot be used because requirements do not allow `sandbox_mode = "danger-full-access"`; Codex would fall back to read-only permissions with approvals disabled. Choose an `approval_policy` based on what you need, such as `on-request`, or choose an allowed sandbox mode.',
    );
  }
  const approval = req.approvalPolicy;
  if (approval && !approval.allowed.includes(approvalPolicy) && approval.allowed[0] !== undefined) {
    warnings.push(fallbackWarning("approval_policy", approvalPolicy, approval.allowed[0], approval));
    approvalPolicy = approval.allowed[0];
  }
  const sandbox = req.sandboxMode;
  if (sandbox && !sandbox.allowed.includes(sandboxMode)) {
    const fallback = sandbox.allowed.includes("read-only") ? "read-only" : sandbox.allowed[0];
    if (fallback !== undefined) {
      warnings.push(sandboxFallbackWarning(sandboxMode, fallback, sandbox));
      sandboxMode = fallback;
    }
  }
  return { approvalPolicy, sandboxMode };
}

/** Loads and resolves the effective configuration. Reading never writes anything. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<Config> {
  const env = opts.env ?? process.env;
  const codexHome = opts.codexHome ?? findCodexHome(env);
  const all = await readConfigLayers({
    ...opts,
    codexHome,
    env,
    systemLayer: opts.modern !== undefined,
    projectCwd: opts.modern?.projectCwd,
  });
  const layers = enabledLayers(all);
  const merged = layers.map((l) => l.table).reduce(mergeTables, emptyTable());
  const cfg = validate(layers, merged);
  const o = opts.overrides ?? {};
  await checkOverrides(o);

  const profileName = o.profile ?? cfg.profile;
  // Own keys only: a profile named `constructor` or `__proto__` must not find Object.prototype.
  const profile =
    profileName !== undefined && cfg.profiles && Object.hasOwn(cfg.profiles, profileName)
      ? cfg.profiles[profileName]
      : undefined;
  if (profileName !== undefined && profile === undefined) {
    throw new ConfigError(`config profile \`${profileName}\` not found`);
  }
  const cwd = resolve(o.cwd ?? process.cwd());

  const modelProviders = mergeProviders(
    builtInProviders(env, opts.cliVersion ?? "0.58.0"),
    cfg.model_providers,
  );
  const modelProviderId = o.modelProvider ?? profile?.model_provider ?? cfg.model_provider ?? "openai";
  const modelProvider = Object.hasOwn(modelProviders, modelProviderId)
    ? modelProviders[modelProviderId]
    : undefined;
  if (!modelProvider) throw new ConfigError(`Model provider \`${modelProviderId}\` not found`);

  const requirements = opts.modern
    ? await readRequirements({
        requirementsPath: systemPaths(opts.managed, env).requirements,
        legacy: layers.filter((l) => l.kind.startsWith("legacyManaged")),
      })
    : null;
  // Features requirements.toml pins beat every config layer, as in 0.166.0.
  const features = { ...resolveFeatures(cfg, profile), ...requirements?.features?.pinned };
  const configWarnings: string[] = [];
  // 0.166.0: a project the user marked (trusted or not) runs in a workspace-write sandbox unless one is set, and an
  // untrusted one asks before running anything it does not trust (`untrusted`).
  const trust = opts.modern ? await activeProjectTrust(cwd, merged) : undefined;
  // A permission profile (requested, or forced by a managed profile list) beats the legacy sandbox settings.
  const permissions = opts.modern
    ? choosePermissionProfile(o.permissionProfile, merged, requirements, configWarnings)
    : undefined;
  const chosen = requiredSettings(
    o.approvalPolicy ??
      profile?.approval_policy ??
      cfg.approval_policy ??
      (trust === "untrusted" ? "untrusted" : "on-request"),
    permissions?.sandbox ??
      o.sandboxMode ??
      profile?.sandbox_mode ??
      cfg.sandbox_mode ??
      (opts.modern ? defaultPermissionsSandbox(merged) : undefined) ??
      (trust ? "workspace-write" : "read-only"),
    requirements,
    configWarnings,
  );
  const sandboxMode = chosen.sandboxMode;
  const mcpSource = layerFor(layers, ["mcp_servers"]);
  // The config's own servers, then those of the installed, enabled plugins (0.166.0 starts both in new threads).
  const mcpServers = await withPluginMcpServers(
    Object.fromEntries(
      Object.entries(cfg.mcp_servers ?? {}).map(([name, raw]) => [
        name,
        resolveMcpServer(name, raw, mcpSource),
      ]),
    ),
    await activePlugins(codexHome, merged),
  );

  const instructionsFile = profile?.experimental_instructions_file ?? cfg.experimental_instructions_file;
  const baseInstructions =
    o.baseInstructions ??
    (instructionsFile !== undefined
      ? await requiredText(instructionsFile, cwd, "experimental_instructions_file")
      : undefined);
  const compactFile = profile?.experimental_compact_prompt_file ?? cfg.experimental_compact_prompt_file;
  const compactPrompt =
    o.compactPrompt ??
    cfg.compact_prompt ??
    (compactFile !== undefined
      ? await requiredText(compactFile, cwd, "experimental_compact_prompt_file")
      : undefined);
  const userInstructions = await readHomeInstructions(codexHome);
  const developerInstructions = o.developerInstructions ?? cfg.developer_instructions;
  const effort = profile?.model_reasoning_effort ?? cfg.model_reasoning_effort;
  const verbosity = profile?.model_verbosity ?? cfg.model_verbosity;
  const summary = profile?.model_reasoning_summary ?? cfg.model_reasoning_summary;
  const sep = cfg.shell_environment_policy ?? {};

  return {
    codexHome,
    cwd,
    model: o.model ?? profile?.model ?? cfg.model ?? opts.modern?.defaultModel ?? DEFAULT_MODEL,
    reviewModel: cfg.review_model ?? DEFAULT_MODEL,
    modelProviderId,
    modelProvider,
    modelProviders,
    approvalPolicy: chosen.approvalPolicy,
    approvalsReviewer: o.approvalsReviewer ?? profile?.approvals_reviewer ?? cfg.approvals_reviewer ?? "user",
    sandboxPolicy: sandboxPolicyFor(sandboxMode, cfg),
    shellEnvironmentPolicy: {
      inherit: sep.inherit ?? "all",
      ignoreDefaultExcludes: sep.ignore_default_excludes ?? false,
      exclude: sep.exclude ?? [],
      set: sep.set ?? {},
      includeOnly: sep.include_only ?? [],
      experimentalUseProfile: sep.experimental_use_profile ?? false,
    },
    ...(effort !== undefined ? { modelReasoningEffort: effort } : {}),
    modelReasoningSummary: summary ?? "auto",
    modelReasoningSummaryDefaulted: summary === undefined,
    ...(verbosity !== undefined ? { modelVerbosity: verbosity } : {}),
    ...(cfg.model_context_window !== undefined ? { modelContextWindow: cfg.model_context_window } : {}),
    ...(cfg.model_max_output_tokens !== undefined
      ? { modelMaxOutputTokens: cfg.model_max_output_tokens }
      : {}),
    ...(cfg.model_auto_compact_token_limit !== undefined
      ? { modelAutoCompactTokenLimit: cfg.model_auto_compact_token_limit }
      : {}),
    ...(userInstructions !== undefined ? { userInstructions } : {}),
    maxTurnRequests: cfg.max_turn_requests ?? DEFAULT_MAX_TURN_REQUESTS,
    projectDocMaxBytes: cfg.project_doc_max_bytes ?? DEFAULT_PROJECT_DOC_MAX_BYTES,
    projectDocFallbackFilenames: cfg.project_doc_fallback_filenames ?? [],
    ...(baseInstructions !== undefined ? { baseInstructions } : {}),
    ...(developerInstructions !== undefined ? { developerInstructions } : {}),
    ...(compactPrompt !== undefined ? { compactPrompt } : {}),
    features,
    // Only the v1 `newConversation` flag counts: 0.58.0 parses `include_apply_patch_tool` in config.toml but it
    // changed nothing in the request (checked with o3, which then still got no apply_patch tool).
    includeApplyPatchTool: o.includeApplyPatchTool ?? false,
    includePlanTool: o.includePlanTool ?? true,
    toolsViewImage: features.view_image_tool ?? true,
    toolsWebSearch: features.web_search_request ?? false,
    showRawAgentReasoning: o.showRawAgentReasoning ?? cfg.show_raw_agent_reasoning ?? false,
    mcpServers,
    cliAuthCredentialsStore: cfg.cli_auth_credentials_store ?? cfg.cli_auth_credentials_store_mode ?? "file",
    mcpOauthCredentialsStore: cfg.mcp_oauth_credentials_store ?? "auto",
    ...(cfg.mcp_oauth_callback_port !== undefined
      ? { mcpOauthCallbackPort: cfg.mcp_oauth_callback_port }
      : {}),
    ...(cfg.mcp_oauth_callback_url !== undefined ? { mcpOauthCallbackUrl: cfg.mcp_oauth_callback_url } : {}),
    ...(cfg.forced_login_method !== undefined ? { forcedLoginMethod: cfg.forced_login_method } : {}),
    ...(cfg.forced_chatgpt_workspace_id !== undefined
      ? { forcedChatgptWorkspaceId: cfg.forced_chatgpt_workspace_id }
      : {}),
    chatgptBaseUrl: profile?.chatgpt_base_url ?? cfg.chatgpt_base_url ?? DEFAULT_CHATGPT_BASE_URL,
    history: {
      persistence: cfg.history?.persistence ?? "save-all",
      ...(cfg.history?.max_bytes !== undefined ? { maxBytes: cfg.history.max_bytes } : {}),
    },
    ...(cfg.notify !== undefined ? { notify: cfg.notify } : {}),
    ...(profileName !== undefined ? { activeProfile: profileName } : {}),
    requirements,
    configWarnings,
    ...(permissions ? { permissionProfile: permissions.profile } : {}),
    raw: merged,
    agents: opts.modern ? resolveAgentsConfig(merged, codexHome) : { ...DEFAULT_AGENTS_CONFIG, roles: {} },
  };
}
