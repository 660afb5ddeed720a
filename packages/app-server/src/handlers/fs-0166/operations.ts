import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { invalidRequest } from "@codex-ts/app-server-protocol";
import { readBoundedFile, writeFileAtomically } from "@codex-ts/config-loader";
import { notAFile } from "./paths.js";

/**
 * The largest file `fs/readFile` reads. 0.166.0 reads up to 512 MiB; its answer, base64 in one JSON line, would
 * be ~683 million characters, more than a V8 string holds (~537 million), so we stop at 128 MiB (a ~171 MB line).
 */
export const FS_READ_FILE_MAX_BYTES = 128 * 1024 * 1024;
/** The most entries `fs/readDirectory` lists (0.166.0 lists any number): the answer is one JSON line. */
export const FS_READ_DIRECTORY_MAX_ENTRIES = 100_000;
/** Symlinks followed when writing through one, as the kernel's own limit (ELOOP). */
const MAX_SYMLINK_HOPS = 40;

/** A regular file's bytes, refused when it is not one (directory, FIFO, device) or larger than the cap. */
export function readFileBytes(p: string): Promise<Buffer> {
  return readBoundedFile(p, { maxBytes: FS_READ_FILE_MAX_BYTES });
}

/**
 * Where a write to `p` lands: `p`, or the file its symlinks lead to (0.166.0 opens the path, so a write through a
 * symlink changes its target; an atomic rename over `p` would replace the link instead). With its `lstat`, or
 * null when nothing is there yet.
 */
async function writeTarget(p: string): Promise<{ target: string; stats: Stats | null }> {
  let target = p;
  for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop++) {
    let stats: Stats;
    try {
      stats = await fs.lstat(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { target, stats: null };
      throw err;
    }
    if (!stats.isSymbolicLink()) return { target, stats };
    target = path.resolve(path.dirname(target), await fs.readlink(target));
  }
  throw Object.assign(new Error("symlink loop"), { code: "ELOOP", errno: -os.constants.errno.ELOOP });
}

const isADirectory = () =>
  Object.assign(new Error("is a directory"), { code: "EISDIR", errno: -os.constants.errno.EISDIR });

/**
 * Writes `bytes` to `p` atomically (temp file beside it, fsync, rename; an existing file's mode kept), through
 * symlinks. A directory is refused as the OS refuses it (`Is a directory (os error 21)`); a FIFO, socket or device
 * is refused as not a file, where 0.166.0 would write into it (and block on a FIFO without a reader).
 */
export async function writeFileBytes(p: string, bytes: Uint8Array): Promise<void> {
  const { target, stats } = await writeTarget(p);
  if (stats?.isDirectory()) throw isADirectory();
  if (stats && !stats.isFile()) throw notAFile(p);
  await writeFileAtomically(target, bytes);
}

/** `fs/copy` of one regular file: copied beside its destination, fsynced, renamed into place. */
async function copyFileAtomically(from: string, to: string): Promise<void> {
  const { target, stats } = await writeTarget(to);
  if (stats?.isDirectory()) throw isADirectory();
  if (stats && !stats.isFile()) throw notAFile(to);
  const temp = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await fs.copyFile(from, temp, constants.COPYFILE_EXCL);
    const handle = await fs.open(temp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/**
 * A directory's direct entries in the order the OS lists them, with what each resolves to (symlinks followed; a
 * dangling one is not listed).
 */
export async function listDirectory(
  p: string,
): Promise<{ fileName: string; isDirectory: boolean; isFile: boolean }[]> {
  const entries: { fileName: string; isDirectory: boolean; isFile: boolean }[] = [];
  const dir = await fs.opendir(p);
  for await (const entry of dir) {
    if (entries.length === FS_READ_DIRECTORY_MAX_ENTRIES)
      throw invalidRequest(`directory has more than ${FS_READ_DIRECTORY_MAX_ENTRIES} entries: ${p}`);
    let kind: { isDirectory(): boolean; isFile(): boolean } | null = entry;
    // A symlink is listed as what it resolves to; a dangling one is left out, as 0.166.0 leaves it out.
    if (entry.isSymbolicLink()) kind = await fs.stat(path.join(p, entry.name)).catch(() => null);
    if (!kind) continue;
    entries.push({ fileName: entry.name, isDirectory: kind.isDirectory(), isFile: kind.isFile() });
  }
  return entries;
}

/** `fs/remove`: a file or symlink unlinked, a directory removed (with its tree when `recursive`). */
export async function removePath(p: string, recursive: boolean, force: boolean): Promise<void> {
  let stats: Stats;
  try {
    stats = await fs.lstat(p);
  } catch (err) {
    if (force && (err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (!stats.isDirectory()) await fs.unlink(p);
  else if (recursive) await fs.rm(p, { recursive: true });
  else await fs.rmdir(p);
}

/** Whether `inner` is `outer` or lies under it (whole path components). */
const within = (outer: string, inner: string) =>
  inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

/** The destination as it will resolve: its nearest existing ancestor's real path, then the names still to create. */
async function resolvedDestination(p: string): Promise<string> {
  const missing: string[] = [];
  let existing = p;
  for (;;) {
    try {
      return path.join(await fs.realpath(existing), ...missing.reverse());
    } catch (err) {
      const parent = path.dirname(existing);
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || parent === existing) throw err;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** Copies a directory's tree: directories, regular files and symlinks (FIFOs, sockets and devices are skipped). */
async function copyTree(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(source, target);
    else if (entry.isFile()) await copyFileAtomically(source, target);
    else if (entry.isSymbolicLink()) await fs.symlink(await fs.readlink(source), target);
  }
}

/** `fs/copy`, as 0.166.0 copies: a file, a symlink (as a symlink) or, with `recursive`, a directory tree. */
export async function copyPath(from: string, to: string, recursive: boolean): Promise<void> {
  const stats = await fs.lstat(from);
  if (stats.isDirectory()) {
    if (!recursive) throw invalidRequest("fs/copy requires recursive: true when sourcePath is a directory");
    if (within(await fs.realpath(from), await resolvedDestination(to)))
      throw invalidRequest("fs/copy cannot copy a directory to itself or one of its descendants");
    await copyTree(from, to);
  } else if (stats.isSymbolicLink()) await fs.symlink(await fs.readlink(from), to);
  else if (stats.isFile()) await copyFileAtomically(from, to);
  else throw invalidRequest("fs/copy only supports regular files, directories, and symlinks");
}
