import { factsFromHead, type HeadFacts, summaryFromFacts } from "./facts.js";
import { readHead } from "./head.js";
import type { SessionSummary } from "./summary.js";
import { type Candidate, walkNewestFirst } from "./walk.js";

export interface ListQuery {
  /** Default 25; 0 behaves as 1. */
  pageSize?: number | null;
  /** `<YYYY-MM-DDThh-mm-ss>|<uuid>` from a previous page; an unparseable cursor restarts from the newest. */
  cursor?: string | null;
  /** Absent/null: only `defaultProvider`. `[]`: every provider. Otherwise the listed providers. */
  modelProviders?: string[] | null;
  /** The server's own provider; also the provider of sessions that recorded none. */
  defaultProvider: string;
}

export interface ListPage {
  items: SessionSummary[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 25;
/** Only sessions started interactively are listed (exec and mcp sessions are not). */
const INTERACTIVE_SOURCES = new Set(["cli", "vscode"]);

export function parseCursor(cursor: string | null | undefined): { timestamp: string; id: string } | null {
  if (!cursor) return null;
  const bar = cursor.indexOf("|");
  if (bar < 0) return null;
  const timestamp = cursor.slice(0, bar);
  const id = cursor.slice(bar + 1).toLowerCase();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}$/.test(timestamp) || !/^[0-9a-f-]{36}$/.test(id)) return null;
  return { timestamp, id };
}

export function cursorFor(candidate: Pick<Candidate, "timestamp" | "id">): string {
  return `${candidate.timestamp}|${candidate.id}`;
}

function isAfterAnchor(c: Candidate, anchor: { timestamp: string; id: string } | null): boolean {
  if (!anchor) return true;
  return c.timestamp < anchor.timestamp || (c.timestamp === anchor.timestamp && c.id < anchor.id);
}

/** Whether a session's provider passes the filter (Codex's ProviderMatcher). */
export function providerMatches(
  recorded: string | undefined,
  filter: readonly string[] | null,
  defaultProvider: string,
): boolean {
  if (filter === null) return true;
  return recorded !== undefined ? filter.includes(recorded) : filter.includes(defaultProvider);
}

/** Decides whether a candidate is listed; null when it is not. */
/** Decides whether a candidate is listed; null when it is not (a promise of it when it has to wait for a read). */
export type CandidateReader<T extends SessionSummary = SessionSummary> = (
  c: Candidate,
) => T | null | Promise<T | null>;

/**
 * Codex's listing: newest first, only interactive sessions that passed the provider filter and hold a session_meta,
 * a user message event and a preview. Unlike 0.58.0, skipped files never shorten a page: scanning goes on until
 * the page is full or the store is exhausted. `nextCursor` is the cursor of the last item, and null exactly when
 * no further listable session exists.
 */
export function listSessions(
  sessionsDir: string,
  query: ListQuery,
  candidates: Iterable<Candidate> | AsyncIterable<Candidate> = walkNewestFirst(sessionsDir),
): Promise<ListPage> {
  return collectPage(candidates, query, (c) => readListable(c, query));
}

/**
 * A newest-first page: the candidates after the cursor that `read` lists, until one more than the page is found
 * (so `nextCursor`, the last item's `<timestamp>|<uuid>`, is null exactly when nothing further is listed).
 */
export async function collectPage<T extends SessionSummary>(
  candidates: Iterable<Candidate> | AsyncIterable<Candidate>,
  query: Pick<ListQuery, "pageSize" | "cursor">,
  read: CandidateReader<T>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const pageSize = Math.max(1, query.pageSize ?? DEFAULT_PAGE_SIZE);
  const anchor = parseCursor(query.cursor);
  const items: T[] = [];
  let last: Candidate | null = null;
  for await (const candidate of candidates) {
    if (!isAfterAnchor(candidate, anchor)) continue;
    const read1 = read(candidate);
    const summary = read1 instanceof Promise ? await read1 : read1;
    if (!summary) continue;
    if (items.length === pageSize) return { items, nextCursor: cursorFor(last!) };
    items.push(summary);
    last = candidate;
  }
  return { items, nextCursor: null };
}

/** Reads a candidate's head and applies the listing rules. */
export async function readListable(c: Candidate, query: ListQuery): Promise<SessionSummary | null> {
  let head: Awaited<ReturnType<typeof readHead>>;
  try {
    head = await readHead(c.path);
  } catch {
    return null; // deleted or unreadable since the directory was listed
  }
  return listableSummary(c.path, factsFromHead(head), query);
}

/** The listing rules: interactive source, provider filter, a user message event and a summary. */
export function listableSummary(path: string, facts: HeadFacts, query: ListQuery): SessionSummary | null {
  if (!facts.sawUserEvent) return null;
  if (typeof facts.source !== "string" || !INTERACTIVE_SOURCES.has(facts.source)) return null;
  const filter =
    query.modelProviders === undefined || query.modelProviders === null
      ? [query.defaultProvider]
      : query.modelProviders.length === 0
        ? null
        : query.modelProviders;
  if (!providerMatches(facts.provider ?? undefined, filter, query.defaultProvider)) return null;
  return summaryFromFacts(path, facts, query.defaultProvider);
}
