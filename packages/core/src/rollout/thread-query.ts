import type { HeadFacts } from "./facts.js";
import type { IndexDb } from "./index-db.js";

/** What a listing selects. Every field is an indexed column of `heads` (see index-db.ts). */
export interface ThreadFilter {
  archived: boolean;
  /** Source kinds listed (never empty: callers default to the interactive ones). */
  sourceKinds: readonly string[];
  /** Null: every provider. Otherwise the recorded providers listed (a session without one counts as the default). */
  providers: readonly string[] | null;
  defaultProvider: string;
  /** Null: every cwd. Otherwise exact session cwds. */
  cwds: readonly string[] | null;
  /** Case-insensitive substring of the preview or the thread name; null: no search. */
  search: string | null;
  /** Thread ids left out (before the page's limit); absent or empty: none. */
  excludedIds?: readonly string[] | null;
  /** Only these thread ids; absent or null: any (empty: none). */
  includedIds?: readonly string[] | null;
  /** Also the threads not listed by default (no user message yet). */
  includeEmpty?: boolean;
  /** Only sub-agents this thread spawned directly (`parent`), or at any depth (`ancestor`). */
  parentId?: string | null;
  ancestorId?: string | null;
}

/** `created`: the file name's timestamp then id (Codex's order and cursor). `updated`: the file's mtime then id. */
export interface ThreadOrder {
  key: "created" | "updated";
  direction: "desc" | "asc";
}

/** A position in an order: rows strictly after it (in the order's direction) come next. */
export interface Anchor {
  value: string | number;
  id: string;
}

export interface ThreadRow {
  name: string;
  id: string;
  ts: string;
  archived: boolean;
  size: number;
  mtime: number;
  complete: boolean;
  facts: HeadFacts;
  /** The thread's last write: the newest of its rollout's mtime and its newest continuation's (index-tips.ts). */
  updated: number;
  /** The newest continuation of a thread 0.166.0 reverted (an index key), and its mtime as recorded; else null. */
  tip: string | null;
  tipMtime: number | null;
}

/** Terms shorter than this cannot use the trigram index: they are matched by scanning previews in order. */
const TRIGRAM = 3;
/** A term matching more previews than this is matched by scanning in order (the page fills early). */
const SEARCH_INDEX_LIMIT = 2000;

export function orderColumn(order: ThreadOrder): "ts" | "updated" {
  return order.key === "created" ? "ts" : "updated";
}

/** The anchor a row represents in an order (what its cursor encodes). */
export function anchorOf(row: Pick<ThreadRow, "ts" | "updated" | "id">, order: ThreadOrder): Anchor {
  return { value: order.key === "created" ? row.ts : row.updated, id: row.id };
}

/** The WHERE conditions (and their parameters) of a filter. */
function whereClause(idx: IndexDb, f: ThreadFilter): { sql: string[]; params: unknown[] } {
  const sql = ["archived = ?", f.includeEmpty ? "1" : "listable = 1", `kind IN (${marks(f.sourceKinds)})`];
  const params: unknown[] = [f.archived ? 1 : 0, ...f.sourceKinds];
  if (f.excludedIds && f.excludedIds.length > 0) {
    sql.push(`id NOT IN (${marks(f.excludedIds)})`);
    params.push(...f.excludedIds);
  }
  if (f.includedIds) {
    sql.push(f.includedIds.length > 0 ? `id IN (${marks(f.includedIds)})` : "0");
    params.push(...f.includedIds);
  }
  if (f.parentId) {
    sql.push("parent = ?");
    params.push(f.parentId);
  } else if (f.ancestorId) {
    // Descendants at any depth: the spawn tree below the ancestor, one indexed step (heads_parent) per level.
    sql.push(`id IN (WITH RECURSIVE below(id) AS (
      SELECT id FROM heads WHERE parent = ? UNION SELECT h.id FROM heads h JOIN below ON h.parent = below.id
    ) SELECT id FROM below)`);
    params.push(f.ancestorId);
  }
  if (f.providers !== null) {
    const orDefault = f.providers.includes(f.defaultProvider) ? " OR provider IS NULL" : "";
    sql.push(`(provider IN (${marks(f.providers)})${orDefault})`);
    params.push(...f.providers);
  }
  if (f.cwds !== null) {
    sql.push(`cwd IN (${marks(f.cwds)})`);
    params.push(...f.cwds);
  }
  if (f.search !== null) {
    const term = f.search.toLowerCase();
    const named = "id IN (SELECT id FROM names WHERE instr(lower(name), ?) > 0)";
    // FTS5 reads its query as a C string: a NUL would cut the phrase short (an "unterminated string").
    const indexable = [...f.search].length >= TRIGRAM && !f.search.includes("\u0000");
    if (indexable && searchIsSelective(idx, f.search)) {
      sql.push(`(rid IN (SELECT rowid FROM heads_text WHERE heads_text MATCH ?) OR ${named})`);
      params.push(phrase(f.search), term);
    } else {
      sql.push(`(instr(lower(preview), ?) > 0 OR ${named})`);
      params.push(term, term);
    }
  }
  return { sql, params };
}

/** Whether a term matches few enough previews that the trigram index beats scanning rows in order. */
function searchIsSelective(idx: IndexDb, term: string): boolean {
  const row = idx
    .stmt("SELECT count(*) AS n FROM (SELECT rowid FROM heads_text WHERE heads_text MATCH ? LIMIT ?)")
    .get(phrase(term), SEARCH_INDEX_LIMIT) as { n: number };
  return row.n < SEARCH_INDEX_LIMIT;
}

/** An FTS5 phrase: the term quoted, so its characters are text, never query syntax. */
function phrase(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

const marks = (xs: readonly unknown[]) => xs.map(() => "?").join(", ");

/**
 * At most `limit` rows, in order, after `anchor`. `bound` (optional) keeps only rows between the anchor and it:
 * order values >= bound for a descending order, <= bound for an ascending one.
 */
export function queryPage(
  idx: IndexDb,
  f: ThreadFilter,
  order: ThreadOrder,
  anchor: Anchor | null,
  limit: number,
  bound: string | number | null = null,
): ThreadRow[] {
  return idx.run(() => {
    const col = orderColumn(order);
    const { sql, params } = whereClause(idx, f);
    const desc = order.direction === "desc";
    if (anchor) {
      sql.push(`(${col}, id) ${desc ? "<" : ">"} (?, ?)`);
      params.push(anchor.value, anchor.id);
    }
    if (bound !== null) {
      sql.push(`${col} ${desc ? ">=" : "<="} ?`);
      params.push(bound);
    }
    const dir = desc ? "DESC" : "ASC";
    const rows = idx
      .stmt(
        `SELECT name, id, ts, archived, size, mtime, complete, facts, updated, tip, tip_mtime FROM heads WHERE ${sql.join(" AND ")}
         ORDER BY ${col} ${dir}, id ${dir} LIMIT ?`,
      )
      .all(...params, limit) as {
      name: string;
      id: string;
      ts: string;
      archived: number;
      size: number;
      mtime: number;
      complete: number;
      facts: string;
      updated: number;
      tip: string | null;
      tip_mtime: number | null;
    }[];
    return rows.map((r) => ({
      name: r.name,
      id: r.id,
      ts: r.ts,
      archived: r.archived === 1,
      size: r.size,
      mtime: r.mtime,
      complete: r.complete === 1,
      facts: JSON.parse(r.facts) as HeadFacts,
      updated: r.updated,
      tip: r.tip,
      tipMtime: r.tip_mtime,
    }));
  }, []);
}
