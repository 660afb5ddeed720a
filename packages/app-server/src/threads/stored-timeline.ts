import { type gen0166, invalidRequest } from "@codex-ts/app-server-protocol";
import {
  decodeThreadCursor,
  encodeThreadCursor,
  encodeTurnCursor,
  type SessionsStore,
  type TurnEntry,
} from "@codex-ts/core";
import { storedTurn, type TurnTrace } from "./stored-turns.js";

/**
 * `thread/timeline/list`: a thread's history as one sequence of entries in rollout order — each turn's start, its
 * items, its end — each at its line's position (0.166.0's `ordinal`, or the line's number among a legacy rollout's
 * records). Pages run newest first (a page's entries oldest first, as 0.166.0 answers): a page reads the turns it
 * shows, newest first, one at a time through the turn index, never the whole rollout.
 */

export interface TimelineEntry {
  type: "turnStarted" | "item" | "turnCompleted";
  position: number;
  turnId: string;
  [field: string]: unknown;
}

const CURSOR_KIND = "timeline1";

/** The entries of one turn, in order. */
async function turnEntries(
  entry: TurnEntry,
  readLines: ReturnType<SessionsStore["lineReader"]>,
): Promise<TimelineEntry[]> {
  const trace: TurnTrace = { items: new Map(), started: null, ended: null, last: entry.firstLine };
  const turn = await storedTurn(entry, "full", readLines, trace);
  const out: TimelineEntry[] = [
    {
      type: "turnStarted",
      position: trace.started ?? entry.firstLine,
      turnId: turn.id,
      startedAt: turn.startedAt ?? null,
    },
  ];
  for (const item of turn.items)
    out.push({ type: "item", position: trace.items.get(item) ?? trace.last, turnId: turn.id, item });
  if (turn.status !== "inProgress")
    out.push({
      type: "turnCompleted",
      position: trace.ended ?? trace.last,
      turnId: turn.id,
      status: turn.status,
      error: turn.error ?? null,
      startedAt: turn.startedAt ?? null,
      completedAt: turn.completedAt ?? null,
      durationMs: turn.durationMs ?? null,
    });
  return out;
}

/** Where a page ends: before entry `index` of the turn at `position` (a page's first entry, from its cursor). */
interface TimelineAnchor {
  position: number;
  turnId: string;
  index: number;
}

function decodeTimelineCursor(cursor: string, threadId: string): TimelineAnchor {
  const [position, turnId, index] = decodeThreadCursor(
    cursor,
    CURSOR_KIND,
    threadId,
    "cursor",
    (f) =>
      f.length === 3 &&
      typeof f[1] === "string" &&
      [f[0], f[2]].every((n) => Number.isSafeInteger(n) && (n as number) >= 0),
  ) as [number, string, number];
  return { position, turnId, index };
}

/** One page: the `limit` entries before the cursor (or the newest), oldest first; `nextCursor` pages further back. */
export async function timelinePage(
  store: SessionsStore,
  threadId: string,
  cursor: string | null,
  limit: number,
): Promise<{ data: TimelineEntry[]; nextCursor: string | null }> {
  const anchor = cursor ? decodeTimelineCursor(cursor, threadId) : null;
  const readLines = store.lineReader();
  const newestFirst: { entry: TimelineEntry; at: TimelineAnchor }[] = [];
  let turnCursor = anchor
    ? encodeTurnCursor(threadId, { position: anchor.position, turnId: anchor.turnId, inclusive: true })
    : null;
  for (;;) {
    const page = await store.listTurns({ threadId }, { cursor: turnCursor, limit: 1, sortDirection: "desc" });
    const turn = page.turns[0];
    if (!turn) return { data: newestFirst.map((e) => e.entry).reverse(), nextCursor: null };
    if (anchor && turn.position === anchor.position && turn.turnId !== anchor.turnId)
      throw invalidRequest(`invalid cursor: turn ${anchor.turnId} is no longer in thread ${threadId}`);
    const entries = await turnEntries(turn, readLines);
    const upto =
      anchor && turn.position === anchor.position ? Math.min(anchor.index, entries.length) : entries.length;
    for (let i = upto - 1; i >= 0; i--) {
      const last = newestFirst.at(-1);
      if (newestFirst.length === limit && last) {
        const { position, turnId, index } = last.at;
        return {
          data: newestFirst.map((e) => e.entry).reverse(),
          nextCursor: encodeThreadCursor(CURSOR_KIND, threadId, [position, turnId, index]),
        };
      }
      newestFirst.push({
        entry: entries[i]!,
        at: { position: turn.position, turnId: turn.turnId, index: i },
      });
    }
    if (!page.nextCursor) return { data: newestFirst.map((e) => e.entry).reverse(), nextCursor: null };
    turnCursor = page.nextCursor;
  }
}

export type TimelineResponse = gen0166.ThreadTimelineListResponse;
