import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { openRegularFile, tooLarge } from "./regular-file.js";

/** Reads are at most this big, so a file never costs more than one chunk beyond what the caller keeps. */
const MAX_CHUNK = 1024 * 1024;
const MIN_CHUNK = 64 * 1024;

/**
 * Reads from the start of an open file until EOF or `limit` bytes. Chunks follow the size `fstat` reported
 * (clamped to 64 KiB–1 MiB), but the limit is counted on the bytes actually read: `/proc` files report size 0
 * and files can grow while being read.
 */
async function readUpTo(handle: FileHandle, size: number, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const want = Math.min(limit - total, Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, size - total)));
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(buffer, 0, want, total);
    if (bytesRead === 0) break;
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

/**
 * At most the first `maxBytes` of a regular file (a shorter file whole). Memory is bounded by `maxBytes`, never
 * by the limit alone: a 2 GiB budget on a 1 KiB file allocates about 64 KiB.
 */
export async function readFilePrefix(path: string, maxBytes: number): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path);
  try {
    return await readUpTo(handle, size, Math.max(0, maxBytes));
  } finally {
    await handle.close();
  }
}

/**
 * A whole regular file, refused with `FileReadError("too-large")` when it holds more than `maxBytes`: at once when
 * `fstat` says so (a 2 GiB sparse file costs nothing), else when the reading passes the limit. `vet`, when given,
 * sees the open file's `fstat` before anything is read and may throw to refuse it (e.g. a file that is one the
 * caller must never hand out, told by identity so links to it are caught too).
 */
export async function readBoundedFile(
  path: string,
  opts: { maxBytes: number; vet?: (stats: Stats) => void | Promise<void> },
): Promise<Buffer> {
  const { handle, size, stats } = await openRegularFile(path);
  try {
    await opts.vet?.(stats);
    if (size > opts.maxBytes) throw tooLarge(opts.maxBytes, size);
    const data = await readUpTo(handle, size, opts.maxBytes + 1);
    if (data.length > opts.maxBytes) throw tooLarge(opts.maxBytes);
    return data;
  } finally {
    await handle.close();
  }
}
