import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, mkdir, open, realpath, rename, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import type { FileChange } from "@codex-ts/app-server-protocol";
import { structuredPatch } from "diff";
import { type PatchHunk, parsePatch, type UpdateChunk } from "./apply-patch-parser.js";
import { patchTouchedPaths, resolveThroughSymlinks } from "./patch-safety.js";

/** A patch that cannot be applied to the files as they are; nothing was changed. */
export class PatchApplyError extends Error {
  override readonly name = "PatchApplyError";
}

/** One file's change, with both contents computed before anything is written. */
export interface PlannedChange {
  kind: "add" | "delete" | "update";
  /** The path as the patch wrote it (for the summary). */
  displayPath: string;
  path: string;
  movePath?: string;
  oldContent: string | null;
  newContent: string | null;
}

function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** Files a patch may update or delete are at most this big (they are read whole, twice, to plan the change). */
export const PATCH_FILE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * A file the patch updates or deletes, read whole. Opened without blocking and checked to be a regular file within
 * PATCH_FILE_MAX_BYTES first: a FIFO or device named by the model must not hang the server's file I/O.
 */
async function readExisting(path: string, what: string): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) throw new Error("not a regular file");
    if (info.size > PATCH_FILE_MAX_BYTES)
      throw new Error(`${info.size} bytes is over the ${PATCH_FILE_MAX_BYTES}-byte limit for patched files`);
    return await handle.readFile("utf8");
  } catch (err) {
    throw new PatchApplyError(`Failed to read file to ${what} ${path}: ${(err as Error).message}`);
  } finally {
    await handle?.close();
  }
}

/** Finds `needle` in `lines` at or after `start`, comparing exactly, then ignoring trailing, then all edge spaces. */
function seek(lines: readonly string[], needle: readonly string[], start: number, atEnd: boolean): number {
  if (needle.length === 0) return start;
  const normalisers = [(s: string) => s, (s: string) => s.trimEnd(), (s: string) => s.trim()];
  for (const norm of normalisers) {
    const matches = (at: number) => needle.every((n, k) => norm(lines[at + k] ?? "\u0000") === norm(n));
    if (atEnd) {
      const at = lines.length - needle.length;
      if (at >= start && matches(at)) return at;
    }
    for (let at = start; at + needle.length <= lines.length; at++) if (matches(at)) return at;
  }
  return -1;
}

function applyChunks(path: string, content: string, chunks: readonly UpdateChunk[]): string {
  const lines = content.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const replacements: { at: number; remove: number; insert: string[] }[] = [];
  let pos = 0;
  for (const chunk of chunks) {
    if (chunk.changeContext !== undefined) {
      const at = seek(lines, [chunk.changeContext], pos, false);
      if (at < 0) throw new PatchApplyError(`Failed to find context '${chunk.changeContext}' in ${path}`);
      pos = at + 1;
    }
    if (chunk.oldLines.length === 0) {
      replacements.push({ at: lines.length, remove: 0, insert: chunk.newLines });
      continue;
    }
    let oldLines = chunk.oldLines;
    let newLines = chunk.newLines;
    let at = seek(lines, oldLines, pos, chunk.isEndOfFile);
    if (at < 0 && oldLines[oldLines.length - 1] === "") {
      // A trailing blank context line often stands for the end of the file.
      oldLines = oldLines.slice(0, -1);
      newLines = newLines[newLines.length - 1] === "" ? newLines.slice(0, -1) : newLines;
      at = seek(lines, oldLines, pos, chunk.isEndOfFile);
    }
    if (at < 0)
      throw new PatchApplyError(`Failed to find expected lines in ${path}:\n${chunk.oldLines.join("\n")}`);
    replacements.push({ at, remove: oldLines.length, insert: newLines });
    pos = at + oldLines.length;
  }
  for (const r of [...replacements].sort((a, b) => b.at - a.at)) lines.splice(r.at, r.remove, ...r.insert);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** Reads what the patch touches and computes every result; throws PatchApplyError without writing anything. */
export async function planChanges(hunks: readonly PatchHunk[], cwd: string): Promise<PlannedChange[]> {
  const planned: PlannedChange[] = [];
  for (const hunk of hunks) {
    const path = absolute(cwd, hunk.path);
    if (hunk.kind === "add") {
      planned.push({
        kind: "add",
        displayPath: hunk.path,
        path,
        oldContent: null,
        newContent: hunk.contents,
      });
    } else if (hunk.kind === "delete") {
      const oldContent = await readExisting(path, "delete");
      planned.push({ kind: "delete", displayPath: hunk.path, path, oldContent, newContent: null });
    } else {
      const oldContent = await readExisting(path, "update");
      planned.push({
        kind: "update",
        displayPath: hunk.path,
        path,
        ...(hunk.movePath ? { movePath: absolute(cwd, hunk.movePath) } : {}),
        oldContent,
        newContent: applyChunks(hunk.path, oldContent, hunk.chunks),
      });
    }
  }
  return planned;
}

/** A unified diff of two texts: hunks only, as Codex puts in `FileChange.update.unified_diff`. */
export function unifiedDiff(oldText: string, newText: string): string {
  const patch = structuredPatch("a", "b", oldText, newText, "", "", { context: 1 });
  return patch.hunks
    .map((h) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n${h.lines.join("\n")}\n`)
    .join("");
}

/** The approval view of a patch: absolute path → FileChange. */
export function toFileChanges(planned: readonly PlannedChange[]): Record<string, FileChange> {
  const out: Record<string, FileChange> = {};
  for (const p of planned) {
    if (p.kind === "add") out[p.path] = { add: { content: p.newContent ?? "" } };
    else if (p.kind === "delete") out[p.path] = { delete: { content: p.oldContent ?? "" } };
    else {
      out[p.path] = {
        update: {
          unified_diff: unifiedDiff(p.oldContent ?? "", p.newContent ?? ""),
          move_path: p.movePath ?? null,
        },
      };
    }
  }
  return out;
}

/** Parses and plans a patch: what approvals show. Throws PatchParseError / PatchApplyError. */
export async function planPatch(patchText: string, cwd: string): Promise<Record<string, FileChange>> {
  return toFileChanges(await planChanges(parsePatch(patchText), cwd));
}

/**
 * Defence in depth under the approval check (patch-safety.ts): a path written under a root must stay under it once
 * symlinks are resolved. Returns the check to run before each write or removal; it throws PatchApplyError.
 */
async function symlinkGuard(roots: readonly string[]): Promise<(path: string) => Promise<void>> {
  const resolved: { lexical: string; real: string }[] = [];
  for (const root of new Set(roots.map((r) => resolve(r)))) {
    const real = await realpath(root).catch(() => null);
    if (real !== null) resolved.push({ lexical: root, real });
  }
  const within = (p: string, root: string) =>
    p === root || p.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
  return async (path) => {
    for (const root of resolved) {
      if (!within(path, root.lexical)) continue;
      const real = await resolveThroughSymlinks(path);
      if (real === null || !within(real, root.real))
        throw new PatchApplyError(
          `refusing to write ${path}: a symbolic link takes it outside ${root.lexical}${real ? ` (to ${real})` : ""}`,
        );
    }
  };
}

async function writeAtomically(
  path: string,
  content: string,
  guard: (path: string) => Promise<void> = async () => undefined,
): Promise<void> {
  await guard(path);
  await mkdir(dirname(path), { recursive: true });
  // Again once the directories exist: one may have been swapped for a symlink in between.
  await guard(path);
  const temp = join(dirname(path), `.${randomBytes(6).toString("hex")}.apply-patch.tmp`);
  await writeFile(temp, content);
  await rename(temp, path);
}

export interface ApplyPatchResult {
  success: boolean;
  stdout: string;
  stderr: string;
  changes: PlannedChange[];
}

export interface ApplyPatchOptions {
  /**
   * Directories a symlink must not lead out of (default: `cwd`): a path under one of them that resolves outside it
   * is refused before anything is written. Paths outside all of them are not confined (the approval covered them).
   */
  roots?: readonly string[];
}

/**
 * Applies a patch all-or-nothing: every hunk is parsed and matched against the files first; only then are files
 * written (each atomically). If a write still fails, files already written are restored.
 */
export async function applyPatch(
  patchText: string,
  cwd: string,
  opts: ApplyPatchOptions = {},
): Promise<ApplyPatchResult> {
  let planned: PlannedChange[];
  let guard: (path: string) => Promise<void>;
  try {
    planned = await planChanges(parsePatch(patchText), cwd);
    guard = await symlinkGuard(opts.roots ?? [cwd]);
    // Nothing is written unless every path passes.
    for (const path of patchTouchedPaths(planned)) await guard(path);
  } catch (err) {
    return { success: false, stdout: "", stderr: `${(err as Error).message}\n`, changes: [] };
  }
  const undo: (() => Promise<void>)[] = [];
  try {
    for (const p of planned) {
      const restore = p.oldContent;
      if (p.kind === "delete") {
        await guard(p.path);
        await rm(p.path);
        undo.push(() => writeAtomically(p.path, restore ?? ""));
      } else {
        const target = p.movePath ?? p.path;
        await writeAtomically(target, p.newContent ?? "", guard);
        undo.push(
          restore === null || target !== p.path
            ? () => rm(target, { force: true })
            : () => writeAtomically(p.path, restore),
        );
        if (p.movePath && p.movePath !== p.path) {
          await guard(p.path);
          await rm(p.path);
          undo.push(() => writeAtomically(p.path, restore ?? ""));
        }
      }
    }
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    return { success: false, stdout: "", stderr: `${(err as Error).message}\n`, changes: [] };
  }
  const letters = { add: "A", delete: "D", update: "M" } as const;
  const summary = planned.map((p) => `${letters[p.kind]} ${p.displayPath}\n`).join("");
  return {
    success: true,
    stdout: `Success. Updated the following files:\n${summary}`,
    stderr: "",
    changes: planned,
  };
}
