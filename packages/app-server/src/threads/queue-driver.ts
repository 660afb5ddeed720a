import type { CoreEvent, QueuedItemRow, QueueStore } from "@codex-ts/core";
import type { LoadedThread } from "./loaded-thread.js";
import { wireInput } from "./queued-input.js";
import { inputItem0166 } from "./user-input-0166.js";

/**
 * A loaded thread's queue at work, as 0.166.0 runs it: each change is announced to the thread's clients
 * (`thread/queue/changed`, the thread's id only: they list the queue again); once a turn ended other than by an
 * interrupt, and the thread is idle, the first queued message starts as the next turn (a queued message added to an
 * idle thread starts at once, one queued on a resumed idle thread when it is resumed). An interrupt pauses the queue
 * until a turn starts again (`turn/start`, `thread/queue/start`). A message leaves the queue only once its turn was
 * accepted: one the turn path refuses stays first (and is logged).
 */
export class QueueDriver {
  private paused = false;
  private stopped = false;
  /** A start in progress: one at a time, so that two drains never take the same message. */
  private starting = false;
  /** The queue's revision as this server last announced it (see `noticeExternalChange`). */
  private revision: number;

  constructor(
    private readonly thread: LoadedThread,
    private readonly store: QueueStore,
    private readonly log: (message: string) => void,
  ) {
    this.revision = this.currentRevision();
  }

  /** Sees a core event after the thread's notifications for it are sent. */
  after(event: CoreEvent): void {
    const msg = event.msg;
    if (msg.type === "task_started") this.paused = false;
    else if (msg.type === "turn_aborted" && msg.reason === "interrupted") this.paused = true;
    else if (msg.type === "task_complete") void this.startNextIfIdle();
  }

  /**
   * Tells the thread's clients that its queue changed (this server changed it: its revision is noted). Nothing once
   * the thread was unloaded: a request that found it loaded may finish after the unload, and its clients were told
   * it closed.
   */
  changed(): void {
    if (this.stopped) return;
    this.revision = this.currentRevision();
    this.thread.send({ method: "thread/queue/changed", params: { threadId: this.thread.id } });
  }

  /**
   * Another process changed the queue file (see `QueueWatcher`): when this thread's queue is among what changed, its
   * clients are told and, idle, it starts its first message, as 0.166.0 picks up a message another process queued.
   */
  noticeExternalChange(): void {
    if (this.stopped || this.currentRevision() === this.revision) return;
    this.changed();
    void this.startNextIfIdle();
  }

  /** Whether no turn runs or is starting (a client may start a queued message: `thread/queue/start`). */
  free(): boolean {
    return !this.starting && !this.thread.currentTask();
  }

  /** Whether the thread was unloaded (its queue starts nothing more; see `stop`). */
  get unloaded(): boolean {
    return this.stopped;
  }

  /** Whether the queue starts its next message on its own now: the thread is free and the queue not paused. */
  idle(): boolean {
    return !this.stopped && !this.paused && this.free();
  }

  /** On resume: paused when the thread's last turn was `interrupted`; else its first message starts when idle. */
  resumed(o: { interrupted: boolean }): void {
    if (this.stopped) return;
    if (o.interrupted) this.paused = true;
    void this.startNextIfIdle();
  }

  /** The thread was unloaded: nothing more starts. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Starts the first queued message when the thread is idle (`idle`); its turn id, null when nothing started. A
   * failure (the store, a message the turn path refuses) is logged: the message stays queued.
   */
  async startNextIfIdle(): Promise<string | null> {
    if (!this.idle()) return null;
    try {
      const next = this.store.list(this.thread.id)[0];
      return next ? await this.start(next) : null;
    } catch (err) {
      this.log(`queued message of thread ${this.thread.id} did not start: ${(err as Error).message}`);
      return null;
    }
  }

  /**
   * Starts `row` as a turn through the path every user turn takes, announced before the turn's own notifications,
   * then takes it off the queue. The turn's notifications are held meanwhile (a request answering with the turn
   * releases them after its answer: hold the thread around this call).
   */
  async start(row: QueuedItemRow): Promise<string> {
    if (this.stopped) throw new Error(`thread ${this.thread.id} was unloaded`);
    const items = row.content.map((c) => inputItem0166(wireInput(c)));
    this.starting = true;
    // Announced before the thread's notifications are held: out at once unless something holds them already (a
    // request about to answer, the end of the turn before), so after an `add`'s own change and before its answer.
    this.changed();
    const hold = this.thread.hold();
    try {
      const turnId = await this.thread.startUserTurn(items, { clientUserMessageId: row.clientId });
      this.store.delete(this.thread.id, row.id);
      this.revision = this.currentRevision();
      return turnId;
    } finally {
      this.starting = false;
      hold.release();
    }
  }

  /** The queue's revision in the file; a database failure reads as no change. */
  private currentRevision(): number {
    try {
      return this.store.revision(this.thread.id);
    } catch {
      return this.revision ?? 0;
    }
  }
}
