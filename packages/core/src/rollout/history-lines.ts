import { type RolloutLineAt, readRolloutRange, readRolloutRangeBackward } from "./rollout-read.js";
import { InvalidCursorError } from "./thread-list.js";
import {
  decodeThreadCursor,
  encodeThreadCursor,
  type SegmentTurns,
  type SortDirection,
  type TurnEntry,
  TurnNotFoundError,
} from "./turn-pages.js";

/**
 * The lines of a thread's turns, in either direction, from a cursor: what `thread/items/list` pages are built from.
 * Items are the protocol's projection of these lines (one `item_completed` line per item in 0.166.0's rollouts,
 * begin/end events and response items in 0.58.0's), so the caller reads lines until it has a page of items and
 * hands back the cursor of the last line it used. Only the lines read are read: a page at the end of a 3 GB
 * rollout starts there.
 */

/** A line of a turn, with the cursors that continue from it. */
export interface HistoryLine extends RolloutLineAt {
  /** The turn the line belongs to (lines between turns, like 0.166.0's `thread_settings_applied`, are not read). */
  turn: TurnEntry;
  /** Continues after this line (in the direction it is passed with). */
  cursor: string;
  /** Starts at this line, included again (e.g. to re-read it, or to page the other way from it). */
  anchor: string;
}

export interface HistoryReadQuery {
  /** Only this turn's lines (`InvalidCursorError` for a cursor of another turn). */
  turnId?: string | null;
  /** A `cursor` or `anchor` of a line read before. */
  cursor?: string | null;
  /** `asc` (default, oldest first) or `desc` (newest first; each turn's lines last to first). */
  sortDirection?: SortDirection | null;
}

const LINE_CURSOR = "lines1";

interface LineAnchor {
  position: number;
  turnId: string;
  start: number;
  end: number;
  hash: string;
  inclusive: boolean;
}

function encodeLineCursor(threadId: string, a: LineAnchor): string {
  return encodeThreadCursor(LINE_CURSOR, threadId, [
    a.position,
    a.turnId,
    a.start,
    a.end,
    a.hash,
    a.inclusive ? 1 : 0,
  ]);
}

function decodeLineCursor(cursor: string, threadId: string): LineAnchor {
  const [position, turnId, start, end, hash, inclusive] = decodeThreadCursor(
    cursor,
    LINE_CURSOR,
    threadId,
    "items cursor",
    (f) =>
      f.length === 6 &&
      typeof f[1] === "string" &&
      typeof f[4] === "string" &&
      [f[0], f[2], f[3]].every((n) => Number.isSafeInteger(n) && (n as number) >= 0) &&
      (f[3] as number) > (f[2] as number),
  );
  return {
    position: position as number,
    turnId: turnId as string,
    start: start as number,
    end: end as number,
    hash: hash as string,
    inclusive: inclusive === 1,
  };
}

/** Yields the lines of a thread's turns from a cursor (see `HistoryReadQuery`). */
export async function* readHistoryLines(
  threadId: string,
  turns: SegmentTurns,
  q: HistoryReadQuery,
): AsyncGenerator<HistoryLine> {
  const dir = q.sortDirection ?? "asc";
  const only = q.turnId ? turns.byId(q.turnId) : null;
  if (q.turnId && !only) throw new TurnNotFoundError(`turn ${q.turnId} not found in thread ${threadId}`);
  let anchor: LineAnchor | null = null;
  let turn: TurnEntry | null;
  if (q.cursor) {
    anchor = decodeLineCursor(q.cursor, threadId);
    turn = turns.at(anchor.position);
    if (!turn || turn.turnId !== anchor.turnId) {
      throw new InvalidCursorError(
        q.cursor,
        `stale cursor: turn ${anchor.turnId} is no longer in thread ${threadId}'s history`,
      );
    }
    if (only && only.position !== turn.position) {
      throw new InvalidCursorError(q.cursor, `cursor belongs to another turn (${anchor.turnId})`);
    }
    if (anchor.start < turn.startOffset || anchor.end > turn.endOffset) {
      throw new InvalidCursorError(q.cursor, `stale cursor: turn ${anchor.turnId} changed`);
    }
  } else {
    turn = only ?? (dir === "asc" ? turns.at(0) : turns.at(turns.total - 1));
  }
  const emit = (line: RolloutLineAt, t: TurnEntry): HistoryLine => {
    const base = { position: t.position, turnId: t.turnId, start: line.start, end: line.end };
    const hash = line.hash;
    return {
      ...line,
      turn: t,
      cursor: encodeLineCursor(threadId, { ...base, hash, inclusive: false }),
      anchor: encodeLineCursor(threadId, { ...base, hash, inclusive: true }),
    };
  };
  while (turn) {
    const t: TurnEntry = turn;
    if (dir === "asc") {
      const from = anchor ? anchor.start : t.startOffset;
      const range = {
        startOffset: from,
        endOffset: t.endOffset,
        startHash: anchor ? anchor.hash : t.startHash,
      };
      let skip = anchor !== null && !anchor.inclusive;
      for await (const line of readRolloutRange(t.path, range, t.generation)) {
        if (skip) {
          skip = false;
          continue;
        }
        yield emit(line, t);
      }
    } else {
      const to = anchor ? anchor.end : t.endOffset;
      const range = {
        startOffset: t.startOffset,
        endOffset: to,
        startHash: t.startHash,
        ...(anchor ? { lastHash: anchor.hash } : {}),
      };
      let skip = anchor !== null && !anchor.inclusive;
      for await (const line of readRolloutRangeBackward(t.path, range, t.generation)) {
        if (skip) {
          skip = false;
          continue;
        }
        yield emit(line, t);
      }
    }
    anchor = null;
    if (only) return;
    turn = turns.at(t.position + (dir === "asc" ? 1 : -1));
  }
}
