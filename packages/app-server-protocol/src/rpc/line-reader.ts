import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

/** What the reader hands out: a complete line, or the head of a line that exceeded the size limit. */
export type LineEvent = { kind: "line"; line: string } | { kind: "oversized"; head: string; bytes: number };

/** How much of an oversized line is kept, so the caller can still find its request id. */
const OVERSIZED_HEAD_CHARS = 512;

/**
 * Splits a byte stream into newline-terminated lines (a trailing `\r` is stripped; a final unterminated
 * line is delivered at end of stream). A line longer than `maxLineBytes` is never buffered whole: the
 * reader keeps its first characters, skips the rest up to the next newline and reports it as oversized,
 * so a runaway client cannot exhaust memory.
 */
export class LineReader {
  private readonly decoder = new StringDecoder("utf8");
  private buffer = "";
  private bufferBytes = 0;
  private discarding: { head: string; bytes: number } | null = null;

  constructor(
    private readonly maxLineBytes: number,
    private readonly emit: (event: LineEvent) => void,
  ) {}

  /** Wires the reader to `input`; resolves when the stream ends or errors. */
  attach(input: Readable): Promise<void> {
    return new Promise((resolve) => {
      input.on("data", (chunk: Buffer | string) =>
        this.push(typeof chunk === "string" ? chunk : this.decoder.write(chunk)),
      );
      const finish = () => {
        this.end();
        resolve();
      };
      input.once("end", finish);
      input.once("close", finish);
      input.once("error", finish);
    });
  }

  push(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      const piece = nl === -1 ? text.slice(start) : text.slice(start, nl);
      this.append(piece);
      if (nl === -1) return;
      this.completeLine();
      start = nl + 1;
    }
  }

  /** Flushes a final line without a newline. Idempotent. */
  end(): void {
    const rest = this.decoder.end();
    if (rest) this.append(rest);
    if (this.buffer.length > 0 || this.discarding) this.completeLine();
  }

  private append(piece: string): void {
    if (piece.length === 0) return;
    const bytes = Buffer.byteLength(piece);
    if (this.discarding) {
      this.discarding.bytes += bytes;
      return;
    }
    if (this.bufferBytes + bytes > this.maxLineBytes) {
      const head = (this.buffer + piece.slice(0, OVERSIZED_HEAD_CHARS)).slice(0, OVERSIZED_HEAD_CHARS);
      this.discarding = { head, bytes: this.bufferBytes + bytes };
      this.buffer = "";
      this.bufferBytes = 0;
      return;
    }
    this.buffer += piece;
    this.bufferBytes += bytes;
  }

  private completeLine(): void {
    if (this.discarding) {
      const { head, bytes } = this.discarding;
      this.discarding = null;
      this.emit({ kind: "oversized", head, bytes });
      return;
    }
    let line = this.buffer;
    this.buffer = "";
    this.bufferBytes = 0;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.emit({ kind: "line", line });
  }
}
