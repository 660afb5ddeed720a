import {
  ALL_SOURCE_KINDS,
  INTERACTIVE_SOURCE_KINDS,
  type SourceKind,
  sourceKind,
  summaryFromFacts,
} from "./facts.js";
import { DEFAULT_PAGE_SIZE, parseCursor } from "./list.js";
import type { SessionSummary } from "./summary.js";
import type { Anchor, ThreadFilter, ThreadOrder, ThreadRow } from "./thread-query.js";

/**
 * `listThreads`: the listing 0.166.0's `thread/list` needs, every filter an indexed query. The protocol layer maps
 * its params onto this (0.166.0's `recency_at` is `updated_at` here: the rollout's last write).
 */
export interface ThreadQuery {
  /** Default 25; 0 behaves as 1. */
  limit?: number | null;
  /** A `nextCursor` of a previous page of the same sort key; another string is an `InvalidCursorError`. */
  cursor?: string | null;
  /** `created_at` (default): the file name's timestamp, as 0.58.0 orders. `updated_at`: the last write. */
  sortKey?: "created_at" | "updated_at" | null;
  /** Default `desc` (newest first). */
  sortDirection?: "asc" | "desc" | null;
  /** Absent, null or empty: every provider. Otherwise those recorded (no provider recorded = `defaultProvider`). */
  modelProviders?: readonly string[] | null;
  defaultProvider: string;
  /** Absent, null or empty: the interactive kinds (`cli`, `vscode`), as both generations list by default. */
  sourceKinds?: readonly SourceKind[] | null;
  /** Only threads whose session cwd is exactly this path (or one of these). */
  cwd?: string | readonly string[] | null;
  /** Case-insensitive substring of the preview (first user message) or the thread's name. */
  searchTerm?: string | null;
  /** true: only archived threads (`archived_sessions/`); false or absent: only live ones. */
  archived?: boolean | null;
  /** Thread ids (lower-case UUIDs) left out before the limit applies. */
  excludedThreadIds?: readonly string[] | null;
  /** Only these thread ids (lower-case UUIDs; a project's or a section's threads); absent or null: any. */
  includedThreadIds?: readonly string[] | null;
  /** Also threads no user message was sent to yet (0.166.0 lists them in a section, and counts them in a project). */
  includeEmpty?: boolean;
  /**
   * Only the sub-agents this thread spawned (session_meta `source.subagent.thread_spawn.parent_thread_id`), or with
   * `ancestorThreadId` its descendants at any depth. Either one lists every source kind unless `sourceKinds` names
   * some (the threads they select are sub-agents, which the default interactive kinds would hide).
   */
  parentThreadId?: string | null;
  ancestorThreadId?: string | null;
}

/** One listed thread: the 0.58.0 summary plus what 0.166.0's `Thread` shows. */
export interface ThreadSummary extends SessionSummary {
  /** The name set with `setThreadName` (or by 0.166.0), null when none. */
  name: string | null;
  archived: boolean;
  /**
   * The thread's last write, unix seconds and ms: its rollout's mtime, or its newest continuation's when 0.166.0
   * reverted it (continuations.ts).
   */
  updatedAt: number;
  updatedAtMs: number;
  sourceKind: SourceKind;
  /** The thread this one was forked from, when its session_meta says so. */
  forkedFromId: string | null;
  /** The recorded `thread_source` (0.166's `threadSource`; `thread/read` shows it, `thread/list` does not). */
  threadSource: string | null;
  /** `paginated` for threads 0.166.0 created, `legacy` for 0.58.0-format rollouts (ours included). */
  historyMode: "legacy" | "paginated";
  originator: string | null;
}

/** `searchThreads`: a listing's order, cursor, source and archive filters, and the term (see store-threads.ts). */
export type ThreadSearchQuery = Pick<
  ThreadQuery,
  "limit" | "cursor" | "sortKey" | "sortDirection" | "sourceKinds" | "archived" | "defaultProvider"
> & {
  /** Case-insensitive literal text of a user or agent message. */
  searchTerm: string;
};

export interface ThreadSearchPage {
  items: { thread: ThreadSummary; snippet: string }[];
  /** Null exactly when no further thread matches. */
  nextCursor: string | null;
}

export interface ThreadPage {
  items: ThreadSummary[];
  /** Null exactly when no further thread matches. */
  nextCursor: string | null;
}

/**
 * A cursor that is not one of this store's (or not of the query's sort key), or one of another thread, or one whose
 * turn or line is no longer where it was (`reason` says which).
 */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
  constructor(
    readonly cursor: string,
    reason?: string,
  ) {
    super(reason ?? `invalid cursor: ${cursor}`);
  }
}

const UPDATED_CURSOR = /^u(\d+(?:\.\d+)?)\|([0-9a-f-]{36})$/;

/**
 * The cursor of a row: `<timestamp>|<uuid>` (0.58.0's) for `created_at`, `u<last write ms>|<uuid>` for `updated_at`.
 */
export function threadCursor(row: Pick<ThreadRow, "ts" | "updated" | "id">, order: ThreadOrder): string {
  return order.key === "created" ? `${row.ts}|${row.id}` : `u${row.updated}|${row.id}`;
}

export function parseThreadCursor(cursor: string | null | undefined, order: ThreadOrder): Anchor | null {
  if (cursor === null || cursor === undefined || cursor === "") return null;
  if (order.key === "created") {
    const parsed = parseCursor(cursor);
    if (parsed) return { value: parsed.timestamp, id: parsed.id };
  } else {
    const m = UPDATED_CURSOR.exec(cursor.toLowerCase());
    if (m) return { value: Number(m[1]), id: m[2]! };
  }
  throw new InvalidCursorError(cursor);
}

export interface NormalizedThreadQuery {
  filter: ThreadFilter;
  order: ThreadOrder;
  anchor: Anchor | null;
  limit: number;
}

export function normalizeThreadQuery(q: ThreadQuery): NormalizedThreadQuery {
  const order: ThreadOrder = {
    key: q.sortKey === "updated_at" ? "updated" : "created",
    direction: q.sortDirection === "asc" ? "asc" : "desc",
  };
  const cwds =
    q.cwd === null || q.cwd === undefined ? null : typeof q.cwd === "string" ? [q.cwd] : [...q.cwd];
  const spawned = Boolean(q.parentThreadId || q.ancestorThreadId);
  return {
    filter: {
      archived: q.archived === true,
      sourceKinds:
        q.sourceKinds && q.sourceKinds.length > 0
          ? [...q.sourceKinds]
          : spawned
            ? [...ALL_SOURCE_KINDS]
            : [...INTERACTIVE_SOURCE_KINDS],
      providers: q.modelProviders && q.modelProviders.length > 0 ? [...q.modelProviders] : null,
      defaultProvider: q.defaultProvider,
      cwds: cwds && cwds.length > 0 ? cwds : null,
      search: q.searchTerm ? q.searchTerm : null,
      excludedIds: q.excludedThreadIds ?? null,
      includedIds: q.includedThreadIds ?? null,
      includeEmpty: q.includeEmpty === true,
      parentId: q.parentThreadId ? q.parentThreadId.toLowerCase() : null,
      ancestorId: q.ancestorThreadId ? q.ancestorThreadId.toLowerCase() : null,
    },
    order,
    anchor: parseThreadCursor(q.cursor, order),
    limit: Math.max(1, q.limit ?? DEFAULT_PAGE_SIZE),
  };
}

/** A row as a listed thread. */
export function threadSummary(
  path: string,
  row: ThreadRow,
  defaultProvider: string,
  name: string | null,
): ThreadSummary | null {
  const summary = summaryFromFacts(path, row.facts, defaultProvider);
  if (!summary) return null;
  return {
    ...summary,
    name,
    archived: row.archived,
    updatedAt: Math.floor(row.updated / 1000),
    updatedAtMs: Math.floor(row.updated),
    sourceKind: sourceKind(row.facts.source),
    forkedFromId: row.facts.forkedFromId ?? null,
    threadSource: row.facts.threadSource ?? null,
    historyMode: row.facts.historyMode ?? "legacy",
    originator: row.facts.originator ?? null,
  };
}
