import { realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { ARCHIVED_SESSIONS_SUBDIR, joinNormalized, SESSIONS_SUBDIR } from "./paths.js";

const caseInsensitive = process.platform === "darwin" || process.platform === "win32";
/** A path as the file system compares it (case folded where names are case-insensitive by default). */
export const norm = (p: string) => (caseInsensitive ? p.toLowerCase() : p);

/** Whether `path` lies strictly inside `dir` (both absolute and normalised). */
export function isInside(path: string, dir: string): boolean {
  return norm(path).startsWith(norm(dir.endsWith(sep) ? dir : dir + sep));
}

/**
 * A rollout path a client named, outside CODEX_HOME/sessions and CODEX_HOME/archived_sessions. The message is the
 * same whether the path exists or not, and whatever it is: the check is made before anything at the path is
 * touched.
 */
export class RolloutPathError extends Error {
  override readonly name = "RolloutPathError";
  constructor(readonly path: string) {
    super(`rollout path \`${path}\` must be in the sessions or archived_sessions directory`);
  }
}

const realpathOr = (p: string) => realpath(p).catch(() => p);

/**
 * Confines a client-named rollout path to CODEX_HOME's `sessions/` and `archived_sessions/`, and returns its real
 * path (symlinks resolved) for opening. First lexically (relative paths against the process cwd, `..` removed),
 * without touching the path, so `../../etc/passwd` or `/proc/self/environ` is refused before anything is opened
 * or even looked up; then by real path, so a symlink inside the sessions directory cannot lead out of it. A path
 * inside that cannot be resolved throws the OS error (ENOENT…), which reveals nothing outside.
 */
export async function confineRolloutPath(codexHome: string, path: string): Promise<string> {
  const abs = resolve(path);
  const home = resolve(codexHome);
  // `home` and its real path are absolute and normalized.
  const dirs = (root: string) => [
    joinNormalized(root, SESSIONS_SUBDIR),
    joinNormalized(root, ARCHIVED_SESSIONS_SUBDIR),
  ];
  const realHome = await realpathOr(home);
  if (![...dirs(home), ...dirs(realHome)].some((dir) => isInside(abs, dir))) throw new RolloutPathError(path);
  const real = await realpath(abs);
  const realDirs = await Promise.all(dirs(home).map(realpathOr));
  if (!realDirs.some((dir) => isInside(real, dir))) throw new RolloutPathError(path);
  return real;
}
