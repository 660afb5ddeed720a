import { execFile } from "node:child_process";
import type { GitInfo } from "./line.js";

const GIT_TIMEOUT_MS = 5_000;

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile("git", args, { cwd, timeout: GIT_TIMEOUT_MS }, (err, stdout) => {
        resolve(err ? undefined : stdout.trim() || undefined);
      });
    } catch {
      // Some spawn failures throw at once instead of reaching the callback (a cwd that is a file or FIFO:
      // ENOTDIR); without git info the session still starts.
      resolve(undefined);
    }
  });
}

/** The session_meta `git` object for `cwd`; undefined outside a git work tree (or without git). */
export async function collectGitInfo(cwd: string): Promise<GitInfo | undefined> {
  if ((await git(cwd, ["rev-parse", "--is-inside-work-tree"])) !== "true") return undefined;
  const [commit, branch, url] = await Promise.all([
    git(cwd, ["rev-parse", "HEAD"]),
    git(cwd, ["rev-parse", "--abbrev-ref", "HEAD"]),
    git(cwd, ["remote", "get-url", "origin"]),
  ]);
  return {
    ...(commit !== undefined ? { commit_hash: commit } : {}),
    ...(branch !== undefined && branch !== "HEAD" ? { branch } : {}),
    ...(url !== undefined ? { repository_url: url } : {}),
  };
}
