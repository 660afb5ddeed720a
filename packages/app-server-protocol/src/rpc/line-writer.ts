import type { Writable } from "node:stream";

/** Above this many bytes (about: UTF-16 units) waiting to reach the client, the writer counts as backed up. */
export const DEFAULT_OUTPUT_HIGH_WATER_BYTES = 256 * 1024;

const RESOLVED = Promise.resolve();

/** A promise and its resolver, shared by every line waiting for the same moment. */
interface Gate {
  promise: Promise<void>;
  open: () => void;
}

function gate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * Writes whole lines in call order. Each line is one `write()` call, so messages never interleave. While the stream
 * signals backpressure, later lines wait in this writer's queue (never in the stream's buffer) until `drain`.
 *
 * The backlog (this queue plus what the stream holds) is what the peer watches: above the high-water mark the
 * writer is `backedUp`, and `room()` resolves once it is below it again. That is how the input side stops reading
 * and event producers wait for a slow client, instead of either piling up output in memory. Queued lines are bare
 * strings; the lines queued while the client is behind share one promise (settled once they have all been handed
 * over), so a backlog costs no object per line.
 */
export class LineWriter {
  private readonly queue: string[] = [];
  private head = 0;
  private queuedChars = 0;
  private draining = false;
  private broken = false;
  /** Settles when the queue is empty again (every queued line handed over). */
  private idle: Gate | null = null;
  /** Settles at the next `drain` (the line that filled the stream's buffer counts as handed over then). */
  private drained: Gate | null = null;
  /** Settles when the backlog is under the high-water mark again. */
  private roomGate: Gate | null = null;

  constructor(
    private readonly output: Writable,
    private readonly highWaterBytes: number = DEFAULT_OUTPUT_HIGH_WATER_BYTES,
  ) {
    const dropAll = () => {
      // A closed stdout (client gone) must not crash the process; further writes are dropped.
      this.broken = true;
      this.release();
    };
    output.on("error", dropAll);
    output.on("close", dropAll);
    output.on("drain", () => this.pump());
  }

  /** Queues one line; the promise settles when the line has been handed to the stream (or dropped: stream gone). */
  write(line: string): Promise<void> {
    if (this.isGone()) return RESOLVED;
    const text = `${line}\n`;
    if (!this.draining && this.pendingCount() === 0) {
      if (this.output.write(text)) return RESOLVED;
      // The stream took it but is now over its own mark: this line counts as handed over at the next drain.
      this.draining = true;
      this.drained ??= gate();
      return this.drained.promise;
    }
    this.queue.push(text);
    this.queuedChars += text.length;
    this.idle ??= gate();
    return this.idle.promise;
  }

  /** Bytes (about: UTF-16 units) waiting to reach the client: this writer's queue plus the stream's buffer. */
  get backlog(): number {
    return this.queuedChars + (this.isGone() ? 0 : this.output.writableLength);
  }

  get backedUp(): boolean {
    return this.backlog > this.highWaterBytes;
  }

  /** Resolves at once when the backlog is under the high-water mark, else once it is again. */
  room(): Promise<void> {
    if (!this.backedUp) return RESOLVED;
    this.roomGate ??= gate();
    return this.roomGate.promise;
  }

  /** Resolves once every line queued so far has been handed to the stream. */
  flushed(): Promise<void> {
    if (this.pendingCount() === 0) return RESOLVED;
    this.idle ??= gate();
    return this.idle.promise;
  }

  private isGone(): boolean {
    return this.broken || this.output.destroyed || this.output.writableEnded;
  }

  private pendingCount(): number {
    return this.queue.length - this.head;
  }

  /** On `drain`: hands queued lines to the stream until it pushes back again. */
  private pump(): void {
    this.draining = false;
    this.open("drained");
    while (this.pendingCount() > 0 && !this.isGone()) {
      const text = this.queue[this.head] as string;
      this.queue[this.head] = "";
      this.head++;
      this.queuedChars -= text.length;
      if (!this.output.write(text)) {
        this.draining = true;
        break;
      }
    }
    this.compact();
    if (this.isGone()) {
      this.release();
      return;
    }
    if (this.pendingCount() === 0) this.open("idle");
    if (!this.backedUp) this.open("roomGate");
  }

  private open(which: "idle" | "drained" | "roomGate"): void {
    const g = this[which];
    this[which] = null;
    g?.open();
  }

  /** Drops the handed-over prefix of the queue once it is a large part of it (amortised O(1) dequeue). */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The stream is gone: every waiter is released and queued lines are dropped. */
  private release(): void {
    this.queue.length = 0;
    this.head = 0;
    this.queuedChars = 0;
    this.open("drained");
    this.open("idle");
    this.open("roomGate");
  }
}
