import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";

/**
 * Opening flags for every bounded read: read-only, never block in `open` (a FIFO with no writer, a tty), never
 * become the controlling terminal. O_NONBLOCK does not change reads of regular files; it only matters if the path
 * is swapped for something else between the check and the open, and then the fstat check refuses it.
 */
const NEVER_BLOCK = (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const OPEN_FLAGS = {
  read: constants.O_RDONLY | NEVER_BLOCK,
  /** Reading a file a directory listing showed as regular: a symlink swapped in since is refused. */
  readListed: constants.O_RDONLY | NEVER_BLOCK | (constants.O_NOFOLLOW ?? 0),
  /** Appending to an existing file: never creates it. */
  append: constants.O_WRONLY | constants.O_APPEND | NEVER_BLOCK,
} as const;

/**
 * A path the bounded readers refuse: not a regular file (`not-regular`), or larger than the caller's limit
 * (`too-large`). The message names neither the path nor any content; callers add the path where it is theirs
 * to show. There is no errno, so `osErrorText`-style renderers print the message.
 */
export class FileReadError extends Error {
  override readonly name = "FileReadError";
  constructor(
    readonly reason: "not-regular" | "too-large",
    message: string,
    /** For `not-regular`: what the path is instead, as `fileKind` words it (e.g. "a directory"). */
    readonly kind?: string,
  ) {
    super(message);
  }
}

/** Whether a failed open or stat means the path does not exist (it, or a directory on the way to it, is missing). */
export function isMissingPath(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** What a non-regular file is, in words for an error message. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

function notRegular(st: Stats): FileReadError {
  const kind = fileKind(st);
  return new FileReadError(
    "not-regular",
    kind === "not a regular file" ? kind : `not a regular file (${kind})`,
    kind,
  );
}

export function tooLarge(limit: number, size?: number): FileReadError {
  return new FileReadError(
    "too-large",
    size === undefined
      ? `file is larger than the limit of ${limit} bytes`
      : `file is too large (${size} bytes; the limit is ${limit} bytes)`,
  );
}

/**
 * Opens `path` for reading (or appending to an existing file) only if it is a regular file (symlinks followed).
 * The type is checked with `stat` before opening, so a FIFO, socket, device or directory is never opened (opening
 * a FIFO blocks a libuv pool thread until a writer appears), and again with `fstat` on the open handle, so a path
 * swapped in between is refused too. OS errors (ENOENT, EACCES, …) are thrown as they are.
 */
export async function openRegularFile(
  path: string,
  mode: "read" | "append" = "read",
): Promise<{ handle: FileHandle; size: number; stats: Stats }> {
  const before = await stat(path);
  if (!before.isFile()) throw notRegular(before);
  const handle = await open(path, OPEN_FLAGS[mode]);
  try {
    const after = await handle.stat();
    if (!after.isFile()) throw notRegular(after);
    return { handle, size: after.size, stats: after };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Options of `readFilePrefixSync`. */
export interface PrefixReadOptions {
  /** A buffer to read into (reused across calls by the caller); the bytes returned are a view of it. */
  into?: Buffer;
  /**
   * The caller found `path` as a regular file in a directory listing (a dirent of type file), as listing finds
   * rollouts: the stat before opening is skipped (one path lookup less per file, which is most of a small read's
   * cost), and the open refuses a symlink put in the file's place since (O_NOFOLLOW); the fstat after opening
   * still refuses anything but a regular file.
   */
  listedAsFile?: boolean;
}

/**
 * At most the first `maxBytes` of a regular file, read synchronously: the same checks as `openRegularFile` (stat
 * before opening, O_NONBLOCK, fstat after). For small reads on a path where the async round trips cost more than
 * the read (listing's file heads on a cold start); callers keep `maxBytes` small. Reads up to the size `fstat`
 * reports (so not `/proc` files, which report 0). Returns the bytes, that size and the fstat of the file read.
 */
export function readFilePrefixSync(
  path: string,
  maxBytes: number,
  o: PrefixReadOptions = {},
): { bytes: Buffer; size: number; stats: Stats } {
  if (!o.listedAsFile) {
    const before = statSync(path);
    if (!before.isFile()) throw notRegular(before);
  }
  const fd = openSync(path, o.listedAsFile ? OPEN_FLAGS.readListed : OPEN_FLAGS.read);
  try {
    const after = fstatSync(fd);
    if (!after.isFile()) throw notRegular(after);
    const want = Math.max(0, Math.min(maxBytes, after.size));
    const into = o.into;
    const buffer = into && into.length >= want ? into.subarray(0, want) : Buffer.allocUnsafe(want);
    let got = 0;
    while (got < buffer.length) {
      const n = readSync(fd, buffer, got, buffer.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: buffer.subarray(0, got), size: after.size, stats: after };
  } finally {
    closeSync(fd);
  }
}
