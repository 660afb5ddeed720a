import { readdir } from "node:fs/promises";
import { basename, dirname, join, normalize, sep } from "node:path";
import { Catalog, Validation } from "./catalog.js";
import { isCompressed, restoreCompressed } from "./compressed.js";
import { confineRolloutPath } from "./confine.js";
import type { IndexDb } from "./index-db.js";
import { forgetFiles, namesForId, putFiles } from "./index-heads.js";
import { isFile } from "./is-file.js";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  isUuid,
  joinNormalized,
  parseContinuationFileName,
  parseRolloutFileName,
  rolloutPathFor,
  SESSIONS_SUBDIR,
} from "./paths.js";
import { type Candidate, dayDirsNewestFirst, rolloutsInDay } from "./walk.js";

/** A thread named by id (live first, then archived) or by rollout path (confined to the sessions directories). */
export type ThreadTarget = { threadId: string } | { path: string };

/** What the store's parts share: CODEX_HOME, the index (opened on demand) and path → index key. */
export interface StoreContext {
  codexHome: string;
  index(): IndexDb | null;
  keyOf(path: string): string;
}

/** No rollout for a thread id (the message contains 0.166.0's `no rollout found for thread id`). */
export class ThreadNotFoundError extends Error {
  override readonly name = "ThreadNotFoundError";
}

const DAY_MS = 24 * 3600 * 1000;

/** Finds rollouts by thread id (live, archived) or confines a client's path: the lookups of `SessionsStore`. */
export class RolloutLookup {
  /** CODEX_HOME normalized once: index keys are joined to it without normalizing the whole path each time. */
  private readonly home: string;

  constructor(private readonly ctx: StoreContext) {
    this.home = normalize(ctx.codexHome);
  }

  private abs(name: string): string {
    return joinNormalized(this.home, sep === "/" ? name : name.split("/").join(sep));
  }

  private entryOf(path: string) {
    const name = this.ctx.keyOf(path);
    const dir = name.slice(0, name.lastIndexOf("/"));
    const parsed = parseRolloutFileName(basename(path))!;
    return { name, dir, archived: dir === ARCHIVED_SESSIONS_SUBDIR, ...parsed };
  }

  /** Resolves a target to its rollout: real path and index key; ThreadNotFoundError / RolloutPathError. */
  async resolve(target: ThreadTarget): Promise<{ path: string; name: string; id: string }> {
    let path: string;
    if ("path" in target) {
      path = await confineRolloutPath(this.ctx.codexHome, target.path);
    } else {
      const found =
        (await this.findPathById(target.threadId)) ?? (await this.findArchivedPathById(target.threadId));
      if (!found) throw new ThreadNotFoundError(`no rollout found for thread id ${target.threadId}`);
      path = found;
    }
    if (isCompressed(path)) path = await this.restore(path);
    const name = basename(path);
    // A continuation (continuations.ts, a reverted thread's rollout while loaded) is its thread's.
    const id = parseRolloutFileName(name)?.id ?? parseContinuationFileName(name)?.threadId ?? "";
    return { path, name: this.ctx.keyOf(path), id };
  }

  /**
   * A rollout 0.166.0 compressed, restored to `.jsonl` before anything reads it (compressed.ts), its index entry
   * following it.
   */
  private async restore(path: string): Promise<string> {
    let restored: string;
    try {
      restored = await restoreCompressed(path);
    } catch (err) {
      throw new Error(`failed to decompress rollout ${path}: ${(err as Error).message}`);
    }
    const idx = this.ctx.index();
    if (idx) {
      forgetFiles(idx, [this.ctx.keyOf(path)]);
      putFiles(idx, [this.entryOf(restored)]);
    }
    return restored;
  }

  /** A found rollout, restored first when it is compressed. */
  private async plain(path: string | null): Promise<string | null> {
    return path && isCompressed(path) ? this.restore(path) : path;
  }

  /**
   * The live rollout of a conversation id; archived sessions are not found. Tries, in order: the index (entry
   * checked on disk), the day folders around the creation time a UUID v7 carries, then the day folders newest
   * first, listing only those that changed since the index recorded them, so the next lookup of an older id is
   * direct and a miss re-lists only the folders that changed.
   */
  async findPathById(id: string): Promise<string | null> {
    return this.plain(await this.findStoredPathById(id));
  }

  /** `findPathById` without restoring a compressed rollout. */
  private async findStoredPathById(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const wanted = id.toLowerCase();
    const idx = this.ctx.index();
    const hit = idx ? await this.checkedNames(idx, wanted, false) : null;
    if (hit) return hit;
    const near = await this.findNearUuidTime(wanted);
    if (near) {
      if (idx) putFiles(idx, [this.entryOf(near.path)]);
      return near.path;
    }
    if (!idx) {
      for (const day of dayDirsNewestFirst(join(this.ctx.codexHome, SESSIONS_SUBDIR))) {
        const file = rolloutsInDay(day).find((c) => c.id === wanted);
        if (file) return file.path;
      }
      return null;
    }
    const cat = new Catalog(this.ctx.codexHome, idx);
    const v = new Validation();
    cat.preload(v);
    cat.watching = wanted;
    try {
      for (const day of cat.days(v, "desc")) {
        if (!(await cat.ensureFolder(day.key, v, false))) continue;
        for (const name of cat.discovered.splice(0)) {
          const path = this.abs(name);
          if (await isFile(path)) return path;
        }
      }
    } finally {
      cat.flush(); // every folder listed is recorded: the next lookup skips those unchanged
    }
    // Another walk (the index warmed after a first page, a listing) may have recorded the thread's folder between
    // the index's miss above and this walk, which then skipped the folder as unchanged: its rows are there now.
    return this.checkedNames(idx, wanted, false);
  }

  /** The archived rollout of an id (archived_sessions/ is flat: one folder to check). */
  async findArchivedPathById(id: string): Promise<string | null> {
    return this.plain(await this.findStoredArchivedPathById(id));
  }

  /** `findArchivedPathById` without restoring a compressed rollout. */
  private async findStoredArchivedPathById(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const wanted = id.toLowerCase();
    const idx = this.ctx.index();
    if (!idx) {
      const dir = join(this.ctx.codexHome, ARCHIVED_SESSIONS_SUBDIR);
      const names = await readdir(dir).catch(() => [] as string[]);
      const name = names.find((n) => parseRolloutFileName(n)?.id === wanted);
      return name ? join(dir, name) : null;
    }
    const found = await this.checkedNames(idx, wanted, true);
    if (found) return found;
    const cat = new Catalog(this.ctx.codexHome, idx);
    await cat.ensureFolder(ARCHIVED_SESSIONS_SUBDIR, new Validation(), false);
    cat.flush();
    // Checked again even when the folder looked unchanged: another walk may have recorded it since the miss above.
    return this.checkedNames(idx, wanted, true);
  }

  /** The first recorded file of an id that still exists; entries whose file went are dropped. */
  private async checkedNames(idx: IndexDb, id: string, archived: boolean): Promise<string | null> {
    const gone: string[] = [];
    try {
      for (const name of namesForId(idx, id, archived)) {
        const path = this.abs(name);
        if (await isFile(path)) return path;
        gone.push(name);
      }
      return null;
    } finally {
      forgetFiles(idx, gone);
    }
  }

  /**
   * Codex mints UUID v7 ids, whose first 48 bits are the creation time in ms; the file sits in the local day
   * folder of that moment. The neighbouring days are checked too, for sessions written under another time zone.
   */
  private async findNearUuidTime(id: string): Promise<Candidate | null> {
    if (id.charAt(14) !== "7") return null;
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    const days = new Set(
      [0, -DAY_MS, DAY_MS].map((d) => dirname(rolloutPathFor(this.ctx.codexHome, new Date(ms + d), id))),
    );
    for (const day of days) {
      const names = await readdir(day).catch(() => [] as string[]);
      for (const name of names) {
        const parsed = parseRolloutFileName(name);
        const path = join(day, name);
        if (parsed?.id === id && (await isFile(path))) return { path, ...parsed };
      }
    }
    return null;
  }
}
