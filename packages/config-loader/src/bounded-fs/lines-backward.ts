import type { FileHandle } from "node:fs/promises";
import type { LineSpan } from "./lines.js";

export interface BackwardSpanReadOptions {
  /** Offset reading stops at, going back (default 0); callers pass the start of a line. */
  startAt?: number;
  /** Offset the last line ends at (exclusive); callers pass the end of a line (past its newline) or EOF. */
  endAt: number;
  /** Longest line yielded, in bytes without its newline; longer lines come with `bytes: null`. */
  maxLineBytes: number;
  /** Size of each read (default 256 KiB). */
  chunkBytes?: number;
}

/**
 * Yields the lines of `[startAt, endAt)` of an open file last to first, as spans (the same spans the forward
 * reader gives, in reverse order), reading backwards in chunks as the consumer asks for more: a "newest first" page
 * of a long JSONL file costs that page. Memory is one chunk plus one line of at most `maxLineBytes`; a longer line
 * is dropped as soon as it passes the limit and reported with `bytes: null`. Each yielded `bytes` is its own copy.
 * A file that shrinks under the read ends it early. The handle stays open.
 */
export async function* readLineSpansBackward(
  handle: FileHandle,
  o: BackwardSpanReadOptions,
): AsyncGenerator<LineSpan> {
  const startAt = o.startAt ?? 0;
  const buffer = Buffer.allocUnsafe(o.chunkBytes ?? 256 * 1024);
  // The line being assembled ends at `lineEnd`; its pieces were read last-first.
  let lineEnd = o.endAt;
  let atLineEnd = true;
  let terminated = false;
  let pieces: Buffer[] = [];
  let held = 0;
  let skipping = false;
  const finish = (lineStart: number, piece: Buffer): LineSpan => {
    const bytes = skipping || held + piece.length > o.maxLineBytes ? null : Buffer.concat([piece, ...pieces]);
    const span = { start: lineStart, end: lineEnd, bytes, terminated };
    lineEnd = lineStart;
    atLineEnd = true;
    pieces = [];
    held = 0;
    skipping = false;
    return span;
  };
  for (let pos = o.endAt; pos > startAt; ) {
    const from = Math.max(startAt, pos - buffer.length);
    const got = await readFully(handle, buffer, pos - from, from);
    if (got < pos - from) return; // the file shrank: nothing below is trustworthy as lines
    pos = from;
    let hi = got;
    while (hi > 0) {
      if (atLineEnd) {
        // The line's own newline, when it has one, is its last byte.
        terminated = buffer[hi - 1] === 10;
        if (terminated) hi--;
        atLineEnd = false;
        continue;
      }
      const nl = buffer.lastIndexOf(10, hi - 1);
      if (nl === -1) {
        if (!skipping) {
          if (held + hi > o.maxLineBytes) {
            skipping = true;
            pieces = [];
            held = 0;
          } else {
            pieces.unshift(Buffer.from(buffer.subarray(0, hi)));
            held += hi;
          }
        }
        hi = 0;
      } else {
        yield finish(from + nl + 1, buffer.subarray(nl + 1, hi));
        hi = nl + 1;
      }
    }
  }
  if (lineEnd > startAt) yield finish(startAt, Buffer.alloc(0));
}

async function readFully(handle: FileHandle, buffer: Buffer, length: number, position: number) {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
