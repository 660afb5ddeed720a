import { type HeadFacts, isListable, sourceKind } from "./facts.js";
import type { IndexDb } from "./index-db.js";
import { forgetContinuationsUnder } from "./index-tips.js";
import { dropTurnRows, renameTurnRows } from "./turn-index.js";

/**
 * The `heads` rows of the sessions index: one per rollout file, keyed by its path relative to CODEX_HOME
 * (`sessions/2026/11/20/rollout-….jsonl`, `archived_sessions/rollout-….jsonl`), with the head facts once the head
 * was read and the columns the indexed filters test. Every function here is one statement or one transaction;
 * callers check the rows against the file system before trusting them.
 */

/** A file as a directory listing shows it: enough to find it by id and order it. */
export interface FileEntry {
  name: string;
  dir: string;
  id: string;
  /** The file name's timestamp (`2026-11-20T12-00-00`). */
  timestamp: string;
  archived: boolean;
}

/** A file whose head was read: its facts and the size and mtime they are valid for. */
export interface HeadEntry extends FileEntry {
  size: number;
  mtime: number;
  complete: boolean;
  facts: HeadFacts;
}

export interface CachedHead {
  size: number;
  mtime: number;
  complete: boolean;
  facts: HeadFacts;
}

interface HeadRowDb {
  size: number;
  mtime: number;
  complete: number;
  facts: string;
}

export function cachedHead(idx: IndexDb, name: string): CachedHead | undefined {
  return idx.run(() => {
    const row = idx
      .stmt("SELECT size, mtime, complete, facts FROM heads WHERE name = ? AND facts IS NOT NULL")
      .get(name) as HeadRowDb | undefined;
    return row ? toCached(row) : undefined;
  }, undefined);
}

function toCached(row: HeadRowDb): CachedHead {
  return { size: row.size, mtime: row.mtime, complete: row.complete === 1, facts: JSON.parse(row.facts) };
}

/** Records files a directory listing found (no head yet); files already known are left as they are. */
export function putFiles(idx: IndexDb, entries: readonly FileEntry[]): void {
  if (entries.length === 0) return;
  idx.write(() => {
    const insert = idx.stmt(
      "INSERT OR IGNORE INTO heads (name, dir, id, ts, archived) VALUES (?, ?, ?, ?, ?)",
    );
    for (const e of entries) insert.run(e.name, e.dir, e.id, e.timestamp, e.archived ? 1 : 0);
  });
}

/** Records heads that were read (replacing what was cached), keeping the text index in step. */
export function putHeads(idx: IndexDb, entries: readonly HeadEntry[]): void {
  if (entries.length === 0) return;
  idx.write(() => {
    const upsert = idx.stmt(`INSERT INTO heads
        (name, dir, id, ts, archived, size, mtime, complete, facts, listable, kind, provider, cwd, preview, parent)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET dir = excluded.dir, id = excluded.id, ts = excluded.ts,
        archived = excluded.archived, size = excluded.size, mtime = excluded.mtime, complete = excluded.complete,
        facts = excluded.facts, listable = excluded.listable, kind = excluded.kind, provider = excluded.provider,
        cwd = excluded.cwd, preview = excluded.preview, parent = excluded.parent
      RETURNING rid`);
    // Deleting from the text index is costly even for a row it does not hold: only rows indexed before are.
    const before = idx.stmt("SELECT listable, preview FROM heads WHERE name = ?");
    const unindex = idx.stmt("DELETE FROM heads_text WHERE rowid = ?");
    const index = idx.stmt("INSERT INTO heads_text (rowid, preview) VALUES (?, ?)");
    for (const e of entries) {
      const listable = isListable(e.facts);
      const preview = e.facts.summary?.preview ?? null;
      const old = before.get(e.name) as { listable: number; preview: string | null } | undefined;
      const wasIndexed = old !== undefined && old.listable === 1 && !!old.preview;
      const { rid } = upsert.get(
        e.name,
        e.dir,
        e.id,
        e.timestamp,
        e.archived ? 1 : 0,
        e.size,
        e.mtime,
        e.complete ? 1 : 0,
        JSON.stringify(e.facts),
        listable ? 1 : 0,
        sourceKind(e.facts.source),
        e.facts.provider,
        e.facts.summary?.cwd ?? null,
        preview,
        e.facts.parentThreadId ?? null,
      ) as { rid: number };
      if (wasIndexed) unindex.run(rid);
      if (listable && preview) index.run(rid, preview);
    }
  });
}

/** A file grew or was touched without its head changing (appends after a complete head). */
export function touchHead(idx: IndexDb, name: string, size: number, mtime: number): void {
  idx.run(
    () => idx.stmt("UPDATE heads SET size = ?, mtime = ? WHERE name = ?").run(size, mtime, name),
    undefined,
  );
}

/** Names of the files recorded for a conversation id, newest first; only live or only archived ones. */
export function namesForId(idx: IndexDb, id: string, archived: boolean): string[] {
  return idx.run(
    () =>
      (
        idx
          .stmt("SELECT name FROM heads WHERE id = ? AND archived = ? ORDER BY ts DESC")
          .all(id, archived ? 1 : 0) as { name: string }[]
      ).map((r) => r.name),
    [],
  );
}

/** The files recorded in a folder, with what their cached head is valid for (null: head never read). */
export function filesInDir(
  idx: IndexDb,
  dir: string,
): Map<string, { size: number | null; mtime: number | null; complete: boolean; hasHead: boolean }> {
  return idx.run(() => {
    const rows = idx
      .stmt("SELECT name, size, mtime, complete, facts IS NOT NULL AS has FROM heads WHERE dir = ?")
      .all(dir) as {
      name: string;
      size: number | null;
      mtime: number | null;
      complete: number;
      has: number;
    }[];
    return new Map(
      rows.map((r) => [
        r.name,
        { size: r.size, mtime: r.mtime, complete: r.complete === 1, hasHead: r.has === 1 },
      ]),
    );
  }, new Map());
}

/** Files of a folder whose head was read to EOF before it was complete: appends may still change them. */
export function pendingInDir(idx: IndexDb, dir: string): { name: string; size: number; mtime: number }[] {
  return idx.run(
    () =>
      idx
        .stmt("SELECT name, size, mtime FROM heads WHERE dir = ? AND complete = 0 AND facts IS NOT NULL")
        .all(dir) as { name: string; size: number; mtime: number }[],
    [],
  );
}

/** Every pending file (see `pendingInDir`), for checks of many folders at once. */
export function allPending(idx: IndexDb): { name: string; size: number; mtime: number }[] {
  return idx.run(
    () =>
      idx.stmt("SELECT name, size, mtime FROM heads WHERE complete = 0 AND facts IS NOT NULL").all() as {
        name: string;
        size: number;
        mtime: number;
      }[],
    [],
  );
}

/** Drops files from the index (heads, text index and turn index). */
export function forgetFiles(idx: IndexDb, names: readonly string[]): void {
  if (names.length === 0) return;
  idx.write(() => {
    const del = idx.stmt("DELETE FROM heads WHERE name = ? RETURNING rid");
    const unindex = idx.stmt("DELETE FROM heads_text WHERE rowid = ?");
    for (const name of names) {
      const row = del.get(name) as { rid: number } | undefined;
      if (row) unindex.run(row.rid);
      dropTurnRows(idx, name);
    }
  });
}

/** Drops every row under a folder of the sessions tree that is gone (a year, month or day, or sessions/ itself). */
export function forgetTree(idx: IndexDb, prefix: string): void {
  const like = `${prefix.replaceAll("%", "\\%").replaceAll("_", "\\_")}/%`;
  const names = idx.run(
    () =>
      (idx.stmt("SELECT name FROM heads WHERE name LIKE ? ESCAPE '\\'").all(like) as { name: string }[]).map(
        (r) => r.name,
      ),
    [],
  );
  forgetFiles(idx, names);
  forgetContinuationsUnder(idx, prefix, like);
  idx.write(() => {
    idx.stmt("DELETE FROM days WHERE day = ? OR day LIKE ? ESCAPE '\\'").run(prefix, like);
    idx.stmt("DELETE FROM dirs WHERE dir = ? OR dir LIKE ? ESCAPE '\\'").run(prefix, like);
  });
}

/** Moves a file's rows to a new name (archive, unarchive): heads and the turn index follow the file. */
export function renameFile(idx: IndexDb, from: string, to: FileEntry): void {
  if (from !== to.name) forgetFiles(idx, [to.name]); // a stale row where the file now goes
  idx.write(() => {
    idx
      .stmt("UPDATE heads SET name = ?, dir = ?, archived = ? WHERE name = ?")
      .run(to.name, to.dir, to.archived ? 1 : 0, from);
    renameTurnRows(idx, from, to.name);
  });
}

/** A recorded folder: its mtime when every file in it was recorded, and whether their heads were read. */
export function recordedDay(idx: IndexDb, day: string): { mtime: number; heads: boolean } | undefined {
  return idx.run(() => {
    const row = idx.stmt("SELECT mtime, heads FROM days WHERE day = ?").get(day) as
      | { mtime: number; heads: number }
      | undefined;
    return row ? { mtime: row.mtime, heads: row.heads === 1 } : undefined;
  }, undefined);
}

/** Every recorded folder, for walks that check many of them (one query instead of one per folder). */
export function recordedDays(idx: IndexDb): Map<string, { mtime: number; heads: boolean }> {
  return idx.run(
    () =>
      new Map(
        (
          idx.stmt("SELECT day, mtime, heads FROM days").all() as {
            day: string;
            mtime: number;
            heads: number;
          }[]
        ).map((r) => [r.day, { mtime: r.mtime, heads: r.heads === 1 }]),
      ),
    new Map(),
  );
}

/** Records a folder as fully listed at `mtime`; null forgets it (the folder is listed again next time). */
export function putDay(idx: IndexDb, day: string, mtime: number | null, heads: boolean): void {
  idx.run(() => {
    if (mtime === null) idx.stmt("DELETE FROM days WHERE day = ?").run(day);
    else
      idx
        .stmt("INSERT OR REPLACE INTO days (day, mtime, heads) VALUES (?, ?, ?)")
        .run(day, mtime, heads ? 1 : 0);
  }, undefined);
}

export function recordedDir(idx: IndexDb, dir: string): { mtime: number; children: string[] } | undefined {
  return idx.run(() => {
    const row = idx.stmt("SELECT mtime, children FROM dirs WHERE dir = ?").get(dir) as
      | { mtime: number; children: string }
      | undefined;
    return row ? { mtime: row.mtime, children: JSON.parse(row.children) as string[] } : undefined;
  }, undefined);
}

/** Records a tree folder's sub-folders; `mtime` -1 keeps the listing but has the folder listed again next time. */
export function putDir(idx: IndexDb, dir: string, mtime: number, children: readonly string[]): void {
  idx.run(
    () =>
      idx
        .stmt("INSERT OR REPLACE INTO dirs (dir, mtime, children) VALUES (?, ?, ?)")
        .run(dir, mtime, JSON.stringify(children)),
    undefined,
  );
}
