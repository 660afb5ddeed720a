import type { QueueStore } from "@codex-ts/core";
import type { LoadedThread } from "./loaded-thread.js";

/** How often 0.166.0 looks for other processes' changes to the queue database. */
export const QUEUE_POLL_MS = 10_000;

/**
 * Notices other processes' changes to the queue database (another app server on the same CODEX_HOME, a `codex
 * queue` command), as 0.166.0 does: every 10 s it reads SQLite's `data_version`, which moves only when another
 * connection committed, and when it moved each loaded thread checks its queue's revision
 * (`QueueDriver.noticeExternalChange`). The timer does not keep the process alive.
 */
export class QueueWatcher {
  private timer: NodeJS.Timeout | null = null;
  private version: number | null = null;

  constructor(
    private readonly store: QueueStore,
    private readonly threads: () => Iterable<LoadedThread>,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), QUEUE_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    // With no loaded thread keeping a queue there is nothing to tell, and the database is not opened (or created).
    const queued = [...this.threads()].filter((t) => t.queue);
    if (queued.length === 0) return;
    let version: number;
    try {
      version = this.store.dataVersion();
    } catch (err) {
      this.log(`thread queue: ${(err as Error).message}`);
      return;
    }
    if (version === this.version) return;
    this.version = version;
    for (const thread of queued) thread.queue?.noticeExternalChange();
  }
}
