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

export function emptyLineReadStats(): LineReadStats {
  return { bytesRead: 0, skippedLines: 0, stoppedEarly: false };
}

/**
 * Yields the lines of a regular file (see `openRegularFile`), without their newline, reading in chunks as the
 * consumer asks for more; a consumer that stops early stops the reading, and the file is closed either way. Memory
 * is one chunk plus one line of at most `maxLineBytes`, whatever the file holds: a longer line is dropped as soon
 * as it passes the limit and the bytes up to its newline are skipped. The last line is yielded even without a
 * newline (it may be torn; parsers skip what does not parse). Text is decoded as UTF-8, invalid bytes as U+FFFD.
 */
export async function* readBoundedLines(path: string, o: LineReadOptions): AsyncGenerator<string> {
  const stats = o.stats ?? emptyLineReadStats();
  const maxChunk = o.chunkBytes ?? 1024 * 1024;
  const maxFile = o.maxFileBytes ?? Number.POSITIVE_INFINITY;
  const stopAfter = o.stopAfterBytes ?? Number.POSITIVE_INFINITY;
  const { handle, size } = await openRegularFile(path);
  try {
    if (size > maxFile) throw tooLarge(maxFile, size);
    let buffer = Buffer.allocUnsafe(Math.min(o.firstChunkBytes ?? 64 * 1024, maxChunk));
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let skipping = false;
    let position = 0;
    for (;;) {
      if (position >= stopAfter) {
        stats.stoppedEarly = true;
        return; // the line in progress is cut: not yielded
      }
      if (position > 0 && buffer.length < maxChunk) {
        buffer = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxChunk));
      }
      const want = Math.min(buffer.length, stopAfter - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      stats.bytesRead += bytesRead;
      if (position > maxFile) throw tooLarge(maxFile);
      const chunk = buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        start = nl + 1;
        if (skipping || pendingBytes + piece.length > o.maxLineBytes) {
          skipping = false;
          pending = [];
          pendingBytes = 0;
          stats.skippedLines++;
          continue;
        }
        const line = pendingBytes ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        yield line.toString("utf8");
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
    if (skipping) stats.skippedLines++;
    else if (pendingBytes) yield Buffer.concat(pending).toString("utf8");
  } finally {
    await handle.close();
  }
}
