import * as ev from "../events/constructors.js";
import { type GhostSnapshotItem, startGhostSnapshot } from "../ghost-snapshot/task.js";
import type { Session } from "./session.js";

/**
 * A regular turn's ghost snapshot (0.58.0, `[features] ghost_commit`, on by default): a commit of the turn's cwd
 * taken beside the turn's model requests, so the turn's changes can be undone.
 *
 * - In a git work tree the commit becomes a `ghost_snapshot` item of the history and the rollout (requests leave it
 *   out; undo reads it). It is recorded when the first tool call of the turn is about to run (every tool waits for
 *   it, as 0.58.0's `tool_call_gate`, so no tool changes a file before its state was saved), else at the end of the
 *   turn. 0.58.0 recorded it whenever git finished, which put it in one of those two places in the recorded runs
 *   (before the first call's items, or after the turn's last message); here the place does not depend on timing.
 * - Otherwise the client hears why as a `background_event` ("Snapshots disabled: …") as soon as that is known.
 * - An interrupt cancels it silently; with the feature off there is nothing to wait for.
 */
export class TurnSnapshot {
  private readonly taken: Promise<void>;
  private item: GhostSnapshotItem | null = null;

  constructor(
    private readonly session: Session,
    turnId: string,
    signal: AbortSignal,
  ) {
    this.taken =
      session.config.features?.ghost_commit === false
        ? Promise.resolve()
        : startGhostSnapshot({
            cwd: session.settings.cwd,
            signal,
            record: (item) => {
              this.item = item;
            },
            notify: (message) => session.emit(turnId, ev.backgroundEvent(message)),
          });
  }

  /** Waits until the snapshot is taken (or known impossible) and records it, once. Never rejects. */
  async recorded(): Promise<void> {
    await this.taken;
    const item = this.item;
    this.item = null;
    if (item) this.session.record({ ...item });
  }
}
