import { type Catalog, Validation } from "./catalog.js";
import { ARCHIVED_SESSIONS_SUBDIR } from "./paths.js";
import {
  type Anchor,
  queryPage,
  type ThreadFilter,
  type ThreadOrder,
  type ThreadRow,
} from "./thread-query.js";

export interface PageRequest {
  filter: ThreadFilter;
  order: ThreadOrder;
  anchor: Anchor | null;
  limit: number;
  /** For `updated` orders: when this store last checked every folder (shared across requests). */
  freshness?: Freshness;
}

/** What a store remembers between `updated` listings (see `ensureForUpdated`). */
export interface Freshness {
  /** When every folder (and every file's mtime) was last checked; 0: never in this process. */
  fullCheckAt: number;
  sweep: Promise<void> | null;
  /** How long a full check stands (default FULL_CHECK_MS). */
  everyMs?: number;
}

/** Newest day folders whose folders and files are checked on every `updated` listing: where sessions are active. */
const HOT_DAYS = 3;
/** After this long, an `updated` listing starts a check of every folder and file in the background. */
export const FULL_CHECK_MS = 10_000;
/** The background check lets other requests in after this many folders. */
const SWEEP_SLICE = 16;
/** Each round checks more folders or ends; this only bounds a store that keeps changing under the listing. */
const MAX_ROUNDS = 20;

/** The day number (20261120) of a file-name timestamp (`2026-11-20T12-00-00`). */
export function dayNumOfTs(ts: string): number {
  return Number(ts.slice(0, 4)) * 10000 + Number(ts.slice(5, 7)) * 100 + Number(ts.slice(8, 10));
}

const pad = (n: number) => String(n).padStart(2, "0");
function dayTs(num: number, end: boolean): string {
  const y = Math.floor(num / 10000);
  const m = Math.floor(num / 100) % 100;
  const d = num % 100;
  return `${y}-${pad(m)}-${pad(d)}T${end ? "23-59-59" : "00-00-00"}`;
}

/**
 * One page answered from the index, after checking exactly the folders the page depends on:
 * - `created` order (file-name timestamps): the day folders between the cursor and the last row the page needs.
 *   A file belongs to the day folder of its name's timestamp, so no other folder can hold a row of this page. The
 *   index is asked first; if a checked folder turns out changed (another process created, deleted, archived or
 *   appended to a session there), the page is asked again, until a round finds nothing new. With a cold index the
 *   folders are filled one by one from the cursor on, and filling stops as soon as the filled ones hold the page.
 * - `updated` order (mtimes): any file can have been appended to, so a file's mtime is only known by looking.
 *   The first such listing of a process checks every folder; later ones check the newest folders and their
 *   files (where sessions are written) and, when the last full check is older than FULL_CHECK_MS, start one in
 *   the background that also refreshes every file's mtime. Appends by another process to an old session move
 *   it up once that check has seen them.
 * - archived: the one flat archived_sessions folder.
 * The rows returned are stat'd too: a rewritten file is re-read before it is shown.
 */
export async function pageFromIndex(
  cat: Catalog,
  req: PageRequest,
): Promise<{ rows: ThreadRow[]; more: boolean }> {
  const v = new Validation();
  const { filter, order, anchor, limit } = req;
  let rows: ThreadRow[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    cat.flush();
    rows = queryPage(cat.idx, filter, order, anchor, limit + 1);
    let changed = false;
    if (filter.archived) changed = await cat.ensureFolder(ARCHIVED_SESSIONS_SUBDIR, v, true);
    else if (order.key === "updated") changed = await ensureForUpdated(cat, v, req.freshness);
    else changed = await ensureDaysOfPage(cat, v, req, rows);
    if (await cat.revalidate(rows.slice(0, limit), order.key === "updated")) changed = true;
    if (await ensureTipsOf(cat, v, rows.slice(0, limit))) changed = true;
    if (!changed) break;
  }
  cat.flush();
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

/** Checks the day folders from the cursor's day to the day of the row after the page (or to the end). */
async function ensureDaysOfPage(
  cat: Catalog,
  v: Validation,
  req: PageRequest,
  rows: readonly ThreadRow[],
): Promise<boolean> {
  const { filter, order, anchor, limit } = req;
  const desc = order.direction === "desc";
  const from = anchor ? dayNumOfTs(String(anchor.value)) : null;
  const need = rows.length > limit ? dayNumOfTs(rows[limit]!.ts) : null;
  let changed = 0;
  let nextCheck = 1;
  if (need === null) cat.preload(v); // possibly every folder: one query for what they need
  for (const day of cat.days(v, order.direction, from)) {
    if (need !== null && (desc ? day.num < need : day.num > need)) break;
    if (!(await cat.ensureFolder(day.key, v, true))) continue;
    // The folders checked so far may already hold the whole page (a cold index fills one folder at a time);
    // asked after 1, 2, 4, 8… changed folders, so a long fill asks a few times, not once per folder.
    if (++changed < nextCheck) continue;
    nextCheck *= 2;
    cat.flush();
    const bound = dayTs(day.num, !desc);
    if (queryPage(cat.idx, filter, order, anchor, limit + 1, bound).length > limit) break;
  }
  return changed > 0;
}

/**
 * A thread 0.166.0 reverted goes on in continuations (continuations.ts) made after its first rollout: in its day
 * folder or a newer one. Those folders are checked (listed only when their mtime changed) so the page's rows carry
 * their newest continuation, whose file is then stat'd: its last write is the thread's `updatedAt`.
 */
async function ensureTipsOf(cat: Catalog, v: Validation, rows: readonly ThreadRow[]): Promise<boolean> {
  const paginated = rows.filter((r) => !r.archived && r.facts.historyMode === "paginated");
  let changed = false;
  if (paginated.length > 0) {
    const from = Math.min(...paginated.map((r) => dayNumOfTs(r.ts)));
    for (const day of cat.days(v, "desc")) {
      if (day.num < from) break;
      if (await cat.ensureFolder(day.key, v, false)) changed = true;
    }
  }
  return cat.checkTips(rows) || changed;
}

async function ensureForUpdated(cat: Catalog, v: Validation, fresh: Freshness | undefined): Promise<boolean> {
  let changed = false;
  let hot = 0;
  const everyFolder = !fresh || fresh.fullCheckAt === 0;
  if (everyFolder) cat.preload(v);
  for (const day of cat.days(v, "desc")) {
    if (!everyFolder && hot >= HOT_DAYS) break;
    if (await cat.ensureFolder(day.key, v, true)) changed = true;
    if (hot++ < HOT_DAYS && (await cat.revalidateFolder(day.key, v))) changed = true;
  }
  cat.flush();
  if (fresh && everyFolder) fresh.fullCheckAt = Date.now();
  if (fresh && !fresh.sweep && Date.now() - fresh.fullCheckAt >= (fresh.everyMs ?? FULL_CHECK_MS)) {
    fresh.sweep = sweep(cat)
      .catch(() => undefined) // the store closed or the files went: the next listing checks again
      .finally(() => {
        fresh.fullCheckAt = Date.now();
        fresh.sweep = null;
      });
  }
  return changed;
}

/** Checks every folder and every file's mtime, a few folders at a time between other requests. */
async function sweep(cat: Catalog): Promise<void> {
  const v = new Validation();
  cat.preload(v);
  let n = 0;
  for (const day of cat.days(v, "desc")) {
    await cat.ensureFolder(day.key, v, true);
    await cat.revalidateFolder(day.key, v);
    if (++n % SWEEP_SLICE === 0) {
      cat.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  cat.flush();
}
