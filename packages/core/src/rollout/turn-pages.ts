import type { HistorySegment } from "./history-segments.js";
import type { IndexDb } from "./index-db.js";
import { InvalidCursorError } from "./thread-list.js";
import { countTurnsBefore, turnById, turnsBySeq } from "./turn-index.js";
import type { TurnRecord } from "./turn-scan.js";

/**
 * A thread's turns across its history segments (see history-segments.ts), by position: 0 is the oldest turn of the
 * oldest segment. Turns only ever get appended, so a position names the same turn for as long as the rollouts are
 * not rewritten; cursors carry the turn id too, so a rewrite is caught instead of paging into other turns.
 */

/** A turn as the thread shows it: where its bytes are (pass `path`, the turn and `generation` to `readLines`). */
export interface TurnEntry extends TurnRecord {
  /** Position in the thread's history (0 = oldest). */
  position: number;
  /** The rollout holding the turn (a parent's, for the inherited turns of a fork by reference). */
  path: string;
  generation: string;
  /** The thread whose rollout holds the turn. */
  sourceThreadId: string;
}

export type SortDirection = "asc" | "desc";

/** The turns of a thread's segments, with their positions. */
export class SegmentTurns {
  /** Turns of each segment (in the thread's history, before the segment's end). */
  readonly counts: readonly number[];
  readonly total: number;

  constructor(
    private readonly idx: IndexDb,
    readonly segments: readonly HistorySegment[],
  ) {
    this.counts = segments.map((s) => countTurnsBefore(idx, s.name, s.end));
    this.total = this.counts.reduce((a, b) => a + b, 0);
  }

  /** Turns at positions `[from, to]` (clamped), ascending. */
  range(from: number, to: number): TurnEntry[] {
    const out: TurnEntry[] = [];
    let base = 0;
    for (const [i, segment] of this.segments.entries()) {
      const count = this.counts[i]!;
      const lo = Math.max(from, base);
      const hi = Math.min(to, base + count - 1);
      if (lo <= hi) {
        for (const t of turnsBySeq(this.idx, segment.name, lo - base, hi - base)) {
          out.push(this.entry(t, base + t.seq, segment));
        }
      }
      base += count;
    }
    return out;
  }

  at(position: number): TurnEntry | null {
    return this.range(position, position)[0] ?? null;
  }

  /** The turn with this id (the newest segment holding it wins), or null. */
  byId(turnId: string): TurnEntry | null {
    let base = this.total;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i]!;
      base -= this.counts[i]!;
      const t = turnById(this.idx, segment.name, turnId);
      if (t && t.startOffset < segment.end) return this.entry(t, base + t.seq, segment);
    }
    return null;
  }

  /** An inherited turn that ran past the fork's cut ends at the cut, interrupted (the fork has no more of it). */
  private entry(t: TurnRecord, position: number, s: HistorySegment): TurnEntry {
    const cut = t.endOffset > s.end;
    return {
      ...t,
      ...(cut ? { endOffset: s.end, status: "interrupted" as const } : {}),
      position,
      path: s.path,
      generation: s.generation,
      sourceThreadId: s.threadId,
    };
  }
}

/** A turn id that is not in the thread's history. */
export class TurnNotFoundError extends Error {
  override readonly name = "TurnNotFoundError";
}

/** What a turn cursor names: a turn by position and id, and whether a page starts at it or after it. */
export interface TurnAnchor {
  position: number;
  turnId: string;
  inclusive: boolean;
}

const TURN_CURSOR = "turns1";

export function encodeTurnCursor(threadId: string, a: TurnAnchor): string {
  return encodeThreadCursor(TURN_CURSOR, threadId, [a.position, a.turnId, a.inclusive ? 1 : 0]);
}

/**
 * Decodes a turn cursor and checks it against the thread: `InvalidCursorError` for a malformed cursor, one of
 * another thread, or one whose turn is no longer at its position (the history was rewritten).
 */
export function decodeTurnCursor(cursor: string, threadId: string, turns: SegmentTurns): TurnAnchor {
  const [position, turnId, inclusive] = decodeThreadCursor(
    cursor,
    TURN_CURSOR,
    threadId,
    "turns cursor",
    (f) => f.length === 3 && Number.isSafeInteger(f[0]) && typeof f[1] === "string",
  );
  const at = turns.at(position as number);
  if (!at || at.turnId !== turnId) {
    throw new InvalidCursorError(
      cursor,
      `stale cursor: turn ${turnId as string} is no longer in thread ${threadId}'s history`,
    );
  }
  return { position: position as number, turnId: turnId as string, inclusive: inclusive === 1 };
}

/** A page cursor that names its thread: `<kind>.<base64url JSON [threadId, ...fields]>`. */
export function encodeThreadCursor(
  kind: string,
  threadId: string,
  fields: readonly (string | number)[],
): string {
  return `${kind}.${Buffer.from(JSON.stringify([threadId, ...fields])).toString("base64url")}`;
}

/**
 * The fields of a cursor `encodeThreadCursor` wrote for `threadId`: `InvalidCursorError` ("invalid <what>: …") for
 * a malformed one, including one whose fields `valid` refuses (checked first, so a malformed cursor of another thread
 * is reported as malformed), then for one of another thread.
 */
export function decodeThreadCursor(
  cursor: string,
  kind: string,
  threadId: string,
  what: string,
  valid: (fields: readonly unknown[]) => boolean,
): unknown[] {
  const value = decodeCursor(cursor, kind);
  if (!Array.isArray(value) || typeof value[0] !== "string" || !valid(value.slice(1)))
    throw new InvalidCursorError(cursor, `invalid ${what}: ${cursor.slice(0, 200)}`);
  const [thread, ...fields] = value as [string, ...unknown[]];
  if (thread !== threadId)
    throw new InvalidCursorError(cursor, `cursor belongs to another thread (${thread})`);
  return fields;
}

/** `<kind>.<base64url JSON>` → the JSON value; InvalidCursorError otherwise. */
export function decodeCursor(cursor: string, kind: string): unknown {
  if (!cursor.startsWith(`${kind}.`))
    throw new InvalidCursorError(cursor, `invalid cursor: ${cursor.slice(0, 200)}`);
  try {
    return JSON.parse(Buffer.from(cursor.slice(kind.length + 1), "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError(cursor, `invalid cursor: ${cursor.slice(0, 200)}`);
  }
}

export interface TurnListQuery {
  /** A `nextCursor` (continues after its turn) or `backwardsCursor` (starts at its turn) of an earlier page. */
  cursor?: string | null;
  /** Page size (default: every remaining turn; at least 1). */
  limit?: number | null;
  /** `desc` (default, newest first, as 0.166.0) or `asc`. */
  sortDirection?: SortDirection | null;
}

export interface TurnListPage {
  threadId: string;
  /** Turns in the thread's history. */
  total: number;
  turns: TurnEntry[];
  /** Continues after the page's last turn in the same direction; null when no turn is left that way. */
  nextCursor: string | null;
  /** Starts at the page's first turn (included again): pass it with the other direction. Null for an empty page. */
  backwardsCursor: string | null;
}

/** One page of turns (0.166.0's `thread/turns/list` semantics). */
export function turnListPage(threadId: string, turns: SegmentTurns, q: TurnListQuery): TurnListPage {
  const dir = q.sortDirection ?? "desc";
  const limit = Math.max(1, q.limit ?? turns.total);
  let start: number;
  if (q.cursor) {
    const a = decodeTurnCursor(q.cursor, threadId, turns);
    start = a.inclusive ? a.position : a.position + (dir === "asc" ? 1 : -1);
  } else {
    start = dir === "asc" ? 0 : turns.total - 1;
  }
  let page: TurnEntry[] = [];
  let more = false;
  if (dir === "asc" && start < turns.total) {
    const to = Math.min(turns.total - 1, start + limit - 1);
    page = turns.range(start, to);
    more = to < turns.total - 1;
  } else if (dir === "desc" && start >= 0) {
    const from = Math.max(0, start - limit + 1);
    page = turns.range(from, start).reverse();
    more = from > 0;
  }
  const first = page[0];
  const last = page.at(-1);
  return {
    threadId,
    total: turns.total,
    turns: page,
    nextCursor:
      more && last
        ? encodeTurnCursor(threadId, { position: last.position, turnId: last.turnId, inclusive: false })
        : null,
    backwardsCursor: first
      ? encodeTurnCursor(threadId, { position: first.position, turnId: first.turnId, inclusive: true })
      : null,
  };
}
