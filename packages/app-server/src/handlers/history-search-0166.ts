import {
  type gen0166,
  invalidRequest,
  METHOD_NOT_FOUND,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import {
  collapseWhitespace,
  decodeThreadCursor,
  encodeThreadCursor,
  encodeTurnCursor,
  excerptAt,
  literalMatches,
  requestText,
  type SessionsStore,
  type SourceKind,
  type TurnEntry,
} from "@codex-ts/core";
import type { Handlers } from "../handler.js";
import { parseThreadId } from "../threads/registry.js";
import { type TimelineResponse, timelinePage } from "../threads/stored-timeline.js";
import { storedTurn } from "../threads/stored-turns.js";
import {
  backwardsCursor,
  type HistoryServices0166,
  listedThread,
  reading,
  storedSummary,
} from "./history-0166.js";

/**
 * `thread/search`, `thread/searchOccurrences`, `thread/items/read` and `thread/timeline/list`: stored history found or read through the
 * sessions index and the per-rollout turn index (its message texts, `turn_texts`, and each turn's byte range), so a
 * page costs what it shows and the threads or turns it passes over in the index, never whole rollouts (README:
 * "Stored history: search").
 */
type SearchMethods =
  | "thread/search"
  | "thread/searchOccurrences"
  | "thread/items/read"
  | "thread/timeline/list";

/** Threads per `thread/search` page and occurrences per `thread/searchOccurrences` page without a limit. */
const DEFAULT_SEARCH_PAGE = 25;
const DEFAULT_OCCURRENCES_PAGE = 50;
/** Entries per `thread/timeline/list` page without a limit. */
const DEFAULT_TIMELINE_PAGE = 100;
/** `thread/items/read` takes 1 to this many ids (0.166.0's bound). */
const MAX_READ_ITEMS = 100;
/** Matching turns looked up at a time while an occurrence page fills. */
const TURNS_AT_ONCE = 16;
const OCCURRENCE_CURSOR = "occurrences1";

const SORT_KEYS: Record<gen0166.ThreadSearchSortKey, "created_at" | "updated_at"> = {
  created_at: "created_at",
  updated_at: "updated_at",
  recency_at: "updated_at",
};

export function createSearchHandlers0166(s: HistoryServices0166): Handlers<Protocol0166, SearchMethods> {
  const { store, registry } = s;
  return {
    async "thread/search"(p) {
      if (p.searchTerm.trim() === "") throw invalidRequest("thread/search requires a non-empty searchTerm");
      const page = await reading("", () =>
        store.searchThreads({
          searchTerm: p.searchTerm,
          limit: p.limit ?? DEFAULT_SEARCH_PAGE,
          cursor: p.cursor ?? null,
          sortKey: p.sortKey ? SORT_KEYS[p.sortKey] : null,
          sortDirection: p.sortDirection ?? null,
          sourceKinds: (p.sourceKinds ?? null) as readonly SourceKind[] | null,
          archived: p.archived ?? null,
          defaultProvider: s.defaultProvider,
        }),
      );
      const data = page.items.map((hit) => ({
        thread: listedThread(registry, hit.thread),
        snippet: hit.snippet,
      }));
      const first = page.items[0]?.thread;
      return { data, nextCursor: page.nextCursor, backwardsCursor: backwardsCursor(first, p.sortKey) };
    },

    async "thread/searchOccurrences"(p) {
      if (p.searchTerm.trim() === "")
        throw invalidRequest("thread/searchOccurrences requires a non-empty searchTerm");
      const id = parseThreadId(p.threadId);
      return reading(id, async () => {
        if (registry.get(id)?.meta.ephemeral)
          throw new RpcError(METHOD_NOT_FOUND, "thread/searchOccurrences is not supported yet");
        const start = p.cursor
          ? decodeOccurrenceCursor(p.cursor, id, p.searchTerm)
          : { position: 0, skip: 0 };
        await storedSummary(store, s.defaultProvider, id);
        return occurrencesPage(
          store,
          id,
          p.searchTerm,
          start,
          Math.max(1, p.limit ?? DEFAULT_OCCURRENCES_PAGE),
        );
      });
    },

    async "thread/timeline/list"(p) {
      const id = parseThreadId(p.threadId);
      return reading(id, async () => {
        if (registry.get(id)?.meta.ephemeral)
          throw new RpcError(METHOD_NOT_FOUND, "thread/timeline/list is not supported yet");
        await storedSummary(store, s.defaultProvider, id);
        const page = await timelinePage(
          store,
          id,
          p.cursor ?? null,
          Math.max(1, p.limit ?? DEFAULT_TIMELINE_PAGE),
        );
        return { ...page, activeRealtimeSessionAtPageStart: null } as TimelineResponse;
      });
    },

    async "thread/items/read"(p) {
      if (p.itemIds.length < 1 || p.itemIds.length > MAX_READ_ITEMS)
        throw invalidRequest(`itemIds must contain 1 to ${MAX_READ_ITEMS} IDs`);
      const id = parseThreadId(p.threadId);
      return reading(id, async () => {
        if (registry.get(id)?.meta.ephemeral)
          throw new RpcError(METHOD_NOT_FOUND, "thread/items/read is not supported yet");
        await storedSummary(store, s.defaultProvider, id);
        const entry = await store.turnById({ threadId: id }, p.turnId);
        // An unknown turn or item is no error: the answer holds the items found (as 0.166.0 answers).
        if (!entry) return { data: [] };
        const turn = await storedTurn(entry, "full", store.lineReader());
        const wanted = new Set(p.itemIds);
        const data = turn.items
          .filter((item) => wanted.has(item.id))
          .map((item) => {
            const times = item as { startedAtMs?: number | null; completedAtMs?: number | null };
            return {
              turnId: turn.id,
              item,
              startedAtMs: times.startedAtMs ?? null,
              completedAtMs: times.completedAtMs ?? null,
            };
          });
        return { data };
      });
    },
  };
}

/** Where an occurrence page starts: a turn's position in the thread, and how many of its occurrences came before. */
interface OccurrenceStart {
  position: number;
  skip: number;
}

function decodeOccurrenceCursor(cursor: string, threadId: string, term: string): OccurrenceStart {
  const [position, skip, cursorTerm] = decodeThreadCursor(
    cursor,
    OCCURRENCE_CURSOR,
    threadId,
    "cursor",
    (f) =>
      f.length === 3 &&
      Number.isSafeInteger(f[0]) &&
      (f[0] as number) >= 0 &&
      Number.isSafeInteger(f[1]) &&
      (f[1] as number) >= 0 &&
      typeof f[2] === "string",
  ) as [number, number, string];
  if (cursorTerm !== term)
    throw invalidRequest(`invalid cursor: the search term does not match the cursor's`);
  return { position, skip };
}

/**
 * One page of occurrences: the turns whose messages hold the term come from the index's texts (a few at a time);
 * only those turns are read, and in each the user's messages and its final answer are searched (0.166.0's visible
 * messages), every match in order. One occurrence past the page says whether there is a next page.
 */
async function occurrencesPage(
  store: SessionsStore,
  id: string,
  term: string,
  start: OccurrenceStart,
  limit: number,
): Promise<gen0166.ThreadSearchOccurrencesResponse> {
  const data: gen0166.ThreadSearchOccurrence[] = [];
  const readLines = store.lineReader();
  let from = start.position;
  for (;;) {
    const found = await store.turnsWithText({ threadId: id }, term, from, TURNS_AT_ONCE);
    for (const entry of found.turns) {
      const all = turnOccurrences(id, entry, await storedTurn(entry, "full", readLines), term);
      const skip = entry.position === start.position ? start.skip : 0;
      for (const [i, occurrence] of all.entries()) {
        if (i < skip) continue;
        if (data.length === limit) {
          const next = encodeThreadCursor(OCCURRENCE_CURSOR, id, [entry.position, i, term]);
          return { data, nextCursor: next };
        }
        data.push(occurrence);
      }
    }
    const last = found.turns.at(-1);
    if (found.turns.length < TURNS_AT_ONCE || !last) return { data, nextCursor: null };
    from = last.position + 1;
  }
}

/** The occurrences of a turn: in its user messages and its last agent message, in item order. */
function turnOccurrences(
  threadId: string,
  entry: TurnEntry,
  turn: gen0166.Turn,
  term: string,
): gen0166.ThreadSearchOccurrence[] {
  const finalAnswer = turn.items.findLast((item) => item.type === "agentMessage");
  const turnCursor = encodeTurnCursor(threadId, {
    position: entry.position,
    turnId: entry.turnId,
    inclusive: true,
  });
  const out: gen0166.ThreadSearchOccurrence[] = [];
  for (const item of turn.items) {
    const text =
      item.type === "userMessage"
        ? userText(item)
        : item === finalAnswer
          ? collapseWhitespace(item.text)
          : null;
    if (!text) continue;
    const chars = Array.from(text);
    for (const [from, to] of literalMatches(text, term)) {
      const e = excerptAt(chars, from, to);
      out.push({
        turnId: turn.id,
        itemId: item.id,
        snippet: e.snippet,
        snippetMatchRange: { start: e.start, end: e.end },
        turnCursor,
      });
    }
  }
  return out;
}

/** A user message's text parts as searched (core's `requestText`), one per line. */
function userText(item: Extract<gen0166.ThreadItem, { type: "userMessage" }>): string {
  return item.content
    .flatMap((c) => (c.type === "text" && requestText(c.text) !== "" ? [requestText(c.text)] : []))
    .join("\n");
}
