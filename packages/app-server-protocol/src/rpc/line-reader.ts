import type { Readable } from "node:stream";

/** What the reader hands out: a complete line, or the head of a line that exceeded the size limit. */
export type LineEvent = { kind: "line"; line: string } | { kind: "oversized"; head: string; bytes: number };

/** How much of an oversized line is kept, so the caller can still find its request id. */
const OVERSIZED_HEAD_CHARS = 512;
const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into newline-terminated lines (a trailing `\r` is stripped; a final unterminated
 * line is delivered at end of stream). A line is kept as the stream's own byte chunks and decoded once, when it is
 * complete (so a multi-byte character split across chunks is whole, and a long line costs one string, not a rope
 * of pieces plus its flattened copy). A line longer than `maxLineBytes` is never buffered whole: the reader keeps
 * its first bytes, skips the rest up to the next newline and reports it as oversized, so a runaway client cannot
 * exhaust memory.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private bytes = 0;
  private discarding: { head: string; bytes: number } | null = null;

  constructor(
    private readonly maxLineBytes: number,
    private readonly emit: (event: LineEvent) => void,
  ) {}

  /** Wires the reader to `input`; resolves when the stream ends or errors. */
  attach(input: Readable): Promise<void> {
    return new Promise((resolve) => {
      input.on("data", (chunk: Buffer | string) => this.push(chunk));
      const finish = () => {
        this.end();
        resolve();
      };
      input.once("end", finish);
      input.once("close", finish);
      input.once("error", finish);
    });
  }

  push(chunk: Buffer | string): void {
    const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(NEWLINE, start);
      this.append(data.subarray(start, nl === -1 ? data.length : nl));
      if (nl === -1) return;
      this.completeLine();
      start = nl + 1;
    }
  }

  /** Flushes a final line without a newline. Idempotent. */
  end(): void {
    if (this.bytes > 0 || this.discarding) this.completeLine();
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.discarding) {
      this.discarding.bytes += piece.length;
      return;
    }
    if (this.bytes + piece.length > this.maxLineBytes) {
      this.discarding = { head: this.headOf(piece), bytes: this.bytes + piece.length };
      this.parts = [];
      this.bytes = 0;
      return;
    }
    this.parts.push(piece);
    this.bytes += piece.length;
  }

  /** The first OVERSIZED_HEAD_CHARS characters of the line so far followed by `piece`. */
  private headOf(piece: Buffer): string {
    const want = OVERSIZED_HEAD_CHARS * 4;
    const taken: Buffer[] = [];
    let have = 0;
    for (const part of [...this.parts, piece]) {
      if (have >= want) break;
      taken.push(part.subarray(0, want - have));
      have += Math.min(part.length, want - have);
    }
    return Buffer.concat(taken, have).toString("utf8").slice(0, OVERSIZED_HEAD_CHARS);
  }

  private completeLine(): void {
    if (this.discarding) {
      const { head, bytes } = this.discarding;
      this.discarding = null;
      this.emit({ kind: "oversized", head, bytes });
      return;
    }
    const whole = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    const end = whole.length > 0 && whole[whole.length - 1] === CR ? whole.length - 1 : whole.length;
    this.emit({ kind: "line", line: whole.toString("utf8", 0, end) });
  }
}
