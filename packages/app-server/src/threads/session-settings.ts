import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { ConfigOverrides } from "@codex-ts/config-loader";
import type { ConversationIdentity, SkillCatalog } from "@codex-ts/core";
import type { SessionSettings } from "../session-settings.js";

/** A 0.166 thread's skill catalog for its request `config` (settings-0166/skills.ts `skillCatalog0166`). */
export type ThreadSkillCatalog = (threadConfig: Record<string, unknown> | null) => SkillCatalog;

import { coreApproval } from "./settings.js";

/**
 * 0.166 `thread/start` / `thread/resume` params as the config loader takes them: the typed fields beat every config
 * layer, `config` is the request's layer of dotted keys. A permission profile (`permissions`) picks the sandbox.
 */
export function sessionSettings0166(
  p: gen0166.ThreadStartParams | gen0166.ThreadResumeParams | gen0166.ThreadForkParams,
  skills?: ThreadSkillCatalog,
  identity?: ConversationIdentity,
): SessionSettings {
  const overrides: ConfigOverrides = {};
  if (p.model != null) overrides.model = p.model;
  if (p.modelProvider != null) overrides.modelProvider = p.modelProvider;
  if (p.cwd != null) overrides.cwd = p.cwd;
  if (p.approvalPolicy != null) overrides.approvalPolicy = coreApproval(p.approvalPolicy);
  if (p.approvalsReviewer != null) overrides.approvalsReviewer = p.approvalsReviewer;
  // The loader resolves the profile (configured ones too) and holds it to the managed profile list.
  if (p.permissions != null) overrides.permissionProfile = p.permissions;
  else if (p.sandbox != null) overrides.sandboxMode = p.sandbox;
  if (p.baseInstructions != null) overrides.baseInstructions = p.baseInstructions;
  if (p.developerInstructions != null) overrides.developerInstructions = p.developerInstructions;
  const config = p.config ?? null;
  return {
    overrides,
    config,
    mcpStartup: "0.166",
    config0166: true,
    ...(skills ? { skills: skills(config) } : {}),
    ...(identity ? { identity } : {}),
  };
}
