import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { Notification0166 } from "./notifications-0166.js";

/**
 * A thread's status as 0.166.0 announces it (`thread/status/changed`, only when it changes): idle between turns,
 * active while one runs — flagged `waitingOnApproval` while an approval is open, `waitingOnUserInput` while a
 * `request_user_input` question is — and `systemError` after a failed turn until the next one starts.
 */
export class ThreadStatus0166 {
  private status: gen0166.ThreadStatus = { type: "idle" };
  private openApprovals = 0;
  private openQuestions = 0;
  /** Approvals move the status only while a turn runs (one asked outside a turn changes nothing shown). */
  private turnRunning = false;

  constructor(private readonly threadId: string) {}

  get current(): gen0166.ThreadStatus {
    return this.status;
  }

  /** The status as it is (for a thread just loaded, which 0.166.0 announces once). */
  announce(): Notification0166 {
    return { method: "thread/status/changed", params: { threadId: this.threadId, status: this.status } };
  }

  set(status: gen0166.ThreadStatus): Notification0166[] {
    if (JSON.stringify(status) === JSON.stringify(this.status)) return [];
    this.status = status;
    return [this.announce()];
  }

  /** A turn starts: active, no approval open. */
  turnStarted(): Notification0166[] {
    this.openApprovals = 0;
    this.openQuestions = 0;
    this.turnRunning = true;
    return this.set(this.active());
  }

  /** A turn ended: idle, unless it failed (the failure already set `systemError`). */
  turnEnded(failed: boolean): Notification0166[] {
    this.openApprovals = 0;
    this.openQuestions = 0;
    this.turnRunning = false;
    return failed ? [] : this.set({ type: "idle" });
  }

  approvalOpened(): Notification0166[] {
    this.openApprovals += 1;
    return this.turnRunning ? this.set(this.active()) : [];
  }

  approvalClosed(): Notification0166[] {
    this.openApprovals = Math.max(0, this.openApprovals - 1);
    return this.turnRunning ? this.set(this.active()) : [];
  }

  userInputOpened(): Notification0166[] {
    this.openQuestions += 1;
    return this.turnRunning ? this.set(this.active()) : [];
  }

  userInputClosed(): Notification0166[] {
    this.openQuestions = Math.max(0, this.openQuestions - 1);
    return this.turnRunning ? this.set(this.active()) : [];
  }

  private active(): gen0166.ThreadStatus {
    const activeFlags: gen0166.ThreadActiveFlag[] = [];
    if (this.openApprovals > 0) activeFlags.push("waitingOnApproval");
    if (this.openQuestions > 0) activeFlags.push("waitingOnUserInput");
    return { type: "active", activeFlags };
  }
}
