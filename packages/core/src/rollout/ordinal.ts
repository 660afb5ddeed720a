import type { FileHandle } from "node:fs/promises";

/**
 * 0.166.0 numbers every line of a paginated rollout (`ordinal`, right after `timestamp`: 0 for the session_meta,
 * then one more per line; a fork by reference continues its parent's numbers). It refuses to resume a rollout whose
 * last line has none, so whoever appends to one continues the numbering from its last complete line.
 */

const CHUNK = 64 * 1024;
/** An ordinal is in a line's first bytes: `{"timestamp":"<RFC 3339>","ordinal":N,`. */
const HEAD_BYTES = 160;
const ORDINAL = /^\{"timestamp":"[^"]*","ordinal":(\d+),/;

/**
 * The ordinal the next line appended after byte `end` of `handle` takes: one more than the last complete line's
 * before `end` (0 when there is none). A last line without an ordinal (written by a writer that did not number
 * lines) leaves the count of complete lines, which is what consecutive numbering from 0 would give.
 */
export async function nextOrdinal(handle: FileHandle, end: number): Promise<number> {
  const lastStart = await lastLineStart(handle, end);
  if (lastStart === null) return 0;
  const head = Buffer.alloc(Math.min(HEAD_BYTES, end - lastStart));
  await handle.read(head, 0, head.length, lastStart);
  const m = ORDINAL.exec(head.toString("latin1"));
  if (m) return Number(m[1]) + 1;
  return countLines(handle, end);
}

/**
 * Where the last complete line before `end` starts (null: there is none). A torn tail (bytes after the last
 * newline) is not a line. Reads backwards in chunks, so a long last line costs its length, never the file's.
 */
async function lastLineStart(handle: FileHandle, end: number): Promise<number | null> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let lastNewline: number | null = null;
  for (let to = end; to > 0; ) {
    const from = Math.max(0, to - CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, to - from, from);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buffer[i] !== 10) continue;
      if (lastNewline === null) lastNewline = from + i;
      else return from + i + 1;
    }
    to = from;
  }
  return lastNewline === null ? null : 0;
}

async function countLines(handle: FileHandle, end: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let lines = 0;
  for (let pos = 0; pos < end; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, end - pos), pos);
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) if (buffer[i] === 10) lines++;
    pos += bytesRead;
  }
  return lines;
}
