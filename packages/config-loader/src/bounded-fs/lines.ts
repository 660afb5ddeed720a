import type { FileHandle } from "node:fs/promises";
import { openRegularFile, tooLarge } from "./regular-file.js";

/** What a line read saw; the caller passes it in and reads it as the lines come. */
export interface LineReadStats {
  bytesRead: number;
  /** Lines longer than `maxLineBytes`: skipped as they streamed past, never held. */
  skippedLines: number;
  /** Reading stopped at `stopAfterBytes` before the end of the file. */
  stoppedEarly: boolean;
}

export interface LineReadOptions {
  /** Longest line yielded, in bytes without its newline; longer lines are skipped and counted. */
  maxLineBytes: number;
  /** Files bigger than this are refused (`FileReadError("too-large")`), by size before reading and as read. */
  maxFileBytes?: number;
  /** Reading stops after this many bytes (no error); a line cut there is not yielded. */
  stopAfterBytes?: number;
  /** Size of the first read (default 64 KiB); each later read doubles it up to `chunkBytes` (default 1 MiB). */
  firstChunkBytes?: number;
  chunkBytes?: number;
  stats?: LineReadStats;
}

/** Where a span read starts and ends, in bytes of the file. */
export interface SpanReadOptions extends LineReadOptions {
  /** Offset of the first byte read (default 0); callers pass the start of a line. */
  startAt?: number;
  /** Offset reading stops at (exclusive; default EOF). A line cut there is yielded with `terminated: false`. */
  endAt?: number;
}

/** One line of a file with its position: what byte-offset indexes (rollout turn indexes) are built from. */
export interface LineSpan {
  /** Offset of the line's first byte. */
  start: number;
  /** Offset just past the line's newline (or past its last byte when it has none). */
  end: number;
  /**
   * The line without its newline; only valid until the next span is requested (the read buffer is reused).
   * Null for a line longer than `maxLineBytes`: its bytes streamed past unheld (it is still counted in
   * `skippedLines`), and the span says where it was.
   */
  bytes: Buffer | null;
  /** False for the last line when it has no newline (possibly still being written) or is cut by `endAt`. */
  terminated: boolean;
}

export function emptyLineReadStats(): LineReadStats {
  return { bytesRead: 0, skippedLines: 0, stoppedEarly: false };
}

/**
 * Yields the lines of an open file as spans (positions + bytes), reading in chunks as the consumer asks for more,
 * from `startAt` up to `endAt` or EOF. Memory is one chunk plus one line of at most `maxLineBytes`: a longer line
 * is dropped as soon as it passes the limit and the bytes up to its newline are skipped. The handle stays open.
 */
export async function* readLineSpansFrom(
  handle: FileHandle,
  size: number,
  o: SpanReadOptions,
): AsyncGenerator<LineSpan> {
  const stats = o.stats ?? emptyLineReadStats();
  const maxChunk = o.chunkBytes ?? 1024 * 1024;
  const maxFile = o.maxFileBytes ?? Number.POSITIVE_INFINITY;
  const startAt = o.startAt ?? 0;
  const stopAfter = startAt + (o.stopAfterBytes ?? Number.POSITIVE_INFINITY);
  const endAt = Math.min(o.endAt ?? Number.POSITIVE_INFINITY, stopAfter);
  if (size > maxFile) throw tooLarge(maxFile, size);
  let buffer = Buffer.allocUnsafe(Math.min(o.firstChunkBytes ?? 64 * 1024, maxChunk));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let position = startAt;
  let lineStart = startAt;
  for (;;) {
    if (position >= endAt) {
      if (position >= stopAfter && endAt === stopAfter) {
        stats.stoppedEarly = true;
        return; // the line in progress is cut at the byte budget: not yielded
      }
      break;
    }
    if (position > startAt && buffer.length < maxChunk) {
      buffer = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxChunk));
    }
    const want = Math.min(buffer.length, endAt - position);
    const { bytesRead } = await handle.read(buffer, 0, want, position);
    if (bytesRead === 0) break;
    const chunkStart = position;
    position += bytesRead;
    stats.bytesRead += bytesRead;
    if (position > maxFile) throw tooLarge(maxFile);
    const chunk = buffer.subarray(0, bytesRead);
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      const spanStart = lineStart;
      lineStart = chunkStart + start;
      if (skipping || pendingBytes + piece.length > o.maxLineBytes) {
        skipping = false;
        pending = [];
        pendingBytes = 0;
        stats.skippedLines++;
        yield { start: spanStart, end: lineStart, bytes: null, terminated: true };
        continue;
      }
      const line = pendingBytes ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      yield { start: spanStart, end: lineStart, bytes: line, terminated: true };
    }
    if (start < bytesRead && !skipping) {
      if (pendingBytes + (bytesRead - start) > o.maxLineBytes) {
        skipping = true;
        pending = [];
        pendingBytes = 0;
      } else {
        // The buffer is reused by the next read, so a partial line is copied out.
        pending.push(Buffer.from(chunk.subarray(start)));
        pendingBytes += bytesRead - start;
      }
    }
  }
  if (lineStart === position) return;
  if (skipping) {
    stats.skippedLines++;
    yield { start: lineStart, end: position, bytes: null, terminated: false };
  } else if (pendingBytes) {
    yield { start: lineStart, end: position, bytes: Buffer.concat(pending), terminated: false };
  }
}

/**
 * Yields the lines of a regular file (see `openRegularFile`) as spans; see `readLineSpansFrom`. The file is
 * closed when the consumer stops, early or not.
 */
export async function* readBoundedLineSpans(path: string, o: SpanReadOptions): AsyncGenerator<LineSpan> {
  const { handle, size } = await openRegularFile(path);
  try {
    yield* readLineSpansFrom(handle, size, o);
  } finally {
    await handle.close();
  }
}

/**
 * Yields the lines of a regular file (see `openRegularFile`), without their newline, reading in chunks as the
 * consumer asks for more; a consumer that stops early stops the reading, and the file is closed either way. Memory
 * is one chunk plus one line of at most `maxLineBytes`, whatever the file holds: a longer line is dropped as soon
 * as it passes the limit and the bytes up to its newline are skipped. The last line is yielded even without a
 * newline (it may be torn; parsers skip what does not parse). Text is decoded as UTF-8, invalid bytes as U+FFFD.
 */
export async function* readBoundedLines(path: string, o: LineReadOptions): AsyncGenerator<string> {
  for await (const span of readBoundedLineSpans(path, o)) {
    if (span.bytes) yield span.bytes.toString("utf8");
  }
}
