import type { TomlTable } from "@codex-ts/json-to-toml";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import {
  extraRequirementsSchema,
  type NetworkRequirements,
  networkRequirements,
} from "./requirements-extra.js";
import { type ApprovalPolicy, approvalPolicySchema, type SandboxMode, sandboxModeSchema } from "./schema.js";
import { readTomlFile } from "./toml-file.js";

/** One requirement: the values an administrator allows, and the file (or source) that said so. */
export interface AllowedValues<T extends string> {
  allowed: T[];
  source: string;
}

/**
 * What the managed requirements allow (0.166.0's `requirements.toml`, and the legacy `managed_config.toml` read as
 * requirements): each field absent when no source restricts it.
 */
export interface ConfigRequirements {
  approvalPolicy?: AllowedValues<ApprovalPolicy>;
  sandboxMode?: AllowedValues<SandboxMode>;
  webSearchMode?: AllowedValues<WebSearchMode>;
  approvalsReviewer?: AllowedValues<string>;
  /** `[allowed_permission_profiles]`: profile id → whether a client may pick it (a profile not named: no). */
  permissionProfiles?: { allowed: Record<string, boolean>; source: string };
  /** `default_permissions`: the profile threads get when nothing names one. */
  defaultPermissions?: { profile: string; source: string };
  /** `[features]`: features pinned on or off, whatever the config or a client says. */
  features?: { pinned: Record<string, boolean>; source: string };
  /** `[experimental_network]`: the managed network policy. */
  network?: { policy: NetworkRequirements; source: string };
}

export const webSearchModeSchema = z.enum(["disabled", "cached", "live"]);
export type WebSearchMode = z.infer<typeof webSearchModeSchema>;

const requirementsSchema = extraRequirementsSchema.extend({
  allowed_approval_policies: z.array(approvalPolicySchema).optional(),
  allowed_sandbox_modes: z.array(sandboxModeSchema).optional(),
  allowed_web_search_modes: z.array(webSearchModeSchema).optional(),
  allowed_approvals_reviewers: z.array(z.string()).optional(),
});

/** Where the requirements come from, lowest precedence first; a later source's field replaces an earlier one's. */
export interface RequirementSources {
  /** `requirements.toml` (default `/etc/codex/requirements.toml`); null: none. */
  requirementsPath: string | null;
  /** The legacy managed layers (`managed_config.toml`, MDM): their `approval_policy` / `sandbox_mode` are requirements too. */
  legacy: readonly { source: string; table: TomlTable }[];
}

function checked(table: TomlTable, source: string): z.infer<typeof requirementsSchema> {
  const result = requirementsSchema.safeParse(table, { jitless: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  throw new ConfigError(
    `${source}: invalid value for \`${issue.path.map(String).join(".")}\`: ${issue.message}`,
    source,
  );
}

/**
 * The managed requirements, or null when no source sets any (0.166.0's `configRequirements/read` then answers
 * `requirements: null`). A legacy `approval_policy = X` allows X only; `sandbox_mode = X` allows `read-only` and X
 * (read-only must stay possible), as 0.166.0 reinterprets them.
 */
export async function readRequirements(s: RequirementSources): Promise<ConfigRequirements | null> {
  const out: ConfigRequirements = {};
  if (s.requirementsPath !== null) {
    const table = await readTomlFile(s.requirementsPath);
    if (table) {
      const source = s.requirementsPath;
      const r = checked(table, source);
      if (r.allowed_approval_policies) out.approvalPolicy = { allowed: r.allowed_approval_policies, source };
      if (r.allowed_sandbox_modes) out.sandboxMode = { allowed: r.allowed_sandbox_modes, source };
      if (r.allowed_web_search_modes) out.webSearchMode = { allowed: r.allowed_web_search_modes, source };
      if (r.allowed_approvals_reviewers)
        out.approvalsReviewer = { allowed: r.allowed_approvals_reviewers, source };
      if (r.allowed_permission_profiles)
        out.permissionProfiles = { allowed: r.allowed_permission_profiles, source };
      if (r.default_permissions !== undefined)
        out.defaultPermissions = { profile: r.default_permissions, source };
      if (r.features) out.features = { pinned: r.features, source };
      if (r.experimental_network)
        out.network = { policy: networkRequirements(r.experimental_network), source };
    }
  }
  for (const { source, table } of s.legacy) {
    const approval = approvalPolicySchema.safeParse(table.approval_policy);
    const sandbox = sandboxModeSchema.safeParse(table.sandbox_mode);
    if (approval.success) {
      out.approvalPolicy = { allowed: [approval.data], source };
    }
    if (sandbox.success) {
      const allowed: SandboxMode[] =
        sandbox.data === "read-only" ? ["read-only"] : ["read-only", sandbox.data];
      out.sandboxMode = { allowed, source };
    }
  }
  // A file that restricts nothing this server knows is no requirement (0.166.0 answers null for an empty one).
  return Object.keys(out).length > 0 ? out : null;
}

/** 0.166.0's (Rust) names of the values, as its requirement errors print them. */
const RUST_NAMES: Record<string, string> = {
  untrusted: "UnlessTrusted",
  "on-failure": "OnFailure",
  "on-request": "OnRequest",
  never: "Never",
  "read-only": "ReadOnly",
  "workspace-write": "WorkspaceWrite",
  "danger-full-access": "DangerFullAccess",
};
const rustName = (value: string) => RUST_NAMES[value] ?? value;

/**
 * 0.166.0's refusal of a value the requirements do not allow: ``invalid value for `approval_policy`: `Never` is not
 * in the allowed set [OnRequest, UnlessTrusted] (set by /etc/codex/requirements.toml)``.
 */
export function notAllowedMessage(key: string, value: string, req: AllowedValues<string>): string {
  return `invalid value for \`${key}\`: \`${rustName(value)}\` is not in the allowed set [${req.allowed.map(rustName).join(", ")}] (set by ${req.source})`;
}

/** The warning 0.166.0 sends when a configured value is refused and the required one used instead. */
export function fallbackWarning(
  key: string,
  value: string,
  fallback: string,
  req: AllowedValues<string>,
): string {
  return `Configured value for \`${key}\` is disallowed by requirements; falling back to required value ${rustName(fallback)}. Details: ${notAllowedMessage(key, value, req)}`;
}

/** How 0.166.0 prints the read-only permission profile it falls back to (its Rust debug form). */
const READ_ONLY_PROFILE =
  "Managed { file_system: Restricted { entries: [FileSystemSandboxEntry { path: Special { value: Root }, access: Read, missing_path_behavior: None }], glob_scan_max_depth: None }, network: Restricted }";

/**
 * The warning for a refused sandbox: 0.166.0 falls back to its read-only permission profile and names that
 * (``Configured value for `permission_profile` is disallowed by requirements; falling back to required value
 * Managed { … }. Details: invalid value for `sandbox_mode`: …``); another fallback is worded like the approval one.
 */
export function sandboxFallbackWarning(value: string, fallback: string, req: AllowedValues<string>): string {
  if (fallback !== "read-only") return fallbackWarning("sandbox_mode", value, fallback, req);
  return `Configured value for \`permission_profile\` is disallowed by requirements; falling back to required value ${READ_ONLY_PROFILE}. Details: ${notAllowedMessage("sandbox_mode", value, req)}`;
}

export function isAllowed<T extends string>(req: AllowedValues<T> | undefined, value: T): boolean {
  return req === undefined || req.allowed.includes(value);
}

/**
 * Whether a client may pick permission profile `id`, which amounts to `sandbox`: the requirements'
 * `allowed_sandbox_modes` must allow the sandbox and, when `[allowed_permission_profiles]` is set, name the profile
 * allowed.
 */
export function profileAllowed(req: ConfigRequirements | null, id: string, sandbox: SandboxMode): boolean {
  if (!isAllowed(req?.sandboxMode, sandbox)) return false;
  const profiles = req?.permissionProfiles;
  return profiles === undefined || profiles.allowed[id] === true;
}
