import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { continuationsOf } from "./continuations.js";
import { factsFromHead, type HeadFacts, isListable, sourceKind } from "./facts.js";
import { readListedHeadSoon, type StatedHead } from "./head.js";
import { HeadSnapshot, type SnapshotHead } from "./head-snapshot.js";
import { collectPage, type ListPage, type ListQuery, listableSummary, providerMatches } from "./list.js";
import { namesFromFile } from "./names.js";
import { SESSIONS_SUBDIR } from "./paths.js";
import type { SessionSummary } from "./summary.js";
import {
  type NormalizedThreadQuery,
  normalizeThreadQuery,
  type ThreadPage,
  type ThreadQuery,
  threadSummary,
} from "./thread-list.js";
import type { ThreadFilter } from "./thread-query.js";
import { type Candidate, walkNewestFirst } from "./walk.js";

/** Heads a first page may read before it gives way to the index (a selective filter reads far more). */
const budgetFor = (pageSize: number) => pageSize + 1 + Math.max(8, pageSize >> 1);

/**
 * Whether a query is likely to fill its page from the newest files: no provider filter, or one that includes the
 * server's own provider (what most sessions are recorded under). Another provider goes straight to the index.
 */
export function suitsFiles(query: ListQuery): boolean {
  return providersSuitFiles(query.modelProviders, query.defaultProvider);
}

function providersSuitFiles(
  providers: readonly string[] | null | undefined,
  defaultProvider: string,
): boolean {
  return (
    providers === undefined ||
    providers === null ||
    providers.length === 0 ||
    providers.includes(defaultProvider)
  );
}

class OverBudget extends Error {}

/** One file's head as listing sees it, with the stat taken before the read (as the index records it). */
type FileHead = SnapshotHead;

/**
 * A candidate's head: the snapshot's when the file is unchanged since it was recorded (`HeadSnapshot`), else read
 * from the file; null when it went or cannot be read since the directory was listed. Synchronous for a head in
 * the file's first 64 KiB (see `readListedHeadSoon`).
 */
function headOf(c: Candidate, snapshot: HeadSnapshot): FileHead | null | Promise<FileHead | null> {
  const kept = snapshot.lookup(c.path);
  if (kept) return kept;
  const fileHead = ({ head, size, mtimeMs }: StatedHead): FileHead => {
    const read = { facts: factsFromHead(head), size, mtime: mtimeMs, complete: head.complete };
    snapshot.record(c.path, read);
    return read;
  };
  try {
    const stated = readListedHeadSoon(c.path);
    return stated instanceof Promise ? stated.then(fileHead).catch(() => null) : fileHead(stated);
  } catch {
    return null;
  }
}

/**
 * A newest-first page read straight from the files, for a process whose index is not open yet: the newest day
 * folders are listed and their heads read (one synchronous read each) until the page is full. Loading SQLite costs
 * more than reading the two dozen heads of a first page, so an editor's first listing after spawn is answered
 * this way while the index opens afterwards. Heads unchanged since the last such page come from its snapshot
 * (`HeadSnapshot`, one lstat each), and the snapshot is rewritten after the answer when heads were read. A page
 * that would need many more heads (a filter matching few sessions) gives up early: null, and the caller asks the
 * index.
 */
async function newestFromFiles<T extends SessionSummary>(
  sessionsDir: string,
  query: Pick<ListQuery, "pageSize" | "cursor">,
  pick: (c: Candidate, head: FileHead) => T | null | Promise<T | null>,
): Promise<{ items: T[]; nextCursor: string | null } | null> {
  const budget = budgetFor(Math.max(1, query.pageSize ?? 25));
  const snapshot = HeadSnapshot.load(dirname(sessionsDir));
  let reads = 0;
  const read = (c: Candidate) => {
    if (++reads > budget) throw new OverBudget();
    const head = headOf(c, snapshot);
    if (head instanceof Promise) return head.then((h) => (h ? pick(c, h) : null));
    return head ? pick(c, head) : null;
  };
  try {
    const page = await collectPage(walkNewestFirst(sessionsDir), query, read);
    snapshot.saveSoon();
    return page;
  } catch (err) {
    if (err instanceof OverBudget) return null;
    throw err;
  }
}

/** The 0.58.0 listing's page from the files (see `newestFromFiles`); null: ask the index. */
export function pageFromFiles(sessionsDir: string, query: ListQuery): Promise<ListPage | null> {
  return newestFromFiles(sessionsDir, query, (c, head) => listableSummary(c.path, head.facts, query));
}

/**
 * Whether the files can answer a `listThreads` page exactly as the index would, cheaply: the first page (no
 * cursor) of live threads newest-created first, filtered on what a head says (source kinds, providers that include
 * the server's own, cwds, excluded ids). Searches (they match names too, and SQLite's `lower` is ASCII-only), the
 * sub-agent filters (a tree), archived threads and the other orders (`updated_at` needs every file's mtime) are
 * the index's. Returns the normalized query when they can.
 */
function filesCanAnswer(query: ThreadQuery): NormalizedThreadQuery | null {
  if (query.cursor) return null; // also: an invalid cursor gets the index's error
  const q = normalizeThreadQuery(query);
  const f = q.filter;
  const newestCreated = q.order.key === "created" && q.order.direction === "desc";
  if (!newestCreated || f.archived || f.includeEmpty || f.search !== null || f.parentId || f.ancestorId)
    return null;
  return providersSuitFiles(f.providers, f.defaultProvider) ? q : null;
}

/** The newest continuation of the thread whose first rollout is `path`, and its mtime; null when it has none. */
async function newestContinuation(path: string): Promise<{ path: string; mtime: number } | null> {
  const newest = (await continuationsOf(path))[0];
  const st = newest ? await stat(newest).catch(() => null) : null;
  return newest && st ? { path: newest, mtime: st.mtimeMs } : null;
}

/** The index's `WHERE` (thread-query.ts) for a head the files path reads. */
function matches(c: Candidate, facts: HeadFacts, f: ThreadFilter): boolean {
  return (
    isListable(facts) &&
    f.sourceKinds.includes(sourceKind(facts.source)) &&
    providerMatches(facts.provider ?? undefined, f.providers, f.defaultProvider) &&
    (f.cwds === null || f.cwds.includes(facts.summary?.cwd ?? "")) &&
    !f.excludedIds?.includes(c.id) &&
    (!f.includedIds || f.includedIds.includes(c.id))
  );
}

/**
 * The first `listThreads` page from the files (see `newestFromFiles`) and thread names from session_index.jsonl
 * (`namesFromFile`): the same items and `nextCursor` the index gives, and the cursor pages on with the index.
 * Null when the query is not one the files answer cheaply (`filesCanAnswer`), the page needs too many heads, or
 * the names file is big: ask the index.
 */
export async function threadPageFromFiles(codexHome: string, query: ThreadQuery): Promise<ThreadPage | null> {
  const q = filesCanAnswer(query);
  if (!q) return null;
  const names = namesFromFile(codexHome);
  if (!names) return null;
  return newestFromFiles(join(codexHome, SESSIONS_SUBDIR), { pageSize: q.limit }, (c, head) => {
    if (!matches(c, head.facts, q.filter)) return null;
    const row = { name: "", id: c.id, ts: c.timestamp, archived: false, ...head };
    const summary = (updated: number, path = c.path) =>
      threadSummary(
        path,
        { ...row, updated, tip: null, tipMtime: null },
        query.defaultProvider,
        names.get(c.id) ?? null,
      );
    if (head.facts.historyMode !== "paginated") return summary(head.mtime);
    // A thread 0.166.0 reverted was last written in its newest continuation (continuations.ts).
    return newestContinuation(c.path).then((tip) =>
      tip ? summary(Math.max(head.mtime, tip.mtime), tip.path) : summary(head.mtime),
    );
  });
}
