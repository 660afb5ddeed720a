import { isTomlTable, type TomlTable } from "@codex-ts/json-to-toml";
import { ConfigError } from "./errors.js";
import type { ConfigRequirements } from "./requirements.js";
import type { SandboxMode } from "./schema.js";

/** The built-in permission profiles and the sandbox each amounts to. */
export const BUILT_IN_PROFILES: Readonly<Record<string, SandboxMode>> = {
  ":read-only": "read-only",
  ":workspace": "workspace-write",
  ":danger-full-access": "danger-full-access",
};

/** The profile a thread runs under, as 0.166.0 reports it (`activePermissionProfile`). */
export interface ActivePermissionProfile {
  id: string;
  /** The profile a configured one `extends` (null: a built-in, or a configured one that extends none). */
  extends: string | null;
}

const configuredProfiles = (merged: TomlTable): TomlTable =>
  isTomlTable(merged.permissions) ? merged.permissions : {};

const isKnownProfile = (id: string, merged: TomlTable): boolean =>
  Object.hasOwn(BUILT_IN_PROFILES, id) || Object.hasOwn(configuredProfiles(merged), id);

/**
 * The sandbox profile `id` amounts to: a built-in's, else that of the built-in a configured `[permissions.<id>]`
 * profile extends; a configured profile that extends none is `workspace-write` when its `[filesystem]` writes
 * anywhere and `read-only` when not (0.166.0 applies the profile's own rules; this server only has the three
 * sandboxes). Undefined: no such profile.
 */
export function profileSandbox(id: string, merged: TomlTable): SandboxMode | undefined {
  const profiles = configuredProfiles(merged);
  let current: unknown = id;
  for (let hops = 0; typeof current === "string" && hops < 16; hops++) {
    if (Object.hasOwn(BUILT_IN_PROFILES, current)) return BUILT_IN_PROFILES[current];
    const entry = Object.hasOwn(profiles, current) ? profiles[current] : undefined;
    if (!isTomlTable(entry)) return undefined;
    if (entry.extends === undefined)
      return JSON.stringify(entry.filesystem ?? {}).includes('"write"') ? "workspace-write" : "read-only";
    current = entry.extends;
  }
  return undefined;
}

function activeProfile(id: string, merged: TomlTable): ActivePermissionProfile {
  const entry = Object.hasOwn(BUILT_IN_PROFILES, id) ? undefined : configuredProfiles(merged)[id];
  const ext = isTomlTable(entry) ? entry.extends : undefined;
  return { id, extends: typeof ext === "string" ? ext : null };
}

/**
 * The sandbox of the config's `default_permissions` profile when no `sandbox_mode` is set (no managed profile
 * list): a built-in's, or that of the built-in a configured profile extends.
 */
export function defaultPermissionsSandbox(merged: TomlTable): SandboxMode | undefined {
  const id = merged.default_permissions;
  return typeof id === "string" ? profileSandbox(id, merged) : undefined;
}

/**
 * The profile threads fall back to under `[allowed_permission_profiles]` (undefined: no managed list), checked as
 * 0.166.0 checks the requirements at start-up (it then refuses to start; here loading the config fails with the
 * same words): the list may only name built-in or configured profiles, `default_permissions` needs the list, and
 * without `default_permissions` the list must allow both `:workspace` and `:read-only` (the default is then
 * `:workspace`); the default must be allowed.
 */
export function managedDefaultProfile(req: ConfigRequirements | null, merged: TomlTable): string | undefined {
  const allowed = req?.permissionProfiles?.allowed;
  if (!allowed) {
    if (req?.defaultPermissions)
      throw new ConfigError("requirements.toml default_permissions requires allowed_permission_profiles");
    return undefined;
  }
  for (const id of Object.keys(allowed)) {
    if (!isKnownProfile(id, merged))
      throw new ConfigError(
        `requirements.toml allowed_permission_profiles refers to undefined profile \`${id}\``,
      );
  }
  const fallback =
    req.defaultPermissions?.profile ??
    (allowed[":workspace"] === true && allowed[":read-only"] === true ? ":workspace" : undefined);
  if (fallback === undefined)
    throw new ConfigError(
      "requirements.toml default_permissions must be set unless allowed_permission_profiles allows both `:workspace` and `:read-only`",
    );
  if (allowed[fallback] !== true)
    throw new ConfigError(
      `requirements.toml default_permissions \`${fallback}\` must be allowed by allowed_permission_profiles`,
    );
  return fallback;
}

/** 0.166.0's words when a profile the managed list refuses is replaced by its default (a warning, or the refusal). */
export function profileFallbackMessage(requested: string, fallback: string): string {
  return `Configured value for \`permission_profile\` is disallowed by requirements; falling back from \`${requested}\` to required value \`${fallback}\`.`;
}

/** The managed default a refused profile falls back to (the requirements were checked when the config loaded). */
export function managedFallback(req: ConfigRequirements): string {
  return req.defaultPermissions?.profile ?? ":workspace";
}

/**
 * The permission profile a 0.166 thread runs under, and its sandbox; undefined when no profile decides (the legacy
 * `sandbox_mode` rules apply). Under a managed `[allowed_permission_profiles]` list a profile always decides: the
 * requested one (`permissions`), else the config's `default_permissions`, else the managed default; one the list
 * does not allow (or that does not exist) falls back to the managed default with 0.166.0's warning, and the legacy
 * `sandbox` / `sandbox_mode` are ignored, as in 0.166.0. Without the list, a requested profile must exist
 * (0.166.0's ``default_permissions refers to undefined profile `x` ``).
 */
export function choosePermissionProfile(
  requested: string | undefined,
  merged: TomlTable,
  req: ConfigRequirements | null,
  warnings: string[],
): { profile: ActivePermissionProfile; sandbox: SandboxMode } | undefined {
  const fallback = managedDefaultProfile(req, merged);
  const configured = typeof merged.default_permissions === "string" ? merged.default_permissions : undefined;
  if (fallback === undefined) {
    if (requested === undefined) return undefined;
    const sandbox = profileSandbox(requested, merged);
    if (sandbox === undefined)
      throw new ConfigError(`default_permissions refers to undefined profile \`${requested}\``);
    return { profile: activeProfile(requested, merged), sandbox };
  }
  let id = requested ?? configured ?? fallback;
  if (req?.permissionProfiles?.allowed[id] !== true || !isKnownProfile(id, merged)) {
    warnings.push(profileFallbackMessage(id, fallback));
    id = fallback;
  }
  return { profile: activeProfile(id, merged), sandbox: profileSandbox(id, merged) ?? "read-only" };
}
