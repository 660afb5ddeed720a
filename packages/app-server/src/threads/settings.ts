import { type gen0166, invalidRequest } from "@codex-ts/app-server-protocol";
import {
  type AllowedValues,
  type ConfigRequirements,
  isAllowed,
  managedFallback,
  notAllowedMessage,
  profileFallbackMessage,
  type SandboxMode,
  sandboxFallbackWarning,
} from "@codex-ts/config-loader";
import { collaborationModeMessageText, type TurnSettings } from "@codex-ts/core";
import type { TurnOverrides } from "../conversations.js";

/** A thread's settings as 0.166.0 reports them (`thread/settings/updated`, the thread responses). */
export type ThreadSettings0166 = gen0166.ThreadSettings;

/** The built-in permission profiles and the sandbox each selects (0.166.0's `:read-only`, …). */
const PROFILE_SANDBOX: Readonly<Record<string, SandboxMode>> = {
  ":read-only": "read-only",
  ":workspace": "workspace-write",
  ":danger-full-access": "danger-full-access",
};

/** The sandbox of permission profile `id`; only the built-in profiles can be applied by this server. */
export function profileSandbox(id: string): SandboxMode {
  const mode = PROFILE_SANDBOX[id];
  if (!mode) throw invalidRequest(`unknown permissions profile: ${id}`);
  return mode;
}

function profileOf(mode: SandboxMode): gen0166.ActivePermissionProfile {
  const id = Object.entries(PROFILE_SANDBOX).find(([, m]) => m === mode)?.[0] ?? ":read-only";
  return { id, extends: null };
}

/** A core sandbox policy as 0.166 spells it. */
export function sandboxPolicy0166(p: TurnSettings["sandboxPolicy"]): gen0166.SandboxPolicy {
  if (p.mode === "danger-full-access") return { type: "dangerFullAccess" };
  if (p.mode === "read-only") return { type: "readOnly", networkAccess: false };
  return {
    type: "workspaceWrite",
    writableRoots: p.writable_roots,
    networkAccess: p.network_access,
    excludeTmpdirEnvVar: p.exclude_tmpdir_env_var,
    excludeSlashTmp: p.exclude_slash_tmp,
  };
}

/**
 * A 0.166 sandbox policy as the core's turn op takes it. An external sandbox means the server is already confined
 * by something else, so the core adds none (danger-full-access).
 */
function coreSandbox(p: gen0166.SandboxPolicy): Record<string, unknown> {
  if (p.type === "externalSandbox") return { mode: "danger-full-access" };
  return { ...p };
}

/** A core approval policy as 0.166 spells it (0.166.0 has no `on-failure`; it asks on request instead). */
function approvalPolicy0166(p: TurnSettings["approvalPolicy"]): gen0166.AskForApproval {
  return p === "on-failure" ? "on-request" : p;
}

/** A 0.166 approval policy for the core: a granular policy asks on request, the core's closest. */
export function coreApproval(p: gen0166.AskForApproval): TurnSettings["approvalPolicy"] {
  return typeof p === "string" ? p : "on-request";
}

/** The settings a thread starts (or resumes) with: the conversation's own, with 0.166's defaults for the rest. */
export function initialThreadSettings(
  settings: TurnSettings,
  modelProvider: string,
  o: {
    approvalsReviewer?: gen0166.ApprovalsReviewer | null | undefined;
    serviceTier?: string | null | undefined;
    /** The profile the config chose (else the built-in that amounts to the sandbox). */
    permissionProfile?: gen0166.ActivePermissionProfile | undefined;
  } = {},
): ThreadSettings0166 {
  const effort = settings.effort ?? null;
  return {
    disabledPluginIds: [],
    cwd: settings.cwd,
    approvalPolicy: approvalPolicy0166(settings.approvalPolicy),
    // The request's reviewer, else the one the config chose (`approvals_reviewer`), which the core acts on.
    approvalsReviewer: o.approvalsReviewer ?? settings.approvalsReviewer ?? "user",
    sandboxPolicy: sandboxPolicy0166(settings.sandboxPolicy),
    activePermissionProfile: o.permissionProfile ?? profileOf(settings.sandboxPolicy.mode),
    model: settings.model,
    modelProvider,
    serviceTier: o.serviceTier ?? null,
    effort,
    summary: settingsSummary(settings.summary),
    collaborationMode: {
      mode: "default",
      settings: { model: settings.model, reasoning_effort: effort, developer_instructions: null },
    },
    multiAgentMode: "explicitRequestOnly",
    personality: null,
  };
}

function settingsSummary(summary: string): gen0166.ReasoningSummary | null {
  return summary === "auto" || summary === "concise" || summary === "detailed" || summary === "none"
    ? summary
    : null;
}

const SANDBOX_OF_POLICY: Partial<Record<gen0166.SandboxPolicy["type"], SandboxMode>> = {
  readOnly: "read-only",
  workspaceWrite: "workspace-write",
  dangerFullAccess: "danger-full-access",
};

/**
 * A change the managed requirements refuse is refused whole, in 0.166.0's words (``invalid thread settings
 * override: invalid value for `approval_policy`: `Never` is not in the allowed set [OnRequest] (set by …)``); unlike
 * a thread's start, a turn does not fall back to the required value.
 */
function checkRequirements(c: SettingsChange, req: ConfigRequirements): void {
  const refuse = (key: string, value: string, allowed: AllowedValues<string>) => {
    throw invalidRequest(`invalid thread settings override: ${notAllowedMessage(key, value, allowed)}`);
  };
  if (c.approvalPolicy != null && req.approvalPolicy) {
    const policy = coreApproval(c.approvalPolicy);
    if (!isAllowed(req.approvalPolicy, policy)) refuse("approval_policy", policy, req.approvalPolicy);
  }
  if (c.permissions != null && req.permissionProfiles) {
    // Under a managed profile list only the list decides (a raw `sandboxPolicy` is not held to it, as in 0.166.0).
    if (req.permissionProfiles.allowed[c.permissions] !== true)
      throw invalidRequest(
        `invalid thread settings override: ${profileFallbackMessage(c.permissions, managedFallback(req))}`,
      );
    return;
  }
  if (c.permissions != null) {
    // A refused profile is worded as the fallback 0.166.0 would make (it refuses the turn all the same).
    const mode = profileSandbox(c.permissions);
    const allowed = req.sandboxMode;
    if (allowed && !isAllowed(allowed, mode)) {
      const fallback = allowed.allowed.includes("read-only")
        ? "read-only"
        : (allowed.allowed[0] ?? "read-only");
      throw invalidRequest(
        `invalid thread settings override: ${sandboxFallbackWarning(mode, fallback, allowed)}`,
      );
    }
    return;
  }
  const mode = c.sandboxPolicy != null ? SANDBOX_OF_POLICY[c.sandboxPolicy.type] : undefined;
  if (mode !== undefined && req.sandboxMode && !isAllowed(req.sandboxMode, mode))
    refuse("sandbox_mode", mode, req.sandboxMode);
}

/** What `turn/start` and `thread/settings/update` may change (absent: unchanged; `effort: null` clears it). */
export interface SettingsChange {
  cwd?: string | null | undefined;
  approvalPolicy?: gen0166.AskForApproval | null | undefined;
  approvalsReviewer?: gen0166.ApprovalsReviewer | null | undefined;
  sandboxPolicy?: gen0166.SandboxPolicy | null | undefined;
  permissions?: string | null | undefined;
  model?: string | null | undefined;
  effort?: string | null | undefined;
  summary?: gen0166.ReasoningSummary | null | undefined;
  serviceTier?: string | null | undefined;
  collaborationMode?: gen0166.CollaborationMode | null | undefined;
  personality?: gen0166.Personality | null | undefined;
  disabledPluginIds?: string[] | null | undefined;
}

/** The outcome of a change: the new settings, the core turn op that applies them (null: none needed), whether they changed. */
export interface AppliedSettings {
  next: ThreadSettings0166;
  overrides: TurnOverrides | null;
  changed: boolean;
}

/**
 * Applies a change to a thread's settings. A collaboration mode carries its own model and effort (it takes
 * precedence over `model` / `effort`, as 0.166.0 documents); a permission profile selects its sandbox and is
 * reported as the active profile, a raw sandbox policy clears that. Fields the core does not use (reviewer,
 * service tier, personality, plugins) are kept for reporting only.
 */
export function applySettings(
  current: ThreadSettings0166,
  c: SettingsChange,
  requirements?: ConfigRequirements | null,
): AppliedSettings {
  if (requirements) checkRequirements(c, requirements);
  const next: ThreadSettings0166 = { ...current };
  const overrides: TurnOverrides = {};
  if (c.cwd != null) {
    next.cwd = c.cwd;
    overrides.cwd = c.cwd;
  }
  if (c.approvalPolicy != null) {
    next.approvalPolicy = c.approvalPolicy;
    overrides.approval_policy = coreApproval(c.approvalPolicy);
  }
  if (c.approvalsReviewer != null) {
    next.approvalsReviewer = c.approvalsReviewer;
    overrides.approvals_reviewer = c.approvalsReviewer;
  }
  if (c.permissions != null) {
    const mode = profileSandbox(c.permissions);
    next.activePermissionProfile = { id: c.permissions, extends: null };
    next.sandboxPolicy = sandboxPolicy0166(
      mode === "workspace-write"
        ? {
            mode,
            writable_roots: [],
            network_access: false,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
          }
        : { mode },
    );
    overrides.sandbox_policy = { mode };
  } else if (c.sandboxPolicy != null) {
    next.sandboxPolicy = c.sandboxPolicy;
    next.activePermissionProfile = null;
    overrides.sandbox_policy = coreSandbox(c.sandboxPolicy);
  }
  let model = c.model ?? undefined;
  let effort = c.effort;
  if (c.collaborationMode) {
    model = c.collaborationMode.settings.model;
    effort = c.collaborationMode.settings.reasoning_effort ?? null;
  }
  if (model !== undefined) {
    next.model = model;
    overrides.model = model;
  }
  if (effort !== undefined) {
    next.effort = effort;
    overrides.effort = effort;
  }
  if (c.summary != null) {
    next.summary = c.summary;
    overrides.summary = c.summary;
  }
  // A change of collaboration mode reaches the model as the mode's developer message (see the core's
  // `collaborationModeMessageText`), recorded before the next turn's input.
  if (c.collaborationMode && c.collaborationMode.mode !== current.collaborationMode.mode) {
    overrides.collaboration_instructions = collaborationModeMessageText(
      c.collaborationMode.mode,
      c.collaborationMode.settings.developer_instructions,
    );
    overrides.collaboration_mode = c.collaborationMode.mode;
  }
  if (c.serviceTier !== undefined) next.serviceTier = c.serviceTier;
  if (c.personality !== undefined) next.personality = c.personality;
  if (c.disabledPluginIds != null) next.disabledPluginIds = c.disabledPluginIds;
  next.collaborationMode = {
    mode: c.collaborationMode?.mode ?? current.collaborationMode.mode,
    settings: {
      model: next.model,
      reasoning_effort: next.effort ?? null,
      developer_instructions: current.collaborationMode.settings.developer_instructions ?? null,
    },
  };
  return {
    next,
    overrides: Object.keys(overrides).length > 0 ? overrides : null,
    changed: JSON.stringify(next) !== JSON.stringify(current),
  };
}
