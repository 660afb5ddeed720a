import { lstat, realpath } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import { writableRoots } from "../exec/run-command.js";

/**
 * Where a patch really writes. apply_patch runs inside this process, not in the sandbox, so the check that keeps
 * it within the writable roots must see what the kernel will see: every path the patch touches (add, update and
 * delete targets, a move's source and destination) is resolved through the symlinks of its nearest existing
 * ancestor before it is compared with the roots — `Add File: link/x` with `link -> /etc` is a write to `/etc/x`.
 */

/** The parts of a planned change that name paths (PlannedChange and PatchHunk both fit, once made absolute). */
export interface TouchedPaths {
  path: string;
  movePath?: string | undefined;
}

/** Every absolute path the changes create, overwrite or remove: each target, and a move's destination too. */
export function patchTouchedPaths(changes: readonly TouchedPaths[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    out.push(c.path);
    if (c.movePath !== undefined) out.push(c.movePath);
  }
  return [...new Set(out)];
}

const isWithin = (path: string, root: string) =>
  path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);

/**
 * `path` as the kernel will reach it: the nearest ancestor that exists (the path itself when it does) resolved
 * through every symlink, with the components that do not exist yet appended. Null when that cannot be known: an
 * ancestor is a dangling symlink (a write would create its target), a loop, or unreadable.
 */
export async function resolveThroughSymlinks(path: string): Promise<string | null> {
  let existing = resolve(path);
  const missing: string[] = [];
  for (;;) {
    try {
      return join(await realpath(existing), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return null;
      // It exists but cannot be resolved: a symlink to nowhere.
      if (
        await lstat(existing).then(
          () => true,
          () => false,
        )
      )
        return null;
      const parent = dirname(existing);
      if (parent === existing) return null;
      missing.push(basename(existing));
      existing = parent;
    }
  }
}

/** A writable root, resolved, and the parts of it that stay read-only (its top-level `.git` directory, as Codex). */
export interface ResolvedRoot {
  root: string;
  readOnly: string[];
}

/** The roots resolved through symlinks (`/tmp` may itself be one); roots that do not exist are dropped. */
export async function resolveRoots(roots: readonly string[]): Promise<ResolvedRoot[]> {
  const out: ResolvedRoot[] = [];
  for (const root of new Set(roots)) {
    const real = await realpath(root).catch(() => null);
    if (real === null) continue;
    const git = join(real, ".git");
    const gitIsDir = await lstat(git).then(
      (s) => s.isDirectory(),
      () => false,
    );
    out.push({ root: real, readOnly: gitIsDir ? [git] : [] });
  }
  return out;
}

/** Whether an already resolved path lies in a root and outside that root's read-only parts. */
export function writableUnder(realPath: string, roots: readonly ResolvedRoot[]): boolean {
  return roots.some((r) => isWithin(realPath, r.root) && !r.readOnly.some((ro) => isWithin(realPath, ro)));
}

/** The paths (as given) whose real location is not writable under `roots` (or cannot be resolved). */
export async function pathsOutsideRoots(
  paths: readonly string[],
  roots: readonly string[],
): Promise<string[]> {
  const resolvedRoots = await resolveRoots(roots);
  const outside: string[] = [];
  for (const p of paths) {
    const real = await resolveThroughSymlinks(p);
    if (real === null || !writableUnder(real, resolvedRoots)) outside.push(p);
  }
  return outside;
}

export type ApprovalPolicy = "untrusted" | "on-failure" | "on-request" | "never";

/** What the apply_patch handler does with a patch: apply it without asking, ask the user, or refuse it. */
export type PatchSafety =
  | { decision: "auto-approve" }
  | { decision: "ask-user"; outside: string[] }
  | { decision: "reject"; reason: string; outside: string[] };

/** The refusal text under `never` (what the model reads). */
export const PATCH_OUTSIDE_ROOTS_REJECTION =
  "patch rejected: writing outside the writable roots is not allowed";

/**
 * The approval decision for a planned patch. `untrusted` asks for every patch; `danger-full-access` applies any
 * patch without asking; `workspace-write` applies one whose every touched path really lies in a writable root
 * (`cwd`, `writable_roots`, `/tmp`, `$TMPDIR` as the sandbox grants them, minus each root's `.git`); `read-only`
 * and anything outside ask the user — or, under `never`, are refused.
 */
export async function assessPatchSafety(o: {
  changes: readonly TouchedPaths[];
  /** The session's cwd: the first writable root. */
  cwd: string;
  sandboxPolicy: SandboxPolicy;
  approvalPolicy: ApprovalPolicy;
  env?: NodeJS.ProcessEnv;
}): Promise<PatchSafety> {
  const paths = patchTouchedPaths(o.changes);
  const outside =
    o.sandboxPolicy.mode === "danger-full-access"
      ? []
      : o.sandboxPolicy.mode === "read-only"
        ? paths
        : await pathsOutsideRoots(paths, writableRoots(o.sandboxPolicy, o.cwd, o.env ?? process.env));
  if (o.approvalPolicy === "untrusted") return { decision: "ask-user", outside };
  if (outside.length === 0) return { decision: "auto-approve" };
  if (o.approvalPolicy === "never")
    return { decision: "reject", reason: PATCH_OUTSIDE_ROOTS_REJECTION, outside };
  return { decision: "ask-user", outside };
}
