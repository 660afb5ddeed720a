import { runCompaction } from "../../compact/index.js";
import { compactionHost } from "../compaction-host.js";
import type { Session } from "../session.js";
import { settleTask, startTask } from "./task.js";

/**
 * The `compact` op: a task of its own around the same compaction a turn runs when it reaches the auto-compact
 * limit (compact/run.ts). A failed request has already been reported as `error`; the task still completes.
 */
export async function runCompactTask(session: Session, id: string): Promise<void> {
  const task = startTask(session, id, "compact");
  await settleTask(session, task, async () => {
    await session.historyReady();
    await runCompaction(compactionHost(session, id), task.signal);
  });
}
