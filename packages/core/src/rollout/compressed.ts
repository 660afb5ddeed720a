import { open, rename, stat, unlink, utimes } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { openRegularFile } from "@codex-ts/config-loader";
import { isFile } from "./is-file.js";

/**
 * codex 0.166.0's `rollout/compress` replaces old rollouts by `rollout-….jsonl.zst` (one zstd frame, the file's
 * mtime kept) and decompresses one back to `.jsonl` when it resumes it. This server lists them (their heads are
 * decompressed as far as a head needs) and restores one to `.jsonl` the first time anything reads or resumes it, as
 * 0.166.0's resume does, so every reader of plain rollouts works on it unchanged. The decoder is fzstd (pure
 * JavaScript: Node 20 has no zstd), loaded on first use.
 */

export const COMPRESSED_SUFFIX = ".jsonl.zst";

/** Whether a rollout path names a compressed rollout. */
export const isCompressed = (path: string) => path.endsWith(COMPRESSED_SUFFIX);

/** The plain rollout a compressed one restores to. */
export const restoredPathOf = (path: string) => path.slice(0, -".zst".length);

const CHUNK = 64 * 1024;

type Decoder = { push(chunk: Uint8Array, final?: boolean): unknown };

async function decoder(ondata: (data: Uint8Array, final?: boolean) => void): Promise<Decoder> {
  const { Decompress } = await import("fzstd");
  return new Decompress(ondata);
}

/**
 * Streams the decompressed bytes of a compressed rollout to `sink`, one input chunk at a time (memory: a chunk of
 * input and what it expands to), until `sink` returns false or the frame ends. Only a regular file is read.
 */
async function decompressTo(
  path: string,
  sink: (data: Uint8Array) => boolean | Promise<boolean>,
): Promise<void> {
  const { handle, size } = await openRegularFile(path);
  try {
    const pending: Uint8Array[] = [];
    const d = await decoder((data) => {
      if (data.length > 0) pending.push(data);
    });
    for (let at = 0; at < size; ) {
      // A buffer of its own per chunk: the decoder may keep a chunk it could not finish until the next one.
      const input = Buffer.allocUnsafe(Math.min(CHUNK, size - at));
      const { bytesRead } = await handle.read(input, 0, input.length, at);
      if (bytesRead === 0) break;
      at += bytesRead;
      d.push(input.subarray(0, bytesRead), at >= size);
      for (const data of pending.splice(0)) if (!(await sink(data))) return;
    }
  } finally {
    await handle.close();
  }
}

/** The first `maxBytes` (or fewer: the whole content) of a compressed rollout's content, and whether that is all. */
export async function decompressPrefix(
  path: string,
  maxBytes: number,
): Promise<{ bytes: Buffer; whole: boolean }> {
  const parts: Uint8Array[] = [];
  let held = 0;
  let whole = true;
  await decompressTo(path, (data) => {
    parts.push(data);
    held += data.length;
    if (held < maxBytes) return true;
    whole = false;
    return false;
  });
  const bytes = Buffer.concat(parts);
  return whole ? { bytes, whole } : { bytes: bytes.subarray(0, maxBytes), whole };
}

/**
 * Calls `onLine` with each complete line of a compressed rollout's content (without its newline) and the offset it
 * starts at in the decompressed bytes, in order, until it returns false or the content ends: a search reads a
 * compressed thread in place, never writing it. A line longer than `maxLineBytes` is skipped, not held.
 */
export async function forEachCompressedLine(
  path: string,
  maxLineBytes: number,
  onLine: (line: Buffer, offset: number) => boolean,
): Promise<void> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineStart = 0;
  let skipping = false;
  let at = 0;
  await decompressTo(path, (data) => {
    const chunk = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
      const part = chunk.subarray(from, nl);
      const line = skipping ? null : pending.length > 0 ? Buffer.concat([...pending, part]) : part;
      if (line && !onLine(line, lineStart)) return false;
      lineStart = at + nl + 1;
      pending = [];
      pendingBytes = 0;
      skipping = false;
      from = nl + 1;
    }
    if (!skipping && from < chunk.length) {
      pendingBytes += chunk.length - from;
      if (pendingBytes > maxLineBytes) {
        skipping = true;
        pending = [];
      } else pending.push(Buffer.from(chunk.subarray(from))); // the decoder may reuse its output buffer
    }
    at += chunk.length;
    return true;
  });
}

/**
 * Restores a compressed rollout next to itself as `.jsonl` (a temp file, fsync, rename; the compressed file's
 * mtime kept, so listings order it as before), then removes the compressed file; returns the restored path. A
 * `.jsonl` already there (0.166.0 restored it meanwhile) is kept and returned as it is. A frame that does not
 * decode leaves everything as it was and throws.
 */
export async function restoreCompressed(path: string): Promise<string> {
  const target = restoredPathOf(path);
  if (await isFile(target)) return target;
  const { mtimeMs, atimeMs } = await stat(path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  const out = await open(temp, "wx", 0o644);
  try {
    await decompressTo(path, async (data) => {
      await out.write(data);
      return true;
    });
    await out.sync();
    await out.close();
    await utimes(temp, atimeMs / 1000, mtimeMs / 1000);
    await rename(temp, target);
  } catch (err) {
    await out.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await unlink(path).catch(() => undefined);
  return target;
}
