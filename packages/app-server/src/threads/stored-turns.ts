import type { gen0166 } from "@codex-ts/app-server-protocol";
import { isNumberedRecord, type RolloutLineAt, type RolloutRange, type TurnEntry } from "@codex-ts/core";
import { reasoningItem, type ThreadItem0166 } from "../events/items-0166.js";
import { turnError } from "../events/notifications-0166.js";
import { type LineEffect, lineEffect } from "./stored-items.js";

/**
 * A stored turn as 0.166's `Turn`, built from its entry in the store's turn index and, unless the view is
 * `notLoaded`, from its own lines only (one byte range of the rollout, never the whole file).
 *
 * Turn ids are the index's: 0.166.0's `turn_id` for its rollouts, `rollout-<line>` for legacy ones (as 0.166.0
 * names them). Legacy items are numbered as 0.166.0 numbers them, `item-<n>` counting from 1 across the whole
 * thread: the turn index keeps how many came before each turn (`itemsBefore`), so a turn read alone, on any page,
 * gives its items the same ids as a read of the whole thread, and appends never renumber them.
 */

/** Reads a turn's lines (the store's `readLines`). */
export type ReadTurnLines = (
  path: string,
  range: RolloutRange,
  generation: string,
) => AsyncIterable<RolloutLineAt>;

const STATUS: Record<TurnEntry["status"], gen0166.TurnStatus> = {
  completed: "completed",
  failed: "failed",
  interrupted: "interrupted",
  inProgress: "inProgress",
};

/**
 * Where a turn's parts are in its rollout (filled by `storedTurn` when asked, for `thread/timeline/list`): each
 * line's position is its `ordinal` (0.166.0's rollouts) or its number among the file's records (as the turn index
 * and 0.166.0 number a legacy rollout's lines).
 */
export interface TurnTrace {
  items: Map<ThreadItem0166, number>;
  /** The `task_started` line, the turn's end (`task_complete` / `turn_aborted`), and its last line. */
  started: number | null;
  ended: number | null;
  last: number;
}

export async function storedTurn(
  entry: TurnEntry,
  view: gen0166.TurnItemsView,
  readLines: ReadTurnLines,
  trace?: TurnTrace,
): Promise<gen0166.Turn> {
  const turn: gen0166.Turn = {
    id: entry.turnId,
    rootTurnId: null,
    items: [],
    itemsView: view,
    status: STATUS[entry.status],
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
  };
  if (view === "notLoaded") {
    if (entry.explicit) {
      // Without reading the turn: its first and last lines' times (the task events' own, to the second).
      turn.rootTurnId = entry.turnId;
      turn.startedAt = entry.startedAtMs === null ? null : Math.floor(entry.startedAtMs / 1000);
      if (entry.status !== "inProgress" && entry.completedAtMs !== null) {
        turn.completedAt = Math.floor(entry.completedAtMs / 1000);
        if (entry.startedAtMs !== null) turn.durationMs = entry.completedAtMs - entry.startedAtMs;
      }
    }
    return turn;
  }
  let next = entry.itemsBefore + 1;
  const legacy = new WeakSet<ThreadItem0166>();
  let line = entry.firstLine;
  for await (const l of readLines(entry.path, entry, entry.generation)) {
    const record = l.record;
    if (!record || !isNumberedRecord(record)) continue;
    const at = typeof record.ordinal === "number" ? record.ordinal : line;
    line++;
    const effect = lineEffect(record, `item-${next}`);
    if (takesLegacyId(effect, turn)) next++;
    const before = turn.items.length;
    apply(turn, effect, legacy);
    if (trace) {
      for (const item of turn.items.slice(before)) trace.items.set(item, at);
      if (effect?.kind === "started") trace.started = at;
      if (effect?.kind === "completed" || effect?.kind === "aborted") trace.ended = at;
      trace.last = at;
    }
  }
  // A turn this server recorded for a 0.166 client has its items twice: as the live stream showed them
  // (`item_completed`) and as 0.58.0's events, kept for 0.58.0 and for 0.166.0's legacy reader. The first are shown.
  if (turn.items.some((i) => !legacy.has(i))) turn.items = turn.items.filter((i) => !legacy.has(i));
  return view === "full" ? turn : summaryView(turn);
}

/** Whether a line's item used up the legacy id it was offered (the turn index counts the same way, turn-scan.ts). */
function takesLegacyId(e: LineEffect, turn: gen0166.Turn): boolean {
  if (e?.kind === "item") return e.legacy === true && e.ownId !== true;
  return e?.kind === "reasoning" && turn.items.at(-1)?.type !== "reasoning";
}

/** Folds one line's effect into the turn being built; the items of 0.58.0's events go in `legacy` too. */
function apply(turn: gen0166.Turn, e: LineEffect, legacy: WeakSet<ThreadItem0166>): void {
  if (!e) return;
  switch (e.kind) {
    case "item":
      turn.items.push(e.item);
      if (e.legacy) legacy.add(e.item);
      break;
    case "reasoning": {
      const last = turn.items.at(-1);
      if (last?.type === "reasoning" && legacy.has(last)) {
        last.summary = [...(last.summary ?? []), ...e.summary];
        last.content = [...(last.content ?? []), ...e.content];
      } else {
        const item = reasoningItem(e.id, e.summary, e.content);
        turn.items.push(item);
        legacy.add(item);
      }
      break;
    }
    case "error":
      turn.status = "failed";
      // Worded and classified as the live `turn/completed` showed it.
      turn.error = turnError(e.message);
      break;
    case "aborted":
      turn.status = "interrupted";
      if (e.completedAt !== null) turn.completedAt = e.completedAt;
      if (e.durationMs !== null) turn.durationMs = e.durationMs;
      break;
    case "started":
      turn.rootTurnId = e.rootTurnId ?? turn.id;
      turn.startedAt = e.startedAt;
      break;
    case "completed":
      turn.completedAt = e.completedAt;
      turn.durationMs = e.durationMs;
      if (e.error) {
        turn.status = "failed";
        turn.error = e.error;
      }
      break;
  }
}

/** A turn as 0.166.0's `summary` view shows it: the user's message and the last agent message. */
export function summaryView(turn: gen0166.Turn): gen0166.Turn {
  const user = turn.items.find((i) => i.type === "userMessage");
  const answer = turn.items.findLast((i) => i.type === "agentMessage");
  const items: ThreadItem0166[] = [user, answer].filter((i) => i !== undefined);
  return { ...turn, items, itemsView: "summary" };
}
