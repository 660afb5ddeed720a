import { lstat, mkdtemp, realpath, rm, rmdir, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { GhostCommit } from "@codex-ts/app-server-protocol";
import { debugPath, GitToolingError, gitText, gitTextAll, runGit } from "./git.js";

/**
 * Ghost commits as 0.58.0 makes them (`codex-rs/utils/git`): a commit of the working tree that no branch or ref
 * points to, built in a temporary index so the user's index, branches and working tree are left as they are.
 *
 * What it holds: HEAD's tree, then `git add --all` of the working tree (limited to the cwd's part of the repository
 * when the cwd is a subdirectory) — tracked changes, staged or not, and untracked files; ignored files are not in
 * it. The commit (`codex snapshot`, author and committer `Codex Snapshot <snapshot@codex.local>`) has HEAD as its
 * parent (none in a repository without commits). Its record lists the untracked and the ignored paths that existed
 * (`preexisting_untracked_files` / `_dirs`, in `git status` order, relative to the repository root), which undo keeps.
 *
 * Deliberate difference: untracked files larger than `maxUntrackedFileBytes` (10 MiB, the limit later Codex
 * releases use) are left out of the commit — still listed as pre-existing, so undo keeps them — where 0.58.0 copied
 * every file, however large, into the object store on every turn.
 */

export const DEFAULT_MAX_UNTRACKED_FILE_BYTES = 10 * 1024 * 1024;
const COMMIT_MESSAGE = "codex snapshot";
const IDENTITY = {
  GIT_AUTHOR_NAME: "Codex Snapshot",
  GIT_AUTHOR_EMAIL: "snapshot@codex.local",
  GIT_COMMITTER_NAME: "Codex Snapshot",
  GIT_COMMITTER_EMAIL: "snapshot@codex.local",
};

export interface GhostCommitOptions {
  signal?: AbortSignal;
  /** Untracked files larger than this are left out of the commit (0 or less: no limit). */
  maxUntrackedFileBytes?: number;
}

export async function createGhostCommit(cwd: string, o: GhostCommitOptions = {}): Promise<GhostCommit> {
  const run = { ...(o.signal ? { signal: o.signal } : {}) };
  await ensureGitRepository(cwd, o.signal);
  const root = await gitText(cwd, ["rev-parse", "--show-toplevel"], run);
  const prefix = await repoSubdir(root, cwd);
  const parent = await resolveHead(root, o.signal);
  const untracked = await captureUntracked(root, prefix, o.signal);
  const indexDir = await mkdtemp(path.join(os.tmpdir(), "codex-git-index-"));
  try {
    const env = { GIT_INDEX_FILE: path.join(indexDir, "index") };
    const withIndex = { ...run, env };
    if (parent) await runGit(root, ["read-tree", parent], withIndex);
    await runGit(root, ["add", "--all", ...(prefix ? ["--", prefix] : [])], withIndex);
    const tooLarge = await largeUntrackedFiles(root, untracked.newFiles, o.maxUntrackedFileBytes);
    if (tooLarge.length > 0) {
      await runGit(root, ["update-index", "--force-remove", "-z", "--stdin"], {
        ...withIndex,
        input: Buffer.from(tooLarge.map((p) => `${p}\0`).join(""), "utf8"),
      });
    }
    const tree = await gitText(root, ["write-tree"], withIndex);
    const commitArgs = ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", COMMIT_MESSAGE];
    const id = await gitText(root, commitArgs, { ...run, env: { ...env, ...IDENTITY } });
    return {
      id,
      parent,
      preexisting_untracked_files: untracked.files,
      preexisting_untracked_dirs: untracked.dirs,
    };
  } finally {
    await rm(indexDir, { recursive: true, force: true });
  }
}

/**
 * Puts the working tree (the cwd's part of the repository) back as the ghost commit recorded it: files are
 * restored from it (`git restore --source <id> --worktree`), and untracked or ignored paths that appeared since are
 * deleted, except those the record lists as pre-existing (and anything under a pre-existing directory).
 *
 * Deliberate differences: 0.58.0 also passed `--staged`, which made the index match the snapshot — every file
 * that was untracked when the snapshot was taken became staged; here the index is left alone. And 0.58.0 left the
 * directories of the files it deleted behind, empty; here directories emptied that way are removed too.
 */
export async function restoreGhostCommit(cwd: string, commit: GhostCommit, o: { signal?: AbortSignal } = {}) {
  const run = { ...(o.signal ? { signal: o.signal } : {}) };
  await ensureGitRepository(cwd, o.signal);
  const root = await gitText(cwd, ["rev-parse", "--show-toplevel"], run);
  const prefix = await repoSubdir(root, cwd);
  const current = await captureUntracked(root, prefix, o.signal);
  await runGit(root, ["restore", "--source", commit.id, "--worktree", "--", prefix ?? "."], run);
  const keepFiles = new Set(commit.preexisting_untracked_files);
  const keepDirs = commit.preexisting_untracked_dirs;
  const preserved = (p: string) => keepFiles.has(p) || keepDirs.some((d) => p === d || p.startsWith(`${d}/`));
  for (const p of [...current.files, ...current.dirs]) {
    if (preserved(p)) continue;
    await removePath(path.join(root, p));
    await removeEmptyParents(root, p, prefix);
  }
}

/** Removes the directories above `rel` that are empty now, up to the cwd's part of the repository. */
async function removeEmptyParents(root: string, rel: string, prefix: string | null): Promise<void> {
  for (let dir = path.posix.dirname(rel); dir !== "." && dir !== prefix; dir = path.posix.dirname(dir)) {
    try {
      await rmdir(path.join(root, dir));
    } catch {
      return; // not empty (or gone): stop
    }
  }
}

async function ensureGitRepository(cwd: string, signal?: AbortSignal): Promise<void> {
  const notARepo = () =>
    new GitToolingError("not-a-git-repository", `${debugPath(cwd)} is not a git repository`);
  let out: string;
  try {
    out = await gitText(cwd, ["rev-parse", "--is-inside-work-tree"], signal ? { signal } : {});
  } catch (err) {
    if (err instanceof GitToolingError && err.kind === "git-command" && err.exitCode === 128)
      throw notARepo();
    throw err;
  }
  if (out !== "true") throw notARepo();
}

async function resolveHead(root: string, signal?: AbortSignal): Promise<string | null> {
  try {
    return await gitText(root, ["rev-parse", "--verify", "HEAD"], signal ? { signal } : {});
  } catch (err) {
    if (err instanceof GitToolingError && err.kind === "git-command" && err.exitCode === 128) return null;
    throw err;
  }
}

/** The cwd relative to the repository root, or null at the root. */
async function repoSubdir(root: string, cwd: string): Promise<string | null> {
  const direct = path.relative(root, cwd);
  if (direct === "") return null;
  if (!direct.startsWith("..") && !path.isAbsolute(direct)) return direct;
  try {
    const rel = path.relative(await realpath(root), await realpath(cwd));
    return rel === "" || rel.startsWith("..") ? null : rel;
  } catch {
    return null;
  }
}

interface Untracked {
  /** Untracked and ignored files, then directories, as `git status` lists them. */
  files: string[];
  dirs: string[];
  /** The untracked (not ignored) files only: the ones `git add --all` puts in the snapshot. */
  newFiles: string[];
}

async function captureUntracked(
  root: string,
  prefix: string | null,
  signal?: AbortSignal,
): Promise<Untracked> {
  const args = ["status", "--porcelain=2", "-z", "--ignored=matching", "--untracked-files=all"];
  if (prefix) args.push("--", prefix);
  const output = await gitTextAll(root, args, signal ? { signal } : {});
  const result: Untracked = { files: [], dirs: [], newFiles: [] };
  for (const entry of output.split("\0")) {
    const space = entry.indexOf(" ");
    if (space < 0) continue;
    const code = entry.slice(0, space);
    const raw = entry.slice(space + 1);
    if ((code !== "?" && code !== "!") || raw === "") continue;
    const normalized = normalizeRelativePath(raw);
    const isDir = await stat(path.join(root, normalized)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDir) result.dirs.push(normalized);
    else {
      result.files.push(normalized);
      if (code === "?") result.newFiles.push(normalized);
    }
  }
  return result;
}

/** 0.58.0's `normalize_relative_path`: `.` parts dropped, `..` resolved, never above the root, never absolute. */
function normalizeRelativePath(p: string): string {
  if (p.startsWith("/")) {
    throw new GitToolingError(
      "non-relative-path",
      `path ${debugPath(p)} must be relative to the repository root`,
    );
  }
  const parts: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.pop() === undefined) {
        throw new GitToolingError(
          "path-escapes-repository",
          `path ${debugPath(p)} escapes the repository root`,
        );
      }
    } else parts.push(part);
  }
  if (parts.length === 0) {
    throw new GitToolingError(
      "non-relative-path",
      `path ${debugPath(p)} must be relative to the repository root`,
    );
  }
  return parts.join("/");
}

async function largeUntrackedFiles(root: string, files: string[], limit = DEFAULT_MAX_UNTRACKED_FILE_BYTES) {
  if (limit <= 0) return [];
  const large: string[] = [];
  for (const f of files) {
    const s = await lstat(path.join(root, f)).catch(() => null);
    if (s?.isFile() && s.size > limit) large.push(f);
  }
  return large;
}

/** Deletes a file, link or directory tree (links are never followed); a missing path is fine. */
async function removePath(p: string): Promise<void> {
  await rm(p, { recursive: true, force: true });
}
