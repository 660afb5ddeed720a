import type { Transport, TransportExit, TransportSink } from "@codex-ts/app-server-client";

/**
 * A transport that can hand several messages to the connection as one write: while `together(fn)` runs, what the
 * client sends is held and then sent as one text of lines, so the server reads the requests together (as from a
 * client that pipelines them in one write). For line-framed transports (stdio, in-process streams), which is what
 * the harness drives; everything else passes straight through.
 */
export class OneWriteTransport implements Transport {
  private group: string[] | null = null;
  private groupSent: Promise<void> = Promise.resolve();

  constructor(readonly inner: Transport) {}

  get closed(): Promise<TransportExit> {
    return this.inner.closed;
  }

  start(sink: TransportSink): void {
    this.inner.start(sink);
  }

  send(message: string): Promise<void> {
    if (!this.group) return this.inner.send(message);
    this.group.push(message);
    return this.groupSent;
  }

  close(options?: { graceMs?: number }): Promise<TransportExit> {
    return this.inner.close(options);
  }

  /** Runs `fn` (synchronous) and sends every message it sent in one write; nested calls join the open group. */
  together<T>(fn: () => T): T {
    if (this.group) return fn();
    const lines: string[] = [];
    let settle: { resolve(): void; reject(err: unknown): void } | undefined;
    this.group = lines;
    this.groupSent = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    try {
      return fn();
    } finally {
      this.group = null;
      if (lines.length === 0) settle?.resolve();
      else this.inner.send(lines.join("\n")).then(settle?.resolve, settle?.reject);
    }
  }
}
