import { internalError, type Protocol0166 } from "@codex-ts/app-server-protocol";
import {
  type Config,
  type ConfigRequirements,
  profileAllowed,
  type SandboxMode,
} from "@codex-ts/config-loader";
import type { Handlers } from "../handler.js";
import { pageItems } from "../model-list.js";

type Summary = { id: string; description: string | null; allowed: boolean };

/** The built-in profiles 0.166.0 lists first, in its order, and the sandbox each amounts to. */
const BUILT_IN: Readonly<Record<string, SandboxMode>> = {
  ":read-only": "read-only",
  ":workspace": "workspace-write",
  ":danger-full-access": "danger-full-access",
};

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The sandbox a profile amounts to, which the requirements' `allowed_sandbox_modes` allow or not: a built-in's own;
 * a configured profile's that it `extends`, else `workspace-write` when its `[filesystem]` writes anywhere and
 * `read-only` when not (0.166.0 compares the profile's computed permissions; this is the approximation).
 */
function sandboxOf(id: string, profiles: Table, seen: Set<string> = new Set()): SandboxMode {
  const builtIn = BUILT_IN[id];
  if (builtIn) return builtIn;
  const entry = profiles[id];
  if (!isTable(entry) || seen.has(id)) return "read-only";
  seen.add(id);
  if (typeof entry.extends === "string") return sandboxOf(entry.extends, profiles, seen);
  const fs = entry.filesystem;
  const writes = isTable(fs) && JSON.stringify(fs).includes('"write"');
  return writes ? "workspace-write" : "read-only";
}

/** Rust's `String` order (bytes), which 0.166.0 sorts the configured profiles by. */
const byId = (a: Summary, b: Summary) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));

/**
 * The `[permissions.<id>]` tables of a config, as summaries sorted by id; `allowed` as the managed requirements
 * decide (every profile without them).
 */
export function configuredProfiles(
  raw: Readonly<Record<string, unknown>>,
  requirements: ConfigRequirements | null = null,
): Summary[] {
  const table = raw.permissions;
  if (!isTable(table)) return [];
  const out: Summary[] = [];
  for (const [id, entry] of Object.entries(table)) {
    if (!isTable(entry)) continue;
    const description = entry.description;
    out.push({
      id,
      description: typeof description === "string" ? description : null,
      allowed: profileAllowed(requirements, id, sandboxOf(id, table)),
    });
  }
  return out.sort(byId);
}

/**
 * 0.166.0 `permissionProfile/list {cursor?, limit?, cwd?}` → `{data, nextCursor}`: the built-in profiles, then the
 * configured ones (`[permissions.<id>]` with their `description`) sorted by id, paged like `model/list`. The config
 * is read on every call, so edits show at once; with `cwd`, the trusted project layers of that folder add theirs.
 * A profile is `allowed` unless the managed requirements' `allowed_sandbox_modes` leave out the sandbox it amounts to,
 * or their `[allowed_permission_profiles]` do not name it allowed.
 */
export function createPermissionProfileHandler(
  currentConfig: ((cwd?: string) => Promise<Config>) | undefined,
): Handlers<Protocol0166, "permissionProfile/list"> {
  return {
    async "permissionProfile/list"(p) {
      let configured: Summary[] = [];
      let requirements: ConfigRequirements | null = null;
      if (currentConfig) {
        try {
          const config = await currentConfig(p.cwd ?? undefined);
          requirements = config.requirements;
          configured = configuredProfiles(config.raw, requirements);
        } catch (err) {
          throw internalError(`failed to reload config: ${(err as Error).message}`);
        }
      }
      const builtIn = Object.entries(BUILT_IN).map(([id, mode]) => ({
        id,
        description: null,
        allowed: profileAllowed(requirements, id, mode),
      }));
      return pageItems([...builtIn, ...configured], p, "permission profiles");
    },
  };
}
