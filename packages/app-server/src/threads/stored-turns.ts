import type { gen0166 } from "@codex-ts/app-server-protocol";
import { isNumberedRecord, type RolloutLineAt, type RolloutRange, type TurnEntry } from "@codex-ts/core";
import { reasoningItem, type ThreadItem0166 } from "../events/items-0166.js";
import { type LineEffect, lineEffect } from "./stored-items.js";

/**
 * A stored turn as 0.166's `Turn`, built from its entry in the store's turn index and, unless the view is
 * `notLoaded`, from its own lines only (one byte range of the rollout, never the whole file).
 *
 * Turn ids are the index's: 0.166.0's `turn_id` for its rollouts, `rollout-<line>` for legacy ones (as 0.166.0
 * names them). Legacy items get `item-<line>`, the 0-based line of the rollout they come from: 0.166.0 numbers a
 * legacy thread's items from its first line (`item-1`, `item-2`, …), which a page in the middle of a long
 * rollout cannot know without reading everything before it (README, deliberate differences).
 */

/** Reads a turn's lines (the store's `readLines`). */
export type ReadTurnLines = (
  path: string,
  range: RolloutRange,
  generation: string,
) => AsyncIterable<RolloutLineAt>;

const STATUS: Record<TurnEntry["status"], gen0166.TurnStatus> = {
  completed: "completed",
  interrupted: "interrupted",
  inProgress: "inProgress",
};

export async function storedTurn(
  entry: TurnEntry,
  view: gen0166.TurnItemsView,
  readLines: ReadTurnLines,
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
  let line = entry.firstLine;
  for await (const l of readLines(entry.path, entry, entry.generation)) {
    const record = l.record;
    // Lines are numbered as the index numbers them (the turn id's `rollout-<n>` counts the same way).
    if (!record || !isNumberedRecord(record)) continue;
    apply(turn, lineEffect(record, `item-${line}`));
    line++;
  }
  return view === "full" ? turn : summaryView(turn);
}

/** Folds one line's effect into the turn being built. */
function apply(turn: gen0166.Turn, e: LineEffect): void {
  if (!e) return;
  switch (e.kind) {
    case "item":
      turn.items.push(e.item);
      break;
    case "reasoning": {
      const last = turn.items.at(-1);
      if (last?.type === "reasoning") {
        last.summary = [...(last.summary ?? []), ...e.summary];
        last.content = [...(last.content ?? []), ...e.content];
      } else {
        turn.items.push(reasoningItem(e.id, e.summary, e.content));
      }
      break;
    }
    case "error":
      turn.status = "failed";
      turn.error = { message: e.message, codexErrorInfo: null, additionalDetails: null, misalignment: null };
      break;
    case "aborted":
      turn.status = "interrupted";
      break;
    case "started":
      turn.rootTurnId = e.rootTurnId ?? turn.id;
      turn.startedAt = e.startedAt;
      break;
    case "completed":
      turn.completedAt = e.completedAt;
      turn.durationMs = e.durationMs;
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
