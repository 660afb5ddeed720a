import type { IndexDb } from "./index-db.js";
import { ARCHIVED_SESSIONS_SUBDIR, parseContinuationFileName } from "./paths.js";

/**
 * The `continuations` rows of the sessions index: one per continuation rollout 0.166.0's `thread/revert` started
 * (continuations.ts), keyed like `heads` by its path relative to CODEX_HOME. Triggers (index-db.ts) copy each
 * thread's newest one onto its head (`heads.tip`, `heads.tip_mtime`), so a listing shows and orders a reverted
 * thread by where its history now ends without reading its chain.
 */

export interface ContinuationEntry {
  name: string;
  dir: string;
  id: string;
  historyId: string;
  archived: boolean;
  mtime: number;
}

/** The entry of a continuation file `file` of folder `dir` (an index key), or null for any other file name. */
export function continuationEntry(dir: string, file: string, mtime: number): ContinuationEntry | null {
  const parsed = parseContinuationFileName(file);
  if (!parsed) return null;
  return {
    name: `${dir}/${file}`,
    dir,
    id: parsed.threadId,
    historyId: parsed.historyId,
    archived: dir === ARCHIVED_SESSIONS_SUBDIR,
    mtime,
  };
}

/** The continuations recorded in a folder, with the mtime recorded for each. */
export function continuationsInDir(idx: IndexDb, dir: string): Map<string, number> {
  return idx.run(
    () =>
      new Map(
        (
          idx.stmt("SELECT name, mtime FROM continuations WHERE dir = ?").all(dir) as {
            name: string;
            mtime: number;
          }[]
        ).map((r) => [r.name, r.mtime]),
      ),
    new Map(),
  );
}

/** Records continuations (or their new mtime). */
export function putContinuations(idx: IndexDb, entries: readonly ContinuationEntry[]): void {
  if (entries.length === 0) return;
  idx.write(() => {
    const upsert = idx.stmt(`INSERT INTO continuations (name, dir, id, history_id, archived, mtime)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET mtime = excluded.mtime
      WHERE continuations.mtime IS NOT excluded.mtime`);
    for (const e of entries) upsert.run(e.name, e.dir, e.id, e.historyId, e.archived ? 1 : 0, e.mtime);
  });
}

/** Drops continuations from the index (their files went). */
export function forgetContinuations(idx: IndexDb, names: readonly string[]): void {
  if (names.length === 0) return;
  idx.write(() => {
    const del = idx.stmt("DELETE FROM continuations WHERE name = ?");
    for (const name of names) del.run(name);
  });
}

/** Drops every continuation of a thread (it was deleted). */
export function forgetContinuationsOf(idx: IndexDb, threadId: string): void {
  idx.run(() => idx.stmt("DELETE FROM continuations WHERE id = ?").run(threadId), undefined);
}

/** Drops every continuation under a folder of the sessions tree that is gone (see `forgetTree`). */
export function forgetContinuationsUnder(idx: IndexDb, prefix: string, like: string): void {
  idx.run(
    () => idx.stmt("DELETE FROM continuations WHERE dir = ? OR dir LIKE ? ESCAPE '\\'").run(prefix, like),
    undefined,
  );
}
