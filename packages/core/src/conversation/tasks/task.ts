import * as ev from "../../events/constructors.js";
import type { CodexEventMsg } from "../../events/types.js";
import type { Session } from "../session.js";
import type { TaskKind } from "../steering.js";
import { TurnAborted } from "../turn-aborted.js";

/** The task a submission runs (a turn, or a compaction): its id, its abort signal and what it will report. */
export interface RunningTask {
  readonly id: string;
  readonly signal: AbortSignal;
  /** `task_complete.last_agent_message`: the last assistant message so far. */
  lastAgentMessage: string | null;
}

/** Makes submission `id` the running task (interrupts now abort it) and emits `task_started`. */
export function startTask(session: Session, id: string, kind: TaskKind): RunningTask {
  const abort = session.beginTask(id, kind);
  session.emit(id, ev.taskStarted(session.contextWindow));
  return { id, signal: abort.signal, lastAgentMessage: null };
}

/**
 * Runs the task's work and closes it: `task_complete` when it succeeds; `turn_aborted` when it was interrupted
 * (or an approval answered `abort`); otherwise the failure as `error`, then `task_complete`.
 */
export async function settleTask(
  session: Session,
  task: RunningTask,
  work: () => Promise<void>,
  /** Runs when the task was interrupted, before `turn_aborted` is recorded (a turn's history marker). */
  onAborted?: () => void,
): Promise<void> {
  let closing: CodexEventMsg[] = [];
  try {
    await work();
    closing = [ev.taskComplete(task.lastAgentMessage)];
  } catch (err) {
    const aborted = task.signal.aborted || err instanceof TurnAborted;
    if (aborted) onAborted?.();
    closing = aborted
      ? [ev.turnAborted()]
      : [ev.error((err as Error).message), ev.taskComplete(task.lastAgentMessage)];
  } finally {
    await session.finishTask(task.id, closing);
  }
}
