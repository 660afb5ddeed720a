import { internalError, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import type { Handlers } from "../handler.js";
import { pageItems } from "../model-list.js";

type Summary = { id: string; description: string | null; allowed: boolean };

/** The built-in profiles 0.166.0 lists first, in its order. */
const BUILT_IN: readonly Summary[] = [":read-only", ":workspace", ":danger-full-access"].map((id) => ({
  id,
  description: null,
  allowed: true,
}));

/** Rust's `String` order (bytes), which 0.166.0 sorts the configured profiles by. */
const byId = (a: Summary, b: Summary) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));

/** The `[permissions.<id>]` tables of a config, as summaries sorted by id. */
export function configuredProfiles(raw: Readonly<Record<string, unknown>>): Summary[] {
  const table = raw.permissions;
  if (typeof table !== "object" || table === null || Array.isArray(table)) return [];
  const out: Summary[] = [];
  for (const [id, entry] of Object.entries(table)) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
    const description = (entry as { description?: unknown }).description;
    out.push({ id, description: typeof description === "string" ? description : null, allowed: true });
  }
  return out.sort(byId);
}

/**
 * 0.166.0 `permissionProfile/list {cursor?, limit?, cwd?}` → `{data, nextCursor}`: the built-in profiles, then the
 * configured ones (`[permissions.<id>]` with their `description`) sorted by id, paged like `model/list`. The config
 * is read on every call, so edits show at once. Every profile is `allowed` (0.166.0 consults managed requirements
 * this server does not have). `cwd` would add the project's config layers, which config-loader does not read yet.
 */
export function createPermissionProfileHandler(
  currentConfig: (() => Promise<Config>) | undefined,
): Handlers<Protocol0166, "permissionProfile/list"> {
  return {
    async "permissionProfile/list"(p) {
      let configured: Summary[] = [];
      if (currentConfig) {
        try {
          configured = configuredProfiles((await currentConfig()).raw);
        } catch (err) {
          throw internalError(`failed to reload config: ${(err as Error).message}`);
        }
      }
      return pageItems([...BUILT_IN, ...configured], p, "permission profiles");
    },
  };
}
