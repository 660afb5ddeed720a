import type { GhostCommit } from "@codex-ts/app-server-protocol";
import { createGhostCommit, type GhostCommitOptions } from "./ghost-commit.js";
import { GitToolingError } from "./git.js";

/** The rollout/history item a snapshot becomes (`response_item` payload; never sent to the model). */
export interface GhostSnapshotItem {
  type: "ghost_snapshot";
  ghost_commit: GhostCommit;
}

/** 0.58.0's `background_event` text when the turn's cwd is not in a git work tree (sent every turn). */
export const SNAPSHOTS_DISABLED_NOT_A_REPO = "Snapshots disabled: current directory is not a Git repository.";

export type GhostSnapshotOutcome =
  | { kind: "snapshot"; item: GhostSnapshotItem }
  | { kind: "disabled"; message: string }
  | { kind: "cancelled" };

/**
 * Takes one turn's snapshot and says what the turn must do with it (0.58.0's ghost snapshot task):
 * - `snapshot`: record `item` in the conversation history and rollout (`response_item`);
 * - `disabled`: send `background_event {message}` — `Snapshots disabled: current directory is not a Git
 *   repository.` outside a work tree, `Snapshots disabled after ghost snapshot error: <error>.` when git fails,
 *   `Snapshots disabled after ghost snapshot panic: <error>.` on an unexpected exception;
 * - `cancelled`: nothing (the turn was interrupted first).
 * Never rejects. "Disabled" lasts for that turn only: the next turn tries again, as in 0.58.0.
 */
export async function takeGhostSnapshot(
  cwd: string,
  o: GhostCommitOptions = {},
): Promise<GhostSnapshotOutcome> {
  try {
    const commit = await createGhostCommit(cwd, o);
    return { kind: "snapshot", item: { type: "ghost_snapshot", ghost_commit: commit } };
  } catch (err) {
    if (o.signal?.aborted) return { kind: "cancelled" };
    if (err instanceof GitToolingError) {
      return {
        kind: "disabled",
        message:
          err.kind === "not-a-git-repository"
            ? SNAPSHOTS_DISABLED_NOT_A_REPO
            : `Snapshots disabled after ghost snapshot error: ${err.message}.`,
      };
    }
    const text = err instanceof Error ? err.message : String(err);
    return { kind: "disabled", message: `Snapshots disabled after ghost snapshot panic: ${text}.` };
  }
}

/**
 * Starts the snapshot of a turn in the background and returns the gate its tool calls wait on (0.58.0's
 * `tool_call_gate`): the promise resolves — never rejects — once the snapshot is recorded, reported as disabled or
 * cancelled, so a tool can never change a file before the state it changes was saved.
 */
export function startGhostSnapshot(o: {
  cwd: string;
  signal?: AbortSignal;
  maxUntrackedFileBytes?: number;
  /** Record the `ghost_snapshot` item (history + rollout). */
  record: (item: GhostSnapshotItem) => void;
  /** Send a `background_event` with this message. */
  notify: (message: string) => void;
}): Promise<void> {
  const opts: GhostCommitOptions = {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.maxUntrackedFileBytes !== undefined ? { maxUntrackedFileBytes: o.maxUntrackedFileBytes } : {}),
  };
  return takeGhostSnapshot(o.cwd, opts).then((outcome) => {
    if (outcome.kind === "snapshot") o.record(outcome.item);
    else if (outcome.kind === "disabled") o.notify(outcome.message);
  });
}
