import { readSync } from "node:fs";
import type { IndexDb } from "./index-db.js";
import { ROLLOUT_LINE_MAX_BYTES } from "./limits.js";
import { type RolloutItem, rolloutLineFrom } from "./line.js";
import { checkGeneration, openRollout, RolloutChangedError, turnStartsIn } from "./turn-index.js";
import { lineForCompaction, lineHash, type TurnMark } from "./turn-scan.js";

/**
 * The part of a resume's replay that a later summary compaction rebuilds (resume.ts), read sparsely. A summary
 * compaction keeps, of everything before it, only the user's messages (the newest budget of their text), the
 * summaries of earlier compactions (which become user messages) and the ghost snapshots (compact/history.ts). So
 * between the replay start and the last summary compaction only those lines matter, and the turn index says where
 * they are: it records each turn's start and the running count of user text (messages and summaries) before it,
 * and where every compaction and ghost snapshot is.
 *
 * The range is cut into units at the turn starts; a unit is read from its start, line by line, only until the
 * user text it holds (the next boundary's count minus its own) has been read and every marked line in it
 * (compaction, ghost snapshot) has been passed. A turn of a long session usually opens with the user's message,
 * so most units cost one short read of one line instead of the whole turn with its tool output. The count of
 * each line is the scanner's own (`lineForCompaction`), so the stop is exact; a unit whose count is not known (a
 * range that ends where no turn starts, like a fork's cut) is read whole. Each unit's first line is checked
 * against the hash the index recorded for the turn, and the file against the index's generation, so a rollout
 * rewritten since it was indexed gives `RolloutChangedError`, never another history.
 *
 * What is kept: user-role messages, ghost snapshots and `compacted` lines, in file order. Replayed through
 * `historyFromRollout` followed by the last compaction, they give the same history as every line of the range.
 */

/** One stretch of a sparse range: read from `start` until `text` bytes of user text and `reach` are behind. */
interface Unit {
  start: number;
  end: number;
  /** User text bytes in the unit; null when not known (the unit is read whole). */
  text: number | null;
  /** The end of the last marked line in the unit (0 when none). */
  reach: number;
  /** The hash of the unit's first line, when it is a turn's start. */
  hash: string | null;
}

/** A byte range of one rollout to read sparsely, and the marks the index holds for it. */
export interface SparseRange {
  path: string;
  name: string;
  generation: string;
  start: number;
  end: number;
  /** The rollout's marks (compactions, ghost snapshots), any range; those inside this one are used. */
  marks: readonly TurnMark[];
  /** User text bytes before `start` when known (a turn start, a mark, or the first byte after session_meta). */
  textAtStart: number | null;
}

/** Cuts a range into units at the turn starts inside it (see the module comment). */
function unitsOf(idx: IndexDb, r: SparseRange): Unit[] {
  const turns = turnStartsIn(idx, r.name, r.start, r.end);
  const inside = r.marks.filter((m) => m.offset >= r.start && m.offset < r.end);
  const byOffset = new Map(turns.map((t) => [t.startOffset, t]));
  const textAt = (offset: number): number | null => {
    if (offset === r.start && r.textAtStart !== null) return r.textAtStart;
    const turn = byOffset.get(offset);
    if (turn) return turn.textBefore;
    return r.marks.find((m) => m.offset === offset)?.textBefore ?? null;
  };
  const cuts = [r.start, ...turns.map((t) => t.startOffset).filter((o) => o > r.start && o < r.end), r.end];
  const units: Unit[] = [];
  let next = 0; // the first mark not yet in a unit (marks and cuts are both in file order)
  for (let i = 0; i + 1 < cuts.length; i++) {
    const start = cuts[i]!;
    const end = cuts[i + 1]!;
    const from = textAt(start);
    const to = textAt(end);
    let reach = 0;
    while (next < inside.length && inside[next]!.offset < end) reach = Math.max(reach, inside[next++]!.end);
    units.push({
      start,
      end,
      text: from === null || to === null ? null : to - from,
      reach,
      hash: byOffset.get(start)?.startHash ?? null,
    });
  }
  return units;
}

/** A line a compaction keeps (see `lineForCompaction`) as a rollout item; null when it is not a known record. */
function keptItem(bytes: Buffer, value: Record<string, unknown> | null): RolloutItem | null {
  let parsed: unknown = value;
  if (parsed === null) {
    try {
      parsed = JSON.parse(bytes.toString("utf8"));
    } catch {
      return null;
    }
  }
  const line = rolloutLineFrom(parsed);
  if (!line || (line.type !== "response_item" && line.type !== "compacted")) return null;
  return { type: line.type, payload: line.payload } as RolloutItem;
}

/** What a sparse read adds to: the items kept, the bytes of their lines, the over-long lines skipped. */
export interface KeptLines {
  items: RolloutItem[];
  held: number;
  skippedLines: number;
}

/** A line of a unit: its bytes (a view valid until the next line is asked for), null when over the line cap. */
interface UnitLine {
  start: number;
  end: number;
  bytes: Buffer | null;
}

/** Reads exactly `buf.length` bytes at `position`, or throws RolloutChangedError (the file got shorter). */
function readFully(fd: number, buf: Buffer, position: number, path: string): void {
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) throw new RolloutChangedError(path);
    got += n;
  }
}

/** The one buffer a sparse read reads into: what it holds bounds the read's memory (with one over-long line). */
const WINDOW_BYTES = 256 * 1024;
/** What a unit's first read asks for: its first line, usually the user's message. */
const PROBE_BYTES = 4096;
/**
 * The widest stretch of unneeded bytes one read may span to serve the next unit too: reading a few KB more from the
 * page cache costs less than another read.
 */
const GAP_BYTES = 16 * 1024;

/**
 * The rollout's bytes through one reused window. Thousands of units are read for one resume and most need one
 * short line, so each unit reading (and allocating) its own buffer cost more in system calls, allocation and
 * garbage collection than the parsing; instead a miss reads ahead to `aheadTo` — the end of the probes of the
 * units close behind this one (`readAheadEnds`) — and those units are then served from memory.
 */
class WindowReader {
  private readonly window = Buffer.allocUnsafe(WINDOW_BYTES);
  private from = 0;
  private to = 0;
  /** Where a miss reads up to (bounded by the window), when that is further than what was asked for. */
  aheadTo = 0;

  constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}

  /**
   * The bytes from `position`: at least `min(want, end - position)` of them, more when they are already in the
   * window, none past `end`. A view, valid until the next call.
   */
  bytes(position: number, want: number, end: number): Buffer {
    const need = Math.min(want, end - position);
    if (need > WINDOW_BYTES) {
      // A line longer than the window: read on its own (bounded by the line cap, as `unitLines` grows it).
      const buf = Buffer.allocUnsafe(need);
      readFully(this.fd, buf, position, this.path);
      return buf;
    }
    if (position < this.from || position + need > this.to) {
      const length = Math.min(WINDOW_BYTES, Math.max(need, this.aheadTo - position));
      readFully(this.fd, this.window.subarray(0, length), position, this.path);
      this.from = position;
      this.to = position + length;
    }
    return this.window.subarray(position - this.from, Math.min(this.to, end) - this.from);
  }
}

/**
 * For each unit, how far a read that starts in it reads ahead: the units are grouped, in file order, while the next
 * one starts within GAP_BYTES of the group's probes and the group fits the window; a group's reads reach the end
 * of its last unit's probe.
 */
function readAheadEnds(units: readonly Unit[]): number[] {
  const probeEnd = (u: Unit) => Math.min(u.start + PROBE_BYTES, u.end);
  const ends: number[] = [];
  for (let first = 0; first < units.length; ) {
    const start = units[first]!.start;
    let end = probeEnd(units[first]!);
    let last = first;
    while (last + 1 < units.length) {
      const next = units[last + 1]!;
      if (next.start - end > GAP_BYTES || probeEnd(next) - start > WINDOW_BYTES) break;
      end = probeEnd(next);
      last++;
    }
    for (; first <= last; first++) ends.push(end);
  }
  return ends;
}

/**
 * The lines of `[from, to)`, read synchronously: a unit is usually one short line, and thousands of them are read
 * for one resume, so a thread-pool round trip per read would cost more than the reads (the bytes are in the page
 * cache after the index's pass). The first read is small; later ones, and a line longer than the window, read more.
 */
function* unitLines(reader: WindowReader, path: string, from: number, to: number): Generator<UnitLine> {
  let position = from;
  let window = PROBE_BYTES;
  while (position < to) {
    const buf = reader.bytes(position, window, to);
    let at = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, at)) {
      yield { start: position + at, end: position + nl + 1, bytes: buf.subarray(at, nl) };
      at = nl + 1;
    }
    if (at > 0) {
      position += at;
      window = 64 * 1024;
      continue;
    }
    if (buf.length === to - position) throw new RolloutChangedError(path); // the range ends inside a line
    if (buf.length <= ROLLOUT_LINE_MAX_BYTES) {
      window = Math.min(buf.length * 4, ROLLOUT_LINE_MAX_BYTES + 1);
      continue;
    }
    // Over the line cap: skipped (as every reader of rollouts skips it), found by its newline.
    const end = lineEnd(reader, path, position + buf.length, to);
    yield { start: position, end, bytes: null };
    position = end;
  }
}

/** The offset just past the next newline at or after `from`, before `to`. */
function lineEnd(reader: WindowReader, path: string, from: number, to: number): number {
  for (let position = from; position < to; ) {
    const chunk = reader.bytes(position, WINDOW_BYTES, to);
    const nl = chunk.indexOf(10);
    if (nl !== -1) return position + nl + 1;
    position += chunk.length;
  }
  throw new RolloutChangedError(path);
}

function readUnit(reader: WindowReader, path: string, u: Unit, out: KeptLines): void {
  let text = 0;
  let first = true;
  for (const line of unitLines(reader, path, u.start, u.end)) {
    if (first && u.hash !== null && (!line.bytes || lineHash(line.bytes) !== u.hash)) {
      throw new RolloutChangedError(path);
    }
    first = false;
    const seen = line.bytes ? lineForCompaction(line.bytes) : null;
    if (!line.bytes) out.skippedLines++;
    else if (seen) {
      text += seen.text;
      const item = seen.kept ? keptItem(line.bytes, seen.value) : null;
      if (item) {
        out.items.push(item);
        out.held += line.end - line.start;
      }
    }
    if (u.text !== null && text >= u.text && line.end >= u.reach) return;
  }
}

/**
 * Reads what a later summary compaction keeps of a range (see the module comment), appending to `out`; stops once
 * the lines kept are over `cap` bytes (the caller refuses the resume).
 */
export async function readKeptLines(
  idx: IndexDb,
  r: SparseRange,
  out: KeptLines,
  cap: number,
): Promise<void> {
  if (r.end <= r.start) return;
  const handle = await openRollout(r.path);
  try {
    await checkGeneration(handle, r.path, r.generation, r.end);
    // Nothing in a unit without user text or marks survives the compaction.
    const units = unitsOf(idx, r).filter((u) => u.text !== 0 || u.reach !== 0);
    const aheadTo = readAheadEnds(units);
    const reader = new WindowReader(handle.fd, r.path);
    for (const [i, u] of units.entries()) {
      reader.aheadTo = aheadTo[i]!;
      readUnit(reader, r.path, u, out);
      if (out.held > cap) return;
    }
  } finally {
    await handle.close();
  }
}
