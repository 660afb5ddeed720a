import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

/**
 * Finds the shell a session starts, refusing it with the words 0.58.0 (portable-pty) uses, which the model sees
 * inside `exec_command failed: CreateSession { … }`:
 * - a bare name is looked up in the environment's PATH: `Unable to spawn zsh2 because:\nNo viable candidates found
 *   in PATH "<PATH>"`;
 * - a path (relative ones against the working directory): `Unable to spawn /x because it doesn't exist on the
 *   filesystem (ENOENT: No such file or directory)` (absolute) / `… because it does not exist` (relative),
 *   `… because it is a directory`, `… because it is not executable (EACCES: Permission denied)`.
 * Returns the path to run, or `{ error }`.
 */
export function resolveProgram(
  program: string,
  cwd: string,
  env: Record<string, string>,
): { path: string } | { error: string } {
  if (!program.includes("/")) {
    const search = env.PATH ?? "";
    for (const dir of search.split(":")) {
      if (!dir) continue;
      const candidate = path.join(dir, program);
      if (isExecutableFile(candidate)) return { path: candidate };
    }
    return { error: `Unable to spawn ${program} because:\nNo viable candidates found in PATH "${search}"` };
  }
  const absolute = path.isAbsolute(program);
  const candidate = absolute ? program : `${cwd}/${program}`;
  let isDir: boolean;
  try {
    isDir = statSync(candidate).isDirectory();
  } catch {
    return {
      error: absolute
        ? `Unable to spawn ${candidate} because it doesn't exist on the filesystem (ENOENT: No such file or directory)`
        : `Unable to spawn ${candidate} because it does not exist`,
    };
  }
  if (isDir) return { error: `Unable to spawn ${candidate} because it is a directory` };
  if (!isExecutableFile(candidate)) {
    return { error: `Unable to spawn ${candidate} because it is not executable (EACCES: Permission denied)` };
  }
  return { path: candidate };
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
