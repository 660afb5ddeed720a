import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { SkillRoot } from "./types.js";

export interface SkillRootOptions {
  codexHome: string;
  /** The user's home directory (`$HOME`), for `~/.agents/skills`; none when unknown. */
  homeDir?: string | undefined;
  /** The directory skills are listed for (relative: against the process's cwd). */
  cwd: string;
  /** `project_root_markers` (default `[".git"]`); an empty list makes `cwd` the project root. */
  projectRootMarkers?: readonly string[] | undefined;
  /**
   * Absolute directories a client added (`skills/extraRoots/set`): searched as user roots, after the user's own, as
   * 0.166.0 searches them (a missing one or a file is simply empty).
   */
  extraRoots?: readonly string[] | undefined;
  /** The skill directories of the installed, enabled plugins (`pluginSkillRoots`), searched after the system's. */
  pluginRoots?: readonly SkillRoot[] | undefined;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The nearest ancestor of `cwd` (itself included) holding one of the markers; `cwd` when none does. */
export async function projectRoot(cwd: string, markers: readonly string[]): Promise<string> {
  if (markers.length === 0) return cwd;
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const marker of markers) if (await exists(join(dir, marker))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

/**
 * Where codex 0.166.0 looks for skills as seen from `cwd`: each `.codex/skills` from `cwd` up to the project root
 * (repo), `CODEX_HOME/skills` and `~/.agents/skills` (user),
 * `CODEX_HOME/skills/.system` (system; Codex installs its bundled skills there), the installed plugins' skill
 * directories (user), then the client's `extraRoots` (user), then each `.agents/skills` from the project root down to `cwd` (repo); 0.166.0's order, which is also the
 * order of the model's root aliases. Duplicates are listed once.
 */
export async function skillRoots(o: SkillRootOptions): Promise<SkillRoot[]> {
  const cwd = resolve(o.cwd);
  const root = await projectRoot(cwd, o.projectRootMarkers ?? [".git"]);
  const dirs: string[] = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dir === root || dirname(dir) === dir) break;
  }
  const roots: SkillRoot[] = [];
  for (const dir of [...dirs].reverse()) roots.push({ path: join(dir, ".codex", "skills"), scope: "repo" });
  roots.push({ path: join(o.codexHome, "skills"), scope: "user" });
  if (o.homeDir) roots.push({ path: join(o.homeDir, ".agents", "skills"), scope: "user" });
  roots.push({ path: join(o.codexHome, "skills", ".system"), scope: "system" });
  roots.push(...(o.pluginRoots ?? []));
  for (const extra of o.extraRoots ?? []) roots.push({ path: resolve(extra), scope: "user" });
  for (const dir of dirs) roots.push({ path: join(dir, ".agents", "skills"), scope: "repo" });
  const seen = new Set<string>();
  return roots.filter((r) => !seen.has(r.path) && seen.add(r.path));
}
