import type { EventMsg, TurnAbortReason } from "@codex-ts/app-server-protocol";
import type { Op } from "@codex-ts/core";

/** Ops after which the core runs a task (`task_started` … `task_complete` / `turn_aborted`). */
const TASK_OPS = new Set<string>(["user_input", "user_turn", "context_turn", "compact", "review"]);

/**
 * Whether submitting `op` starts a task. A user shell command starts one only when no task runs (`running`): it
 * joins a running one.
 */
export function startsTask(op: Pick<Op, "type">, running: boolean): boolean {
  return TASK_OPS.has(op.type) || (op.type === "user_shell_command" && !running);
}

/**
 * Whether one conversation has a task running or about to start, and the interrupts waiting for it to end. An
 * interrupt of an idle conversation is answered at once (0.58.0 never answers it, and a client waiting for that
 * answer waits forever; the process then exits 13 at EOF). An interrupt that arrives before the task it is meant
 * for has started (sent together with the message that starts it) is applied again once that task starts, as
 * 0.58.0 applies it to the task its queue starts first.
 */
export class TurnActivity {
  /**
   * Task-starting submissions made whose `task_started` has not been seen yet, in submission order (tasks start
   * in that order), each with its id when the caller chose it.
   */
  private readonly pendingStarts: Array<string | undefined> = [];
  private readonly running = new Set<string>();
  private waiters: Array<(reason: TurnAbortReason) => void> = [];

  /** A task-starting op is about to be submitted (call before `submit`, so no event can come first). */
  expectStart(id?: string): void {
    this.pendingStarts.push(id);
  }

  /** The submission announced with `expectStart` failed: no task will start for it. */
  cancelStart(id?: string): void {
    const at = this.pendingStarts.lastIndexOf(id);
    this.pendingStarts.splice(at >= 0 ? at : this.pendingStarts.length - 1, 1);
  }

  get busy(): boolean {
    return this.running.size > 0 || this.pendingStarts.length > 0;
  }

  /**
   * The id of the task about to start (submitted with a chosen id, its `task_started` not seen yet), or null: the
   * turn a client was told about before the core began it.
   */
  get startingId(): string | null {
    return this.pendingStarts[0] ?? null;
  }

  /**
   * Resolves with the abort reason of the task running or about to start; `interrupted` at once when there is
   * none, or when the tasks end without being aborted (the interrupt came too late to stop them).
   */
  untilAborted(): Promise<TurnAbortReason> {
    if (!this.busy) return Promise.resolve("interrupted");
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Follows one core event of submission `id`; true when a waiting interrupt must be applied to a task just started. */
  observe(id: string, msg: EventMsg): boolean {
    switch (msg.type) {
      case "task_started":
        this.pendingStarts.shift();
        this.running.add(id);
        return this.waiters.length > 0;
      case "turn_aborted":
        this.running.delete(id);
        this.settle(msg.reason);
        return false;
      case "task_complete":
        this.running.delete(id);
        if (!this.busy) this.settle("interrupted");
        return false;
      case "shutdown_complete":
        this.running.clear();
        this.pendingStarts.length = 0;
        this.settle("interrupted");
        return false;
      default:
        return false;
    }
  }

  /**
   * The events will no longer be observed (the conversation is no longer followed): the interrupts waiting for them
   * are answered now instead of never.
   */
  releaseWaiters(): void {
    this.settle("interrupted");
  }

  private settle(reason: TurnAbortReason): void {
    for (const w of this.waiters.splice(0)) w(reason);
  }
}
