import { realpathSync, statSync } from "node:fs";
import { mkdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ArchiveError } from "./archive.js";
import { Catalog, Validation } from "./catalog.js";
import { continuationsOf, moveContinuations } from "./continuations.js";
import { factsFromHead, INTERACTIVE_SOURCE_KINDS, summaryFromFacts } from "./facts.js";
import { readHead, readHeadQuick } from "./head.js";
import { cachedHead, forgetFiles, putFiles, putHeads, renameFile } from "./index-heads.js";
import { forgetContinuationsOf } from "./index-tips.js";
import { isFile } from "./is-file.js";
import {
  cursorFor,
  DEFAULT_PAGE_SIZE,
  type ListPage,
  type ListQuery,
  listSessions,
  parseCursor,
} from "./list.js";
import { RolloutLookup, type StoreContext, ThreadNotFoundError, type ThreadTarget } from "./lookup.js";
import { appendName, namesOf, removeNames, syncNames } from "./names.js";
import { osErrorText } from "./os-error.js";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  isUuid,
  parseContinuationFileName,
  parseRolloutFileName,
  SESSIONS_SUBDIR,
} from "./paths.js";
import { summaryFromHead } from "./summary.js";
import {
  normalizeThreadQuery,
  type ThreadPage,
  type ThreadQuery,
  type ThreadSearchPage,
  type ThreadSearchQuery,
  type ThreadSummary,
  threadCursor,
  threadSummary,
} from "./thread-list.js";
import { dayNumOfTs, type Freshness, pageFromIndex } from "./thread-pages.js";
import { anchorOf, type ThreadRow } from "./thread-query.js";
import { searchSnippet } from "./turn-text.js";

/** A delete refused: `invalid` (the client's: -32600) or `io` (the server's: -32603). */
export class DeleteError extends Error {
  override readonly name = "DeleteError";
  constructor(
    readonly kind: "invalid" | "io",
    message: string,
  ) {
    super(message);
  }
}

const CREATED_DESC = { key: "created", direction: "desc" } as const;
/** Listed threads checked at a time by `searchThreads`. */
const SEARCH_SCAN_PAGE = 64;

/** The day folder of a rollout file name's timestamp (`YYYY-MM-DDThh-mm-ss`): where unarchiving puts it back. */
const dayFolderOf = (codexHome: string, ts: string) =>
  join(codexHome, SESSIONS_SUBDIR, ts.slice(0, 4), ts.slice(5, 7), ts.slice(8, 10));

/** Listing, lookup, names, archive/unarchive and delete: the thread-level half of `SessionsStore`. */
export class StoreThreads {
  private readonly freshness: Freshness;
  private readonly lookup: RolloutLookup;

  constructor(
    private readonly ctx: StoreContext,
    updatedCheckMs?: number,
  ) {
    this.lookup = new RolloutLookup(ctx);
    this.freshness = {
      fullCheckAt: 0,
      sweep: null,
      ...(updatedCheckMs !== undefined ? { everyMs: updatedCheckMs } : {}),
    };
  }

  /** Resolves when a background check of every folder (for `updated_at` listings) is done, if one is running. */
  async settled(): Promise<void> {
    await this.freshness.sweep;
  }

  private abs(name: string): string {
    return join(this.ctx.codexHome, ...name.split("/"));
  }

  private catalog(): Catalog | null {
    const idx = this.ctx.index();
    return idx ? new Catalog(this.ctx.codexHome, idx) : null;
  }

  /** Codex 0.58.0's listing from the index (the files' own walk when there is no index). */
  async list(query: ListQuery): Promise<ListPage> {
    const cat = this.catalog();
    if (!cat) return listSessions(join(this.ctx.codexHome, SESSIONS_SUBDIR), query);
    const providers =
      query.modelProviders === undefined || query.modelProviders === null
        ? [query.defaultProvider]
        : query.modelProviders.length === 0
          ? null
          : query.modelProviders;
    const anchor = parseCursor(query.cursor);
    const { rows, more } = await pageFromIndex(cat, {
      filter: {
        archived: false,
        sourceKinds: INTERACTIVE_SOURCE_KINDS,
        providers,
        defaultProvider: query.defaultProvider,
        cwds: null,
        search: null,
      },
      order: CREATED_DESC,
      anchor: anchor ? { value: anchor.timestamp, id: anchor.id } : null,
      limit: Math.max(1, query.pageSize ?? DEFAULT_PAGE_SIZE),
    });
    const items = rows.flatMap(
      (r) => summaryFromFacts(this.abs(r.name), r.facts, query.defaultProvider) ?? [],
    );
    const last = rows.at(-1);
    return { items, nextCursor: more && last ? cursorFor({ timestamp: last.ts, id: last.id }) : null };
  }

  async listThreads(query: ThreadQuery): Promise<ThreadPage> {
    const cat = this.requireCatalog();
    const q = normalizeThreadQuery(query);
    await syncNames(this.ctx.codexHome, cat.idx);
    const { rows, more } = await pageFromIndex(cat, { ...q, freshness: this.freshness });
    const names = namesOf(
      cat.idx,
      rows.map((r) => r.id),
    );
    const items: ThreadSummary[] = [];
    for (const r of rows) {
      // A thread 0.166.0 reverted is shown at its newest continuation, where its history now ends (as 0.166.0 does).
      const listed = threadSummary(
        this.abs(r.tip ?? r.name),
        r,
        query.defaultProvider,
        names.get(r.id) ?? null,
      );
      // A thread with no user message yet has no summary in the index; `includeEmpty` lists it as `readThread`
      // shows it (an empty preview), one rollout head read per such thread on the page.
      const empty =
        !listed && q.filter.includeEmpty
          ? await this.readThread({ threadId: r.id }, query.defaultProvider).catch(() => null)
          : null;
      const item = listed ?? empty;
      if (item) items.push(item);
    }
    const last = rows.at(-1);
    return { items, nextCursor: more && last ? threadCursor(last, q.order) : null };
  }

  /**
   * `thread/search`: the threads `listThreads` would list (same order, cursors and filters) whose conversation holds
   * the term, each with a snippet of its first matching message. `textsOf` gives each rollout's first message
   * holding the term (from the turn index's texts), so a page reads the index, not the rollouts: listed rows are
   * checked a scan page at a time until the page has one match more than its limit (which says whether a next page
   * exists).
   */
  async searchThreads(
    query: ThreadSearchQuery,
    textsOf: (
      rows: { name: string; path: string; id: string; tip: string | null }[],
    ) => Promise<Map<string, string>>,
  ): Promise<ThreadSearchPage> {
    const cat = this.requireCatalog();
    const q = normalizeThreadQuery({ ...query, searchTerm: null });
    await syncNames(this.ctx.codexHome, cat.idx);
    const hits: { row: ThreadRow; snippet: string }[] = [];
    let anchor = q.anchor;
    for (;;) {
      const { rows, more } = await pageFromIndex(cat, {
        ...q,
        anchor,
        limit: SEARCH_SCAN_PAGE,
        freshness: this.freshness,
      });
      const texts = await textsOf(
        rows.map((row) => ({ name: row.name, path: this.abs(row.name), id: row.id, tip: row.tip })),
      );
      for (const row of rows) {
        const text = texts.get(row.name);
        const snippet = text === undefined ? null : searchSnippet(text, query.searchTerm);
        if (snippet !== null) hits.push({ row, snippet });
        if (hits.length > q.limit) break;
      }
      const last = rows.at(-1);
      if (hits.length > q.limit || !more || !last) break;
      anchor = anchorOf(last, q.order);
    }
    const page = hits.slice(0, q.limit);
    const names = namesOf(
      cat.idx,
      page.map((h) => h.row.id),
    );
    const items = page.flatMap((h) => {
      const thread = threadSummary(
        this.abs(h.row.name),
        h.row,
        query.defaultProvider,
        names.get(h.row.id) ?? null,
      );
      return thread ? [{ thread, snippet: h.snippet }] : [];
    });
    const last = page.at(-1);
    return { items, nextCursor: hits.length > q.limit && last ? threadCursor(last.row, q.order) : null };
  }

  private requireCatalog(): Catalog {
    const cat = this.catalog();
    if (!cat) throw new Error("the sessions index is unavailable (better-sqlite3 could not be loaded)");
    return cat;
  }

  /** One thread as listThreads shows it, from a fresh look at its file; null when it has no summary. */
  async readThread(target: ThreadTarget, defaultProvider: string): Promise<ThreadSummary | null> {
    const { path, name, id } = await this.resolve(target);
    const cat = this.requireCatalog();
    const st = statSync(path);
    let head = cachedHead(cat.idx, name);
    if (!head || head.size !== st.size || head.mtime !== st.mtimeMs) {
      const parsed = parseRolloutFileName(basename(path));
      if (!parsed) return null;
      const dir = name.slice(0, name.lastIndexOf("/"));
      const read = await cat.readHeadOf({ name, dir, archived: dir === ARCHIVED_SESSIONS_SUBDIR, ...parsed });
      if (!read) return null;
      putHeads(cat.idx, [read]);
      head = read;
    }
    let facts = head.facts;
    if (!facts.summary) {
      // No user message yet (a thread just started): summarised with an empty preview, as 0.166.0 reads it.
      const fresh = readHeadQuick(path) ?? (await readHead(path));
      const summary = summaryFromHead(path, fresh, defaultProvider, true);
      if (!summary) return null;
      const { path: _p, modelProvider: _m, ...rest } = summary;
      facts = { ...factsFromHead(fresh), summary: rest };
    }
    await syncNames(this.ctx.codexHome, cat.idx);
    const parsed = parseRolloutFileName(basename(path))!;
    // A thread 0.166.0 reverted was last written in its newest continuation (continuations.ts).
    const tip = facts.historyMode === "paginated" ? (await continuationsOf(path))[0] : undefined;
    const tipMtime = tip ? (statSync(tip, { throwIfNoEntry: false })?.mtimeMs ?? null) : null;
    const row = {
      name,
      id,
      ts: parsed.timestamp,
      archived: name.startsWith(`${ARCHIVED_SESSIONS_SUBDIR}/`),
      size: head.size,
      mtime: st.mtimeMs,
      complete: head.complete,
      facts,
      updated: Math.max(st.mtimeMs, tipMtime ?? 0),
      tip: tip ? this.ctx.keyOf(tip) : null,
      tipMtime,
    };
    return threadSummary(tip ?? path, row, defaultProvider, namesOf(cat.idx, [id]).get(id) ?? null);
  }

  /** Resolves a target to its rollout: real path and index key; ThreadNotFoundError / RolloutPathError. */
  resolve(target: ThreadTarget): Promise<{ path: string; name: string; id: string }> {
    return this.lookup.resolve(target);
  }

  findPathById(id: string): Promise<string | null> {
    return this.lookup.findPathById(id);
  }

  findArchivedPathById(id: string): Promise<string | null> {
    return this.lookup.findArchivedPathById(id);
  }

  private entryOf(path: string) {
    const name = this.ctx.keyOf(path);
    const dir = name.slice(0, name.lastIndexOf("/"));
    const parsed = parseRolloutFileName(basename(path))!;
    return { name, dir, archived: dir === ARCHIVED_SESSIONS_SUBDIR, ...parsed };
  }

  /** The index key of an existing file (by real path), or null when it cannot be resolved. */
  keyOfExisting(path: string): string | null {
    try {
      return this.ctx.keyOf(realpathSync(path));
    } catch {
      return null;
    }
  }

  /** After a move (archive, unarchive): the file's rows follow it. */
  moved(from: string | null, to: string): void {
    const idx = this.ctx.index();
    if (!idx || !parseRolloutFileName(basename(to))) return;
    if (from) renameFile(idx, from, this.entryOf(to));
    else putFiles(idx, [this.entryOf(to)]);
  }

  /**
   * Moves an archived rollout back to the day folder of its file name (as 0.166.0 does), creating the folder.
   * `ArchiveError` "no archived rollout found for thread id <id>" (-32600) or "failed to unarchive thread: …".
   */
  async unarchive(threadId: string): Promise<string> {
    const from = await this.findArchivedPathById(threadId);
    if (!from) throw new ArchiveError("invalid", `no archived rollout found for thread id ${threadId}`);
    const name = basename(from);
    const ts = parseRolloutFileName(name)!.timestamp;
    const target = join(dayFolderOf(this.ctx.codexHome, ts), name);
    try {
      if (await isFile(target)) throw Object.assign(new Error("exists"), { code: "EEXIST", errno: -17 });
      await mkdir(dirname(target), { recursive: true });
      await moveContinuations(from, (n) =>
        dayFolderOf(this.ctx.codexHome, parseContinuationFileName(n)!.timestamp),
      );
      await rename(from, target);
    } catch (err) {
      throw new ArchiveError("io", `failed to unarchive thread: ${osErrorText(err)}`);
    }
    this.moved(this.ctx.keyOf(from), target);
    return target;
  }

  /**
   * Deletes a thread's rollout (live or archived) and its index rows. Only rollout files inside the sessions
   * directories are deleted (a path is confined first, `RolloutPathError`). Refused, as 0.166.0 does, while a
   * 0.166.0 fork still reads its history from this rollout (`history_base`); forks made here are copies and
   * never hold a rollout back.
   */
  async deleteThread(target: ThreadTarget): Promise<string> {
    const { path, name, id } = await this.resolve(target);
    if (!parseRolloutFileName(basename(path))) {
      throw new DeleteError("invalid", `rollout path \`${path}\` is not a rollout file`);
    }
    if ("threadId" in target && id !== target.threadId.toLowerCase()) {
      throw new DeleteError(
        "invalid",
        `rollout path \`${path}\` does not match thread id ${target.threadId}`,
      );
    }
    const parsed = parseRolloutFileName(basename(path))!;
    if ((await this.forksReading(id, parsed.timestamp)).length > 0) {
      throw new DeleteError("invalid", `cannot delete thread ${id}: forked history still references it`);
    }
    try {
      // A thread 0.166.0 reverted has continuations (continuations.ts): they go first, its first rollout last.
      for (const c of await continuationsOf(path)) await unlink(c);
      await unlink(path);
    } catch (err) {
      throw new DeleteError("io", `failed to delete thread: ${osErrorText(err)}`);
    }
    const idx = this.ctx.index();
    if (idx) {
      forgetFiles(idx, [name]);
      forgetContinuationsOf(idx, id);
    }
    // Its name goes too (as 0.166.0 does), so the id never shows a name again; a failure here loses nothing.
    await removeNames(this.ctx.codexHome, id).catch(() => 0);
    if (idx) await syncNames(this.ctx.codexHome, idx).catch(() => undefined);
    return path;
  }

  /**
   * Rollouts (live or archived) of 0.166.0 forks whose history lives in thread `id`'s rollout. A fork is made
   * after its parent, so only the day folders from the parent's own day on can hold one.
   */
  private async forksReading(id: string, parentTs: string): Promise<string[]> {
    const cat = this.catalog();
    if (!cat) return [];
    const v = new Validation();
    cat.preload(v);
    const from = dayNumOfTs(parentTs);
    for (const day of cat.days(v, "desc")) {
      if (day.num < from) break;
      await cat.ensureFolder(day.key, v, true);
    }
    await cat.ensureFolder(ARCHIVED_SESSIONS_SUBDIR, v, true);
    cat.flush();
    return cat.idx.run(
      () =>
        (
          cat.idx
            .stmt("SELECT name FROM heads WHERE facts LIKE ? AND json_extract(facts, '$.historyBaseId') = ?")
            .all(`%${id}%`, id) as { name: string }[]
        ).map((r) => r.name),
      [],
    );
  }

  async setName(threadId: string, name: string): Promise<void> {
    if (!isUuid(threadId)) throw new ThreadNotFoundError(`invalid thread id: ${threadId}`);
    await appendName(this.ctx.codexHome, threadId, name);
    const idx = this.ctx.index();
    if (idx) await syncNames(this.ctx.codexHome, idx);
  }

  async name(threadId: string): Promise<string | null> {
    const idx = this.requireCatalog().idx;
    await syncNames(this.ctx.codexHome, idx);
    return namesOf(idx, [threadId.toLowerCase()]).get(threadId.toLowerCase()) ?? null;
  }
}
