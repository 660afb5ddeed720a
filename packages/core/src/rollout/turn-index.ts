import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { openRegularFile, readLineSpansFrom } from "@codex-ts/config-loader";
import type { IndexDb } from "./index-db.js";
import { ROLLOUT_LINE_MAX_BYTES } from "./limits.js";
import { emptyScanState, type ScanState, type TurnMark, type TurnRecord, TurnScanner } from "./turn-scan.js";
import { foldCase } from "./turn-text.js";

/**
 * The per-rollout turn index (issue 16): each turn's byte range, built by one streaming pass over the rollout and
 * kept in the sessions index, so a page of turns of a 100 MB or 3 GB rollout reads only that page's bytes.
 *
 * A rollout is identified by its inode and a hash of its first bytes; how far it was scanned is remembered with a
 * hash of the bytes just before that point. When the file grew and both hashes still match, only the appended
 * lines are scanned (from the scanner state saved with the index). When the file shrank, was replaced, or its
 * scanned bytes changed (rewritten by another process), its turns are dropped and it is scanned again. A line
 * still being written (no newline yet) is left for the next look.
 */

export interface TurnIndexInfo {
  /** The rollout's key in the index (path under CODEX_HOME). */
  name: string;
  /** Identifies the bytes the offsets refer to; pass it back to `readRolloutRange`. */
  generation: string;
  /** Bytes of complete lines indexed (a torn last line is not). */
  indexedBytes: number;
  /** Number of turns. */
  total: number;
}

/** Raised when a rollout changed under a reader since its turns were indexed (truncated, rewritten, replaced). */
export class RolloutChangedError extends Error {
  override readonly name = "RolloutChangedError";
  constructor(readonly path: string) {
    super(`rollout ${path} changed since it was indexed; read its turns again`);
  }
}

const HEAD_BYTES = 4096;
const TAIL_BYTES = 256;
/** A long scan saves its progress every this many bytes, so an interrupted one resumes there. */
const SAVE_EVERY = 32 * 1024 * 1024;
const CHUNK = 1024 * 1024;

interface TurnFileRow {
  ino: number;
  head_hash: string;
  scanned: number;
  tail_hash: string;
  size: number;
  mtime: number;
  state: string;
}

/** `<length>:<sha1>` of a byte range of an open file. */
async function rangeHash(handle: FileHandle, start: number, length: number): Promise<string> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, start + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return `${got}:${createHash("sha1").update(buf.subarray(0, got)).digest("hex")}`;
}

const headLength = (hash: string) => Number(hash.slice(0, hash.indexOf(":")));

/** Builds or extends the turn index of an open rollout; returns what it now holds. */
export async function indexTurns(idx: IndexDb, name: string, handle: FileHandle): Promise<TurnIndexInfo> {
  const st = await handle.stat();
  const row = idx.run(
    () =>
      idx
        .stmt("SELECT ino, head_hash, scanned, tail_hash, size, mtime, state FROM turn_files WHERE name = ?")
        .get(name) as TurnFileRow | undefined,
    undefined,
  );
  if (row && row.ino === st.ino && row.size === st.size && row.mtime === st.mtimeMs) {
    return {
      name,
      generation: `${row.ino}:${row.head_hash}`,
      indexedBytes: row.scanned,
      total: countTurns(idx, name),
    };
  }
  let state: ScanState = emptyScanState();
  let from = 0;
  // The generation hashes the first line (up to 4 KiB), which appends never change.
  let headLen = 0;
  if (row && row.ino === st.ino && st.size >= row.scanned && headLength(row.head_hash) > 0) {
    const sameHead = (await rangeHash(handle, 0, headLength(row.head_hash))) === row.head_hash;
    const tailLen = headLength(row.tail_hash);
    const sameTail = (await rangeHash(handle, row.scanned - tailLen, tailLen)) === row.tail_hash;
    if (sameHead && sameTail) {
      state = JSON.parse(row.state) as ScanState;
      from = row.scanned;
      headLen = headLength(row.head_hash);
    }
  }
  if (from === 0) idx.write(() => dropTurnRows(idx, name, false));
  const scanner = new TurnScanner(state);
  let scanned = from;
  let saved = from;
  const save = async () => {
    const head = await rangeHash(handle, 0, headLen);
    const tail = await rangeHash(
      handle,
      scanned - Math.min(TAIL_BYTES, scanned),
      Math.min(TAIL_BYTES, scanned),
    );
    const turns = scanner.drain();
    const marks = scanner.drainMarks();
    const texts = scanner.drainTexts();
    idx.write(() => {
      const text = idx.stmt(
        "INSERT OR REPLACE INTO turn_texts (name, offset, seq, folded, text) VALUES (?, ?, ?, ?, ?)",
      );
      for (const t of texts) text.run(name, t.offset, t.seq, foldCase(t.text), t.text);
      const mark = idx.stmt(
        "INSERT OR REPLACE INTO turn_marks (name, offset, end_offset, kind, text_before) VALUES (?, ?, ?, ?, ?)",
      );
      for (const m of marks) mark.run(name, m.offset, m.end, m.kind, m.textBefore);
      const put =
        idx.stmt(`INSERT OR REPLACE INTO turns (name, seq, turn_id, first_line, start_offset, end_offset,
        started_ms, completed_ms, status, explicit, start_hash, text_before, items_before)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const t of turns) {
        put.run(
          name,
          t.seq,
          t.turnId,
          t.firstLine,
          t.startOffset,
          t.endOffset,
          t.startedAtMs,
          t.completedAtMs,
          t.status,
          t.explicit ? 1 : 0,
          t.startHash,
          t.textBefore,
          t.itemsBefore,
        );
      }
      idx
        .stmt(`INSERT OR REPLACE INTO turn_files (name, id, ino, head_hash, scanned, tail_hash, size, mtime, state)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(
          name,
          threadIdOf(name),
          st.ino,
          head,
          scanned,
          tail,
          st.size,
          st.mtimeMs,
          JSON.stringify(scanner.state),
        );
    });
    saved = scanned;
    return head;
  };
  for await (const span of readLineSpansFrom(handle, st.size, {
    maxLineBytes: ROLLOUT_LINE_MAX_BYTES,
    startAt: from,
    endAt: st.size,
    firstChunkBytes: CHUNK,
    chunkBytes: CHUNK,
  })) {
    if (!span.terminated) break;
    if (span.start === 0) headLen = Math.min(HEAD_BYTES, span.end);
    scanner.feed(span.start, span.end, span.bytes);
    scanned = span.end;
    if (scanned - saved >= SAVE_EVERY) await save();
  }
  const head = await save();
  return { name, generation: `${st.ino}:${head}`, indexedBytes: scanned, total: countTurns(idx, name) };
}

/** The thread id in a rollout's file name (the last 36 characters before `.jsonl`). */
function threadIdOf(name: string): string {
  return name.slice(-42, -6).toLowerCase();
}

/** Deletes a rollout's turn index rows (inside the caller's transaction); `all` drops its file row too. */
export function dropTurnRows(idx: IndexDb, name: string, all = true): void {
  idx.stmt("DELETE FROM turns WHERE name = ?").run(name);
  idx.stmt("DELETE FROM turn_marks WHERE name = ?").run(name);
  idx.stmt("DELETE FROM turn_texts WHERE name = ?").run(name);
  if (all) idx.stmt("DELETE FROM turn_files WHERE name = ?").run(name);
}

/** Moves a rollout's turn index rows to its new name (inside the caller's transaction). */
export function renameTurnRows(idx: IndexDb, from: string, to: string): void {
  for (const table of ["turns", "turn_marks", "turn_texts", "turn_files"]) {
    idx.stmt(`UPDATE ${table} SET name = ? WHERE name = ?`).run(to, from);
  }
}

/** The marks of a rollout that lie before `end` (a byte offset), in file order. */
export function marksBefore(idx: IndexDb, name: string, end: number): TurnMark[] {
  return idx.run(
    () =>
      (
        idx
          .stmt(
            "SELECT offset, end_offset, kind, text_before FROM turn_marks WHERE name = ? AND end_offset <= ? ORDER BY offset",
          )
          .all(name, end) as {
          offset: number;
          end_offset: number;
          kind: TurnMark["kind"];
          text_before: number;
        }[]
      ).map((r) => ({ offset: r.offset, end: r.end_offset, kind: r.kind, textBefore: r.text_before })),
    [],
  );
}

/**
 * How many turns a rollout has: its last `seq` plus one, since the scanner numbers turns from 0 without gaps and
 * rows are only ever added in order or all dropped. One index seek; `count(*)` read every row of the rollout, which
 * for a 100 MB rollout pulled its whole turn index (~1.4 MB of pages) into SQLite's cache on every first page.
 */
function countTurns(idx: IndexDb, name: string): number {
  return idx.run(() => {
    const last = idx.stmt("SELECT seq FROM turns WHERE name = ? ORDER BY seq DESC LIMIT 1").get(name) as
      | { seq: number }
      | undefined;
    return last ? last.seq + 1 : 0;
  }, 0);
}

/** A page of a rollout's turns, by position (`seq`), ascending or descending. */
export function turnsPage(
  idx: IndexDb,
  name: string,
  page: { offset?: number; limit?: number; direction?: "asc" | "desc" },
): TurnRecord[] {
  const dir = page.direction === "desc" ? "DESC" : "ASC";
  return idx.run(
    () =>
      (
        idx
          .stmt(`SELECT * FROM turns WHERE name = ? ORDER BY seq ${dir} LIMIT ? OFFSET ?`)
          .all(name, page.limit ?? -1, page.offset ?? 0) as TurnRow[]
      ).map(fromRow),
    [],
  );
}

/**
 * The last turn of a rollout starting before `before` with at most `maxText` user text bytes before it (the latest
 * point resume may start at to keep that much text; see resume.ts), or null.
 */
export function lastTurnWithTextBefore(
  idx: IndexDb,
  name: string,
  before: number,
  maxText: number,
): { startOffset: number; textBefore: number } | null {
  return idx.run(() => {
    const row = idx
      .stmt(
        "SELECT start_offset, text_before FROM turns WHERE name = ? AND start_offset < ? AND text_before <= ? ORDER BY seq DESC LIMIT 1",
      )
      .get(name, before, maxText) as { start_offset: number; text_before: number } | undefined;
    return row ? { startOffset: row.start_offset, textBefore: row.text_before } : null;
  }, null);
}

/** The turns of a rollout starting in `[from, to]` (start offset, user text before it, first line's hash), in order. */
export function turnStartsIn(
  idx: IndexDb,
  name: string,
  from: number,
  to: number,
): { startOffset: number; textBefore: number; startHash: string }[] {
  return idx.run(
    () =>
      (
        idx
          .stmt(
            "SELECT start_offset, text_before, start_hash FROM turns WHERE name = ? AND start_offset BETWEEN ? AND ? ORDER BY seq",
          )
          .all(name, from, to) as { start_offset: number; text_before: number; start_hash: string }[]
      ).map((r) => ({ startOffset: r.start_offset, textBefore: r.text_before, startHash: r.start_hash })),
    [],
  );
}

/**
 * How many of a rollout's turns start before `end` (they are the first ones, by seq). Turns are numbered in file
 * order, so start offsets grow with seq: the last turn decides the usual case (a thread's own rollout, read to its
 * end) in one seek, and a fork's cut into its parent is found by bisection on seq, a few seeks. `count(*)` read every
 * row of the rollout instead: for a 100 MB rollout, its whole turn index (~1.8 MB of pages) into SQLite's cache on a
 * process's first `thread/turns/list`.
 */
export function countTurnsBefore(idx: IndexDb, name: string, end: number): number {
  return idx.run(() => {
    const startOf = idx.stmt("SELECT start_offset FROM turns WHERE name = ? AND seq = ?");
    const startsBefore = (seq: number) =>
      ((startOf.get(name, seq) as { start_offset: number } | undefined)?.start_offset ?? end) < end;
    const last = idx.stmt("SELECT seq FROM turns WHERE name = ? ORDER BY seq DESC LIMIT 1").get(name) as
      | { seq: number }
      | undefined;
    if (!last) return 0;
    if (startsBefore(last.seq)) return last.seq + 1;
    // The first seq in [lo, hi] whose turn does not start before `end`; the last turn is such a one.
    let lo = 0;
    let hi = last.seq;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (startsBefore(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }, 0);
}

/** A rollout's turns with seq in `[from, to]`, ascending. */
export function turnsBySeq(idx: IndexDb, name: string, from: number, to: number): TurnRecord[] {
  return idx.run(
    () =>
      (
        idx
          .stmt("SELECT * FROM turns WHERE name = ? AND seq BETWEEN ? AND ? ORDER BY seq")
          .all(name, from, to) as TurnRow[]
      ).map(fromRow),
    [],
  );
}

/** One turn by id (null when the rollout has no such turn). */
export function turnById(idx: IndexDb, name: string, turnId: string): TurnRecord | null {
  return idx.run(() => {
    const row = idx
      .stmt("SELECT * FROM turns WHERE name = ? AND turn_id = ? ORDER BY seq LIMIT 1")
      .get(name, turnId) as TurnRow | undefined;
    return row ? fromRow(row) : null;
  }, null);
}

interface TurnRow {
  seq: number;
  turn_id: string;
  first_line: number;
  start_offset: number;
  end_offset: number;
  started_ms: number | null;
  completed_ms: number | null;
  status: string;
  explicit: number;
  start_hash: string;
  text_before: number;
  items_before: number;
}

function fromRow(r: TurnRow): TurnRecord {
  return {
    seq: r.seq,
    turnId: r.turn_id,
    firstLine: r.first_line,
    startOffset: r.start_offset,
    endOffset: r.end_offset,
    startedAtMs: r.started_ms,
    completedAtMs: r.completed_ms,
    status: r.status as TurnRecord["status"],
    explicit: r.explicit === 1,
    startHash: r.start_hash,
    textBefore: r.text_before,
    itemsBefore: r.items_before,
  };
}

/** Opens a rollout for indexing or reading (regular files only). */
export async function openRollout(path: string): Promise<FileHandle> {
  return (await openRegularFile(path)).handle;
}

/**
 * Checks that an open rollout still holds the bytes a generation names (same inode, same first bytes) and is at
 * least `end` bytes long; throws RolloutChangedError otherwise.
 */
export async function checkGeneration(
  handle: FileHandle,
  path: string,
  generation: string,
  end: number,
): Promise<void> {
  const colon = generation.indexOf(":");
  const ino = Number(generation.slice(0, colon));
  const head = generation.slice(colon + 1);
  const st = await handle.stat();
  if (st.ino !== ino || st.size < end || (await rangeHash(handle, 0, headLength(head))) !== head) {
    throw new RolloutChangedError(path);
  }
}
