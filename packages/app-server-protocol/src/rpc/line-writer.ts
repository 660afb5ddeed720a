import type { Writable } from "node:stream";

/** Above this many bytes waiting to reach the client, the writer counts as backed up (`DEFAULT_OUTPUT_HIGH_WATER`). */
export const DEFAULT_OUTPUT_HIGH_WATER_BYTES = 1024 * 1024;

const RESOLVED = Promise.resolve();

interface QueuedLine {
  text: string;
  handed: (() => void) | null;
}

/**
 * Writes whole lines in call order. Each line is one `write()` call, so messages never interleave. While the stream
 * signals backpressure, later lines wait in this writer's queue (never in the stream's buffer) until `drain`.
 *
 * The backlog (this queue plus what the stream holds) is what the peer watches: above the high-water mark the
 * writer is `backedUp`, and `room()` resolves once it is below it again. That is how the input side stops reading
 * and event producers wait for a slow client, instead of either piling up output in memory.
 */
export class LineWriter {
  private readonly queue: QueuedLine[] = [];
  private head = 0;
  private queuedChars = 0;
  private draining = false;
  private broken = false;
  private idleWaiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];

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
      return new Promise((resolve) => this.drainWaiters.push(resolve));
    }
    return new Promise((resolve) => {
      this.queue.push({ text, handed: resolve });
      this.queuedChars += text.length;
    });
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
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once every line queued so far has been handed to the stream. */
  flushed(): Promise<void> {
    if (this.pendingCount() === 0) return RESOLVED;
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    for (const w of this.drainWaiters.splice(0)) w();
    while (this.pendingCount() > 0 && !this.isGone()) {
      const next = this.queue[this.head] as QueuedLine;
      this.queue[this.head] = { text: "", handed: null };
      this.head++;
      this.queuedChars -= next.text.length;
      const accepted = this.output.write(next.text);
      next.handed?.();
      if (!accepted) {
        this.draining = true;
        break;
      }
    }
    this.compact();
    if (this.isGone()) {
      this.release();
      return;
    }
    if (this.pendingCount() === 0) for (const w of this.idleWaiters.splice(0)) w();
    if (!this.backedUp) for (const w of this.roomWaiters.splice(0)) w();
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
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]?.handed?.();
    this.queue.length = 0;
    this.head = 0;
    this.queuedChars = 0;
    for (const w of this.drainWaiters.splice(0)) w();
    for (const w of this.idleWaiters.splice(0)) w();
    for (const w of this.roomWaiters.splice(0)) w();
  }
}
