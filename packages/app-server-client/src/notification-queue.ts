/**
 * An async iterator fed by pushes: values are buffered from its creation until they are read, so nothing that
 * arrives between two `next()` calls is lost. It ends when `end()` is called (the connection closed), when the
 * consumer stops (`break`, `return()`), or when its signal aborts (then `next()` rejects with the signal's reason).
 */
export class NotificationQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | null = null;
  private done = false;
  private failure: { reason: unknown } | null = null;

  constructor(
    private readonly onFinish: () => void,
    private readonly signal?: AbortSignal,
  ) {
    if (signal?.aborted) this.fail(signal.reason);
    else signal?.addEventListener("abort", this.abort, { once: true });
  }

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value, done: false });
    } else this.buffer.push(value);
  }

  /** No more values: what is buffered is still read, then the iteration ends. */
  end(): void {
    if (this.done) return;
    this.finish();
    if (this.waiting && this.buffer.length === 0) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.buffer.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.failure) return Promise.reject(this.failure.reason);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly abort = (): void => this.fail(this.signal?.reason);

  private fail(reason: unknown): void {
    if (this.done) return;
    this.failure = { reason };
    this.buffer.length = 0;
    this.finish();
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(reason);
    }
  }

  private finish(): void {
    this.done = true;
    this.signal?.removeEventListener("abort", this.abort);
    this.onFinish();
  }
}
