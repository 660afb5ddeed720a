import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { AdminServices0166 } from "./services.js";

/**
 * Which threads stay loaded. A thread no connection follows any more (the last one unsubscribed) is unloaded once it
 * has been idle (no turn running) for the unload delay, and `thread/closed` is sent; resuming it before then follows
 * it again (the timer then finds it followed and lets it be). Archive and delete unload a thread at once.
 */
export class ThreadResidency {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly s: AdminServices0166) {}

  /** `thread/unsubscribe`: stops following the thread and schedules its unload. */
  unsubscribe(id: string): gen0166.ThreadUnsubscribeStatus {
    const thread = this.s.registry.get(id);
    if (!thread) return "notLoaded";
    if (!this.s.follows.has(id)) return "notSubscribed";
    this.s.follows.delete(id);
    // Another connection still following it keeps it loaded (its own unsubscribe schedules the unload).
    if (!this.s.follows.anyone(id)) this.schedule(id);
    return "unsubscribed";
  }

  /**
   * Unloads a thread now (before its rollout is archived or deleted): stops following it, shuts its conversation
   * down (the recorder is flushed and closed) and says it is no longer loaded (0.166.0 says so to a client that
   * unsubscribed too). False when it was not loaded.
   */
  async unload(id: string): Promise<boolean> {
    this.cancel(id);
    const loaded = this.s.registry.get(id);
    if (!loaded) return false;
    // Its turn ends first, announced as interrupted while the thread is still followed (0.166.0's order).
    await loaded.endRunningTurns();
    const thread = this.s.registry.remove(id);
    if (!thread) return false;
    void this.s.announcer.notify("thread/status/changed", { threadId: id, status: { type: "notLoaded" } });
    await this.s.runtime.remove?.(id);
    return true;
  }

  /** Stops every pending unload (server shutdown). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(id: string): void {
    this.cancel(id);
    const timer = setTimeout(() => void this.expire(id), this.s.unloadDelayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  private cancel(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }

  private async expire(id: string): Promise<void> {
    this.timers.delete(id);
    const thread = this.s.registry.get(id);
    if (!thread || this.s.follows.anyone(id)) return;
    // A turn still running keeps the thread: look again after another delay.
    if (thread.currentTask()) return this.schedule(id);
    if (await this.unload(id)) void this.s.announcer.notify("thread/closed", { threadId: id });
  }
}
