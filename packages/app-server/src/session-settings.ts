import type { NewConversationParams, v2 } from "@codex-ts/app-server-protocol";
import type { ApprovalPolicy, ConfigOverrides, SandboxMode } from "@codex-ts/config-loader";
import type { ConversationIdentity, McpStartup, SkillCatalog } from "@codex-ts/core";

/**
 * The per-conversation settings a request carries (v1 `NewConversationParams`, v2 `ThreadStartParams` /
 * `ThreadResumeParams`), translated to the config loader's vocabulary.
 */
export interface SessionSettings {
  /** Typed overrides; they beat every config layer. */
  overrides: ConfigOverrides;
  /** The request's `config` map of dotted keys (a layer above the process `-c` overrides). */
  config: Record<string, unknown> | null;
  /** What a new thread's session_meta records besides its config (0.166's `threadSource`, workspace roots). */
  sessionMeta?: { threadSource?: string; runtimeWorkspaceRoots?: string[]; source?: unknown };
  /** A 0.166 thread's skills (offered to its model, mentionable in its input); none for 0.58 conversations. */
  skills?: SkillCatalog | undefined;
  /**
   * Whose MCP start-up the conversation follows (0.166 threads: in the background; they also get 0.166.0's model
   * requests); 0.58.0's when unset.
   */
  mcpStartup?: McpStartup | undefined;
  /**
   * Load the config as 0.166.0 does (its `/etc/codex/config.toml` layer, the project's `.codex/config.toml` layers
   * of the conversation's cwd, the managed requirements). 0.58.0 read none of these, so v1/v2 conversations don't.
   */
  config0166?: boolean | undefined;
  /** Who the conversation names (a 0.166 connection's client); the server's originator and user agent when unset. */
  identity?: ConversationIdentity | undefined;
}

const V2_APPROVAL: Record<v2.AskForApproval, ApprovalPolicy> = {
  unlessTrusted: "untrusted",
  onFailure: "on-failure",
  onRequest: "on-request",
  never: "never",
};

const V2_SANDBOX: Record<v2.SandboxMode, SandboxMode> = {
  readOnly: "read-only",
  workspaceWrite: "workspace-write",
  dangerFullAccess: "danger-full-access",
};

/** A v2 approval policy (`unlessTrusted`, …) as the core and the config spell it (`untrusted`, …). */
export function coreApprovalPolicy(value: v2.AskForApproval): ApprovalPolicy {
  return V2_APPROVAL[value];
}

/** Keeps only the overrides that were given. */
function given(overrides: ConfigOverrides): ConfigOverrides {
  const out: ConfigOverrides = {};
  for (const [key, value] of Object.entries(overrides) as [keyof ConfigOverrides, unknown][])
    if (value !== undefined && value !== null) Object.assign(out, { [key]: value });
  return out;
}

const orUndefined = <T>(v: T | null | undefined): T | undefined => v ?? undefined;

/** v1 `newConversation` / `resumeConversation.overrides`. */
export function v1SessionSettings(p: NewConversationParams): SessionSettings {
  return {
    overrides: given({
      model: orUndefined(p.model),
      modelProvider: orUndefined(p.modelProvider),
      profile: orUndefined(p.profile),
      cwd: orUndefined(p.cwd),
      approvalPolicy: orUndefined(p.approvalPolicy),
      sandboxMode: orUndefined(p.sandbox),
      baseInstructions: orUndefined(p.baseInstructions),
      developerInstructions: orUndefined(p.developerInstructions),
      compactPrompt: orUndefined(p.compactPrompt),
      includeApplyPatchTool: orUndefined(p.includeApplyPatchTool),
    }),
    config: p.config ?? null,
  };
}

/** v2 `thread/start` / `thread/resume` (camelCase enums; no profile, compact prompt or apply-patch flag). */
export function v2SessionSettings(p: v2.ThreadStartParams | v2.ThreadResumeParams): SessionSettings {
  return {
    overrides: given({
      model: orUndefined(p.model),
      modelProvider: orUndefined(p.modelProvider),
      cwd: orUndefined(p.cwd),
      approvalPolicy: p.approvalPolicy ? V2_APPROVAL[p.approvalPolicy] : undefined,
      sandboxMode: p.sandbox ? V2_SANDBOX[p.sandbox] : undefined,
      baseInstructions: orUndefined(p.baseInstructions),
      developerInstructions: orUndefined(p.developerInstructions),
    }),
    config: p.config ?? null,
  };
}
