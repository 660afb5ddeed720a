import { readdirSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { factsFromHead } from "./facts.js";
import { readListedHead } from "./head.js";
import type { IndexDb } from "./index-db.js";
import {
  allPending,
  type FileEntry,
  filesInDir,
  forgetFiles,
  forgetTree,
  type HeadEntry,
  pendingInDir,
  putDay,
  putDir,
  putFiles,
  putHeads,
  recordedDay,
  recordedDays,
  recordedDir,
  touchHead,
} from "./index-heads.js";
import {
  type ContinuationEntry,
  continuationEntry,
  continuationsInDir,
  forgetContinuations,
  putContinuations,
} from "./index-tips.js";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  parseContinuationFileName,
  parseRolloutFileName,
  SESSIONS_SUBDIR,
} from "./paths.js";

/**
 * A folder changed within this many ms might change again within the same mtime tick on coarse file systems:
 * its listing is used but its mtime not recorded, so it is listed again next time.
 */
export const RECENT_MS = 3000;
/**
 * Heads are read a batch at a time (most with one synchronous read each, see `readListedHead`); between batches
 * other requests get their turn, so filling a cold index of a big store never stalls the server.
 */
const HEAD_READS_AT_ONCE = 32;
let headsSinceYield = 0;

/** A day folder of sessions/ (`sessions/2026/11/20`) and its date as a number (20261120) for range checks. */
export interface DayRef {
  key: string;
  num: number;
}

/** Rows waiting to be written in one transaction (see `Catalog.flush`). */
class Writes {
  forget: string[] = [];
  files: FileEntry[] = [];
  heads: HeadEntry[] = [];
  touch: { name: string; size: number; mtime: number }[] = [];
  days: { key: string; mtime: number | null; heads: boolean }[] = [];
  continuations: ContinuationEntry[] = [];
  forgetContinuations: string[] = [];

  get size(): number {
    return (
      this.forget.length +
      this.files.length +
      this.heads.length +
      this.touch.length +
      this.days.length +
      this.continuations.length +
      this.forgetContinuations.length
    );
  }
}

/** Buffered rows are written once this many are waiting, so a big fill holds little and commits in few steps. */
const FLUSH_AT = 4000;

/** What one request has already checked: folders are stat'd at most once per request. */
export class Validation {
  readonly days = new Map<string, boolean>(); // day key → checked with heads
  readonly dirs = new Map<string, string[]>();
  /**
   * For checks of many folders: every recorded folder and every pending file, loaded with one query each instead
   * of one per folder (see `Catalog.preload`).
   */
  recorded?: Map<string, { mtime: number; heads: boolean }>;
  pending?: Map<string, { name: string; size: number; mtime: number }[]>;
  readonly revalidated = new Set<string>();
  /** Something the index held was found out of date (and corrected). */
  changed = false;
}

const statOrNull = (path: string): Stats | null => {
  try {
    return statSync(path);
  } catch {
    return null;
  }
};

/**
 * Keeps the index's picture of CODEX_HOME's rollout folders true, folder by folder: a folder whose mtime is the one
 * recorded when all its files were recorded has gained and lost no file, so its files need no look; a changed
 * folder is listed again and only its new or changed files are read. Files whose head was read to EOF before it
 * was complete (a session waiting for its first message) are stat'd every time their folder is checked, since
 * appends change them without changing the folder. Stats and listings are synchronous: each costs microseconds
 * and is bounded by the folders a page needs, and the async versions cost far more in a busy event loop.
 */
export class Catalog {
  /**
   * Writes are buffered and committed together (`flush`): one transaction per folder made a cold fill of a big
   * store spend its time committing (and the text index merging its segments). Callers flush before they query.
   */
  private writes = new Writes();
  /** A thread id a lookup is after: rescans note its files here, before their rows are flushed. */
  watching: string | null = null;
  readonly discovered: string[] = [];

  constructor(
    readonly codexHome: string,
    readonly idx: IndexDb,
  ) {}

  /** Writes the buffered rows in one transaction. */
  flush(): void {
    const w = this.writes;
    if (w.size === 0) return;
    this.writes = new Writes();
    this.idx.write(() => {
      forgetFiles(this.idx, w.forget);
      putFiles(this.idx, w.files);
      putHeads(this.idx, w.heads);
      for (const t of w.touch) touchHead(this.idx, t.name, t.size, t.mtime);
      for (const d of w.days) putDay(this.idx, d.key, d.mtime, d.heads);
      forgetContinuations(this.idx, w.forgetContinuations);
      putContinuations(this.idx, w.continuations);
    });
  }

  private flushIfBig(): void {
    if (this.writes.size >= FLUSH_AT) this.flush();
  }

  abs(key: string): string {
    return join(this.codexHome, ...key.split("/"));
  }

  /**
   * The numeric sub-folders of a sessions/ tree folder (years, months or days), newest first, from the index
   * when the folder's mtime says nothing was added or removed since they were recorded.
   */
  children(dirKey: string, v: Validation): string[] {
    const memo = v.dirs.get(dirKey);
    if (memo) return memo;
    const st = statOrNull(this.abs(dirKey));
    const rec = recordedDir(this.idx, dirKey);
    let names: string[] = [];
    if (!st?.isDirectory()) {
      if (rec) forgetTree(this.idx, dirKey); // the folder went: so did every session under it
    } else if (rec && rec.mtime === st.mtimeMs) {
      names = rec.children;
    } else {
      try {
        names = readdirSync(this.abs(dirKey), { withFileTypes: true })
          .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
          .map((e) => e.name)
          .sort((a, b) => Number(b) - Number(a));
      } catch {
        names = [];
      }
      for (const gone of rec?.children ?? [])
        if (!names.includes(gone)) forgetTree(this.idx, `${dirKey}/${gone}`);
      putDir(this.idx, dirKey, Date.now() - st.mtimeMs > RECENT_MS ? st.mtimeMs : -1, names);
    }
    v.dirs.set(dirKey, names);
    return names;
  }

  /** Loads what checks of many folders need in two queries (see `Validation.recorded`). */
  preload(v: Validation): void {
    v.recorded = recordedDays(this.idx);
    v.pending = new Map();
    for (const p of allPending(this.idx)) {
      const dir = p.name.slice(0, p.name.lastIndexOf("/"));
      const list = v.pending.get(dir);
      if (list) list.push(p);
      else v.pending.set(dir, [p]);
    }
  }

  /**
   * The day folders of sessions/, newest first (or oldest first), starting at day number `from` (inclusive) when
   * given. Lazy: a consumer that stops early checks only the year and month folders it reached.
   */
  *days(v: Validation, direction: "desc" | "asc", from: number | null = null): Generator<DayRef> {
    const order = <T>(xs: T[]) => (direction === "desc" ? xs : [...xs].reverse());
    const before = (num: number, span: number) =>
      from !== null && (direction === "desc" ? num > from : num + span < from);
    for (const y of order(this.children(SESSIONS_SUBDIR, v))) {
      const yNum = Number(y) * 10000;
      if (before(yNum, 9999)) continue;
      const yKey = `${SESSIONS_SUBDIR}/${y}`;
      for (const m of order(this.children(yKey, v))) {
        const mNum = yNum + Number(m) * 100;
        if (before(mNum, 99)) continue;
        const mKey = `${yKey}/${m}`;
        for (const d of order(this.children(mKey, v))) {
          const num = mNum + Number(d);
          if (before(num, 0)) continue;
          yield { key: `${mKey}/${d}`, num };
        }
      }
    }
  }

  /**
   * Makes the index hold every file of a rollout folder (a day folder or archived_sessions), with their heads when
   * `heads`. Returns whether anything the index held was out of date.
   */
  async ensureFolder(key: string, v: Validation, heads: boolean): Promise<boolean> {
    const checked = v.days.get(key);
    if (checked === true || (checked === false && !heads)) return false;
    v.days.set(key, heads);
    const st = statOrNull(this.abs(key));
    if (!st?.isDirectory()) {
      const known = [...filesInDir(this.idx, key).keys()];
      this.writes.forget.push(...known);
      this.writes.forgetContinuations.push(...continuationsInDir(this.idx, key).keys());
      this.writes.days.push({ key, mtime: null, heads: false });
      return this.mark(v, known.length > 0);
    }
    const rec = v.recorded ? v.recorded.get(key) : recordedDay(this.idx, key);
    if (rec && rec.mtime === st.mtimeMs && (rec.heads || !heads)) {
      return this.mark(v, heads ? await this.refreshPending(key, v) : false);
    }
    const { changed, allHeads } = await this.rescan(key, heads);
    this.writes.days.push({
      key,
      mtime: Date.now() - st.mtimeMs > RECENT_MS ? st.mtimeMs : null,
      heads: allHeads,
    });
    this.flushIfBig();
    return this.mark(v, changed);
  }

  private mark(v: Validation, changed: boolean): boolean {
    if (changed) v.changed = true;
    return changed;
  }

  /** Lists a folder again: forgets files that went, records new ones, reads heads that are new or out of date. */
  private async rescan(key: string, heads: boolean): Promise<{ changed: boolean; allHeads: boolean }> {
    const archived = key === ARCHIVED_SESSIONS_SUBDIR;
    const found: FileEntry[] = [];
    const continuations: string[] = [];
    try {
      for (const e of readdirSync(this.abs(key), { withFileTypes: true })) {
        if (!e.isFile()) continue;
        const parsed = parseRolloutFileName(e.name);
        if (parsed) found.push({ name: `${key}/${e.name}`, dir: key, archived, ...parsed });
        else if (parseContinuationFileName(e.name)) continuations.push(e.name);
      }
    } catch {
      // vanished or unreadable: treated as empty
    }
    const continuationsChanged = this.recordContinuations(key, continuations);
    const known = filesInDir(this.idx, key);
    const seen = new Set(found.map((f) => f.name));
    const gone = [...known.keys()].filter((name) => !seen.has(name));
    this.writes.forget.push(...gone);
    const added = found.filter((f) => !known.has(f.name));
    this.writes.files.push(...added);
    if (this.watching !== null) {
      for (const f of found) if (f.id === this.watching) this.discovered.push(f.name);
    }
    if (!heads) {
      return {
        changed: gone.length > 0 || added.length > 0 || continuationsChanged,
        allHeads: found.every((f) => known.get(f.name)?.hasHead === true),
      };
    }
    const toRead: FileEntry[] = [];
    for (const f of found) {
      const k = known.get(f.name);
      const st = statOrNull(this.abs(f.name));
      if (!st) continue;
      if (k?.hasHead && k.size !== null && (k.size === st.size || (k.complete && st.size > k.size))) {
        if (k.size !== st.size || k.mtime !== st.mtimeMs) {
          this.writes.touch.push({ name: f.name, size: st.size, mtime: st.mtimeMs });
        }
      } else toRead.push(f);
    }
    this.writes.heads.push(...(await this.readHeads(toRead)));
    return {
      changed: gone.length > 0 || added.length > 0 || toRead.length > 0 || continuationsChanged,
      allHeads: true,
    };
  }

  /**
   * Records the continuations among a folder's files (`names`: the ones that are not first rollouts), each with its
   * mtime (a stat each: a folder holds few), and forgets the ones that went. Returns whether anything changed.
   */
  private recordContinuations(key: string, names: readonly string[]): boolean {
    const known = continuationsInDir(this.idx, key);
    let changed = false;
    const seen = new Set<string>();
    for (const file of names) {
      const st = statOrNull(this.abs(`${key}/${file}`));
      const entry = st?.isFile() ? continuationEntry(key, file, st.mtimeMs) : null;
      if (!entry) continue;
      seen.add(entry.name);
      if (known.get(entry.name) === entry.mtime) continue;
      this.writes.continuations.push(entry);
      changed = true;
    }
    for (const name of known.keys()) {
      if (seen.has(name)) continue;
      this.writes.forgetContinuations.push(name);
      changed = true;
    }
    return changed;
  }

  /**
   * Checks the newest continuation of each listed row (`tip`, see index-tips.ts) against its file: appends move its
   * mtime (the thread's `updatedAt`), a move or delete makes its folder be listed again. Returns whether the page
   * must be queried again.
   */
  checkTips(rows: readonly { tip?: string | null; tipMtime?: number | null }[]): boolean {
    let changed = false;
    for (const r of rows) {
      if (!r.tip) continue;
      const slash = r.tip.lastIndexOf("/");
      const dir = r.tip.slice(0, slash);
      const st = statOrNull(this.abs(r.tip));
      const entry = st?.isFile() ? continuationEntry(dir, r.tip.slice(slash + 1), st.mtimeMs) : null;
      if (!entry) {
        this.writes.forgetContinuations.push(r.tip);
        this.writes.days.push({ key: dir, mtime: null, heads: false });
        changed = true;
      } else if (entry.mtime !== r.tipMtime) {
        this.writes.continuations.push(entry);
        changed = true;
      }
    }
    return changed;
  }

  /** Re-reads the heads of a folder's files that were incomplete and have changed since. */
  private async refreshPending(key: string, v: Validation): Promise<boolean> {
    const changed: FileEntry[] = [];
    for (const p of v.pending ? (v.pending.get(key) ?? []) : pendingInDir(this.idx, key)) {
      const st = statOrNull(this.abs(p.name));
      if (st && st.size === p.size && st.mtimeMs === p.mtime) continue;
      const parsed = parseRolloutFileName(p.name.slice(p.name.lastIndexOf("/") + 1));
      if (!st || !parsed) {
        this.writes.forget.push(p.name);
        continue;
      }
      changed.push({ name: p.name, dir: key, archived: key === ARCHIVED_SESSIONS_SUBDIR, ...parsed });
    }
    this.writes.heads.push(...(await this.readHeads(changed)));
    return changed.length > 0;
  }

  /** Reads heads; files that vanished or cannot be read are left out. */
  async readHeads(files: readonly FileEntry[]): Promise<HeadEntry[]> {
    const out: HeadEntry[] = [];
    for (const f of files) {
      const h = await this.readHeadOf(f);
      if (h) out.push(h);
      if (++headsSinceYield >= HEAD_READS_AT_ONCE) {
        headsSinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return out;
  }

  async readHeadOf(f: FileEntry): Promise<HeadEntry | null> {
    try {
      const { head, size, mtimeMs } = await readListedHead(this.abs(f.name));
      return { ...f, size, mtime: mtimeMs, complete: head.complete, facts: factsFromHead(head) };
    } catch {
      return null; // deleted since, or not a regular file: not listed
    }
  }

  /**
   * Checks rows a page is about to return against their files: a file that went is forgotten, one that changed is
   * re-read (or, when only appended to after a complete head, its size and mtime updated). Returns whether the
   * page must be queried again.
   */
  async revalidate(
    rows: readonly { name: string; size: number; mtime: number; complete: boolean }[],
    orderByMtime: boolean,
  ): Promise<boolean> {
    let changed = false;
    const reread: FileEntry[] = [];
    for (const r of rows) {
      const st = statOrNull(this.abs(r.name));
      if (!st?.isFile()) {
        this.writes.forget.push(r.name);
        changed = true;
        continue;
      }
      if (st.size === r.size && st.mtimeMs === r.mtime) continue;
      if (r.complete && st.size > r.size) {
        this.writes.touch.push({ name: r.name, size: st.size, mtime: st.mtimeMs });
        if (orderByMtime) changed = true;
        continue;
      }
      const slash = r.name.lastIndexOf("/");
      const parsed = parseRolloutFileName(r.name.slice(slash + 1));
      if (!parsed) continue;
      const dir = r.name.slice(0, slash);
      reread.push({ name: r.name, dir, archived: dir === ARCHIVED_SESSIONS_SUBDIR, ...parsed });
    }
    if (reread.length > 0) {
      this.writes.heads.push(...(await this.readHeads(reread)));
      changed = true;
    }
    return changed;
  }

  /** `revalidate` for every file of a folder whose head is cached (once per request). */
  async revalidateFolder(key: string, v: Validation): Promise<boolean> {
    if (v.revalidated.has(key)) return false;
    v.revalidated.add(key);
    this.flush(); // the folder's rows as its check just left them
    const rows = [];
    for (const [name, f] of filesInDir(this.idx, key)) {
      if (f.hasHead && f.size !== null && f.mtime !== null)
        rows.push({ name, size: f.size, mtime: f.mtime, complete: f.complete });
    }
    const tips = [...continuationsInDir(this.idx, key)].map(([tip, tipMtime]) => ({ tip, tipMtime }));
    const tipsChanged = this.checkTips(tips);
    return this.mark(v, (await this.revalidate(rows, true)) || tipsChanged);
  }
}
