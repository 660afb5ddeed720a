import type { Writable } from "node:stream";

/**
 * Writes whole lines in call order. Each line is one `write()` call, so messages never interleave; when the
 * stream signals backpressure, later lines wait for `drain` instead of piling up in the stream's buffer.
 * The returned promise of `write` settles when the line has been handed to the stream, which lets producers
 * (e.g. event forwarding) slow down to the client's reading speed.
 */
export class LineWriter {
  private tail: Promise<void> = Promise.resolve();
  private broken = false;

  constructor(private readonly output: Writable) {
    output.on("error", () => {
      // A closed stdout (client gone) must not crash the process; further writes are dropped.
      this.broken = true;
    });
  }

  write(line: string): Promise<void> {
    const next = this.tail.then(() => this.writeNow(`${line}\n`));
    this.tail = next;
    return next;
  }

  /** Resolves once every line queued so far has been handed to the stream. */
  flushed(): Promise<void> {
    return this.tail;
  }

  private writeNow(text: string): Promise<void> {
    if (this.broken || this.output.destroyed || this.output.writableEnded) return Promise.resolve();
    const accepted = this.output.write(text);
    if (accepted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.output.off("drain", done);
        this.output.off("close", done);
        this.output.off("error", done);
        resolve();
      };
      this.output.on("drain", done);
      this.output.on("close", done);
      this.output.on("error", done);
    });
  }
}
