import { USER_MESSAGES_BUDGET_BYTES } from "../compact/history.js";
import type { CodexEventMsg } from "../events/types.js";
import { type LoadedRollout, RolloutLoadError } from "./history.js";
import { readKeptLines } from "./history-kept.js";
import type { HistorySegment } from "./history-segments.js";
import type { IndexDb } from "./index-db.js";
import { ROLLOUT_MAX_BYTES } from "./limits.js";
import type { RolloutItem, SessionMetaPayload } from "./line.js";
import { readRolloutRange } from "./rollout-read.js";
import { lastTurnWithTextBefore, marksBefore } from "./turn-index.js";
import type { TurnMark } from "./turn-scan.js";

/**
 * What resuming a thread must replay, and only that. The model's history is rebuilt from response items, and a
 * `compacted` line replaces everything before it (compact/history.ts), so replay can start at a compaction instead
 * of the first line:
 *
 * - at a compaction with 0.166.0's `replacement_history`: the history after it is exactly that list;
 * - at a summary compaction C_j (0.58.0's, and ours): the history after C_k (the last one) keeps the newest
 *   USER_MESSAGES_BUDGET_BYTES of user text before C_k. Starting at C_j gives the same history as the whole file
 *   once the user text between C_j and C_k (the messages and the summaries) reaches that budget, since a compaction
 *   keeps the newest text first and everything older than C_j's summary is then out of reach. Ghost snapshots
 *   survive every compaction, so the ones before C_j (from the last `replacement_history` on, which is read too)
 *   are replayed first;
 * - at a turn start P before C_k: by the same argument, once the user text between P and C_k reaches the budget
 *   (a long session compacted once near its end starts a few turns before that compaction).
 *
 * The latest of these wins. The turn index recorded the compactions, ghost snapshots and the running count of user
 * text at each of them and at each turn start (turn-scan.ts), so the start is found without reading the file. A
 * rollout never compacted, or with too little text before its last compaction, is replayed whole. What is held is capped per read, not per file: at most ROLLOUT_MAX_BYTES of the lines replayed
 * (`RolloutLoadError` beyond), so a 3 GB rollout that compacted resumes from its last compactions, while one whose
 * history since then is bigger than any model's context is refused with a clear error.
 */

export interface ResumeLoadOptions {
  /** Keep `event_msg` records (0.58.0's `initialMessages`); off, only what the model's history needs is held. */
  events?: boolean;
  /** Bytes of lines held at most (default ROLLOUT_MAX_BYTES); `RolloutLoadError` beyond. */
  maxBytes?: number;
}

/** A thread loaded for resuming (see resume.ts): `LoadedRollout` with where the replay started. */
export interface ResumeLoad extends LoadedRollout {
  /** Null when the whole history was replayed; else the rollout and byte the replay started at (a compaction). */
  replayedFrom: { path: string; offset: number } | null;
  /** Bytes of the rollout lines read and held. */
  heldBytes: number;
}

export interface GlobalMark extends TurnMark {
  segment: number;
  /** textBefore on one scale across segments (a lower bound of the true count across a fork's cut: safe). */
  text: number;
}

/**
 * The marks of every segment, oldest first, with their user-text counts made comparable across segments, and each
 * segment's base on that scale.
 */
function allMarks(
  idx: IndexDb,
  segments: readonly HistorySegment[],
): { marks: GlobalMark[]; bases: number[] } {
  const marks: GlobalMark[] = [];
  const bases: number[] = [];
  let base = 0;
  for (const [i, s] of segments.entries()) {
    bases.push(base);
    const own = marksBefore(idx, s.name, s.end).filter((m) => m.offset >= s.start);
    for (const m of own) marks.push({ ...m, segment: i, text: base + m.textBefore });
    base += own.at(-1)?.textBefore ?? 0;
  }
  return { marks, bases };
}

interface ReadRange {
  segment: number;
  start: number;
  end: number;
  /**
   * Before the last compaction, a summary one: only what it keeps is read (history-kept.ts), starting from this
   * count of user text at `start` (null: not known).
   */
  kept?: { textAtStart: number | null };
}

interface Start {
  segment: number;
  offset: number;
  kind: "replaced" | "compacted" | "turn";
  /** User text before the start, counted in its own segment. */
  textBefore: number;
}

const before = (a: { segment: number; offset: number }, b: { segment: number; offset: number }) =>
  a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);

/**
 * The latest turn start before the last compaction with at least the budget of user text between the two: the
 * compaction keeps only the newest text, so nothing before that turn can reach the rebuilt history.
 */
function turnStart(
  idx: IndexDb,
  segments: readonly HistorySegment[],
  bases: readonly number[],
  last: GlobalMark,
): Start | null {
  for (let s = last.segment; s >= 0; s--) {
    const maxText = last.text - USER_MESSAGES_BUDGET_BYTES - bases[s]!;
    if (maxText < 0) continue;
    const segment = segments[s]!;
    const limit = s === last.segment ? last.offset : segment.end;
    const turn = lastTurnWithTextBefore(idx, segment.name, limit, maxText);
    if (turn && turn.startOffset >= segment.start)
      return { segment: s, offset: turn.startOffset, kind: "turn", textBefore: turn.textBefore };
  }
  return null;
}

/**
 * The byte ranges to replay, in order (see the module comment). With `sparse`, the part before the last
 * compaction, when that is a summary one, is marked to be read for what it keeps only (history-kept.ts).
 */
export function replayPlan(
  idx: IndexDb,
  segments: readonly HistorySegment[],
  sparse = false,
): { ranges: ReadRange[]; from: { segment: number; offset: number } | null; marks: GlobalMark[] } {
  const whole = segments.map((s, i) => ({ segment: i, start: s.start, end: s.end }));
  const { marks, bases } = allMarks(idx, segments);
  const compactions = marks.filter((m) => m.kind !== "ghost");
  const last = compactions.at(-1);
  if (!last) return { ranges: whole, from: null, marks };
  let start: Start | null = null;
  for (let j = compactions.length - 1; j >= 0; j--) {
    const c = compactions[j]!;
    if (c.kind === "replaced" || last.text - c.text >= USER_MESSAGES_BUDGET_BYTES) {
      start = {
        segment: c.segment,
        offset: c.offset,
        kind: c.kind === "replaced" ? "replaced" : "compacted",
        textBefore: c.textBefore,
      };
      break;
    }
  }
  const turn = turnStart(idx, segments, bases, last);
  if (turn && (!start || before(start, turn))) start = turn;
  // No later start: the whole history is replayed, and still only what the last compaction keeps of it is read.
  const from = start ? { segment: start.segment, offset: start.offset } : null;
  if (!start && sparse && last.kind === "compacted") {
    start = { segment: 0, offset: segments[0]!.start, kind: "turn", textBefore: 0 };
  }
  if (!start) return { ranges: whole, from: null, marks };
  const ranges: ReadRange[] = [];
  if (start.kind !== "replaced") {
    // What survives from before the start: the last replacement history, and the ghost snapshots after it.
    const earlier = marks.filter((m) => before(m, start));
    const replacedAt = earlier.findLastIndex((m) => m.kind === "replaced");
    if (replacedAt >= 0) {
      const r = earlier[replacedAt]!;
      ranges.push({ segment: r.segment, start: r.offset, end: r.end });
    }
    for (const m of earlier.slice(replacedAt + 1)) {
      if (m.kind === "ghost") ranges.push({ segment: m.segment, start: m.offset, end: m.end });
    }
  }
  if (sparse && last.kind === "compacted" && before(start, last)) {
    for (let s = start.segment; s <= last.segment; s++) {
      const first = s === start.segment;
      ranges.push({
        segment: s,
        start: first ? start.offset : segments[s]!.start,
        end: s === last.segment ? last.offset : segments[s]!.end,
        // A segment's first byte follows its session_meta line, which holds no user text.
        kept: { textAtStart: first ? start.textBefore : 0 },
      });
    }
    ranges.push({ segment: last.segment, start: last.offset, end: segments[last.segment]!.end });
    ranges.push(...whole.slice(last.segment + 1));
    return { ranges, from, marks };
  }
  ranges.push({ segment: start.segment, start: start.offset, end: segments[start.segment]!.end });
  ranges.push(...whole.slice(start.segment + 1));
  return { ranges, from, marks };
}

/**
 * A resume planned now and read later: the thread's identity now, its history when the conversation first needs it
 * (its first turn or compaction). The ranges are fixed when it is planned, so lines appended since (the resumed
 * conversation's own) are never read back, and a rollout truncated or rewritten in between gives
 * `RolloutChangedError` from `load`.
 */
export interface DeferredResume {
  conversationId: string;
  meta: SessionMetaPayload;
  /** The bytes of the planned ranges: at least what `load` will hold. */
  plannedBytes: number;
  load(): Promise<ResumeLoad>;
  /** The rollout's events (0.58.0's `initialMessages`, events.ts), read now when the plan was asked for them. */
  events?: CodexEventMsg[];
}

/** Plans what resuming replays (see the module comment) without reading it yet. */
export function planForResume(
  idx: IndexDb,
  segments: readonly HistorySegment[],
  meta: SessionMetaPayload,
  o: ResumeLoadOptions,
): DeferredResume {
  // The events of the replayed range are 0.58.0's `initialMessages`: with them every line is read.
  const plan = replayPlan(idx, segments, !o.events);
  const plannedBytes = plan.ranges.reduce((sum, r) => sum + Math.max(0, r.end - r.start), 0);
  return { conversationId: meta.id, meta, plannedBytes, load: () => readPlan(idx, segments, meta, plan, o) };
}

/** Reads what resuming replays into a `ResumeLoad` (bounded: see the module comment). */
export function loadForResume(
  idx: IndexDb,
  segments: readonly HistorySegment[],
  meta: SessionMetaPayload,
  o: ResumeLoadOptions,
): Promise<ResumeLoad> {
  return planForResume(idx, segments, meta, o).load();
}

async function readPlan(
  idx: IndexDb,
  segments: readonly HistorySegment[],
  meta: SessionMetaPayload,
  plan: ReturnType<typeof replayPlan>,
  o: ResumeLoadOptions,
): Promise<ResumeLoad> {
  const cap = o.maxBytes ?? ROLLOUT_MAX_BYTES;
  const items: RolloutItem[] = [];
  let held = 0;
  let skippedLines = 0;
  const tooBig = () => {
    const from = plan.from ? `byte ${plan.from.offset} of ${segments[plan.from.segment]!.path}` : "its start";
    return new RolloutLoadError(
      `the history to replay from ${from} is over ${cap} bytes (no compaction since)`,
    );
  };
  for (const r of plan.ranges) {
    const s = segments[r.segment]!;
    if (r.end <= r.start) continue;
    if (r.kept) {
      const out = { items, held, skippedLines };
      await readKeptLines(
        idx,
        {
          path: s.path,
          name: s.name,
          generation: s.generation,
          start: r.start,
          end: r.end,
          marks: plan.marks.filter((m) => m.segment === r.segment),
          textAtStart: r.kept.textAtStart,
        },
        out,
        cap,
      );
      held = out.held;
      skippedLines = out.skippedLines;
      if (held > cap) throw tooBig();
      continue;
    }
    for await (const at of readRolloutRange(
      s.path,
      { startOffset: r.start, endOffset: r.end },
      s.generation,
    )) {
      if (at.oversize) skippedLines++;
      const line = at.line;
      if (!line || (line.type === "event_msg" && !o.events)) continue;
      held += at.end - at.start;
      if (held > cap) throw tooBig();
      items.push({ type: line.type, payload: line.payload } as RolloutItem);
    }
  }
  const from = plan.from ? { path: segments[plan.from.segment]!.path, offset: plan.from.offset } : null;
  return { conversationId: meta.id, meta, items, skippedLines, replayedFrom: from, heldBytes: held };
}
