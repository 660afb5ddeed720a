import { open } from "node:fs/promises";

export interface LineReading {
  /** Size of the first read; each later read doubles it up to `maxChunk`. */
  firstChunk: number;
  maxChunk: number;
  /** Updated as the file is read, for callers that report how much they read. */
  progress?: { bytesRead: number };
}

/**
 * Yields a file's lines (without the newline) in order, reading in chunks as the consumer asks for more; a
 * consumer that stops early stops the reading, and the file is closed either way. The last line is yielded even
 * without a newline (it may be torn; parsers skip what does not parse).
 */
export async function* readLines(path: string, reading: LineReading): AsyncGenerator<string> {
  const handle = await open(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(reading.firstChunk);
    let pending: Buffer[] = [];
    let position = 0;
    for (;;) {
      if (position > 0 && buffer.length < reading.maxChunk) {
        buffer = Buffer.allocUnsafe(Math.min(buffer.length * 2, reading.maxChunk));
      }
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      if (reading.progress) reading.progress.bytesRead += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        const line = pending.length
          ? Buffer.concat([...pending, piece]).toString("utf8")
          : piece.toString("utf8");
        pending = [];
        start = nl + 1;
        yield line;
      }
      // The buffer is reused by the next read, so a partial line is copied out.
      if (start < bytesRead) pending.push(Buffer.from(chunk.subarray(start)));
    }
    if (pending.length) yield Buffer.concat(pending).toString("utf8");
  } finally {
    await handle.close();
  }
}
