import { basename } from "node:path";
import {
  type gen0166,
  invalidRequest,
  METHOD_NOT_FOUND,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import {
  cursorFor,
  HistoryBaseError,
  InvalidCursorError,
  isVanishedFileError,
  parseRolloutFileName,
  RolloutChangedError,
  RolloutLoadError,
  RolloutPathError,
  type SessionsStore,
  type SourceKind,
  ThreadNotFoundError,
  type ThreadPage,
  type ThreadQuery,
  type ThreadSummary,
  TurnNotFoundError,
} from "@codex-ts/core";
import type { Handlers } from "../handler.js";
import type { LoadedThread } from "../threads/loaded-thread.js";
import type { ThreadOrganization } from "../threads/organization.js";
import { parseThreadId, type ThreadRegistry } from "../threads/registry.js";
import { sectionOrderedPage } from "../threads/section-order-page.js";
import { legacyItemsPage } from "../threads/stored-item-pages.js";
import { lineEffect } from "../threads/stored-items.js";
import { listFilters, organizationlessSelection } from "../threads/stored-list-filters.js";
import { initialReadState, storedThreadObject } from "../threads/stored-thread.js";
import { storedTurn } from "../threads/stored-turns.js";
import { type ThreadMetadataStore, withMetadata } from "../threads/thread-metadata.js";
import { noticeFullHydration } from "./hydration-notice-0166.js";

/** What the history handlers read from: the sessions store, and the threads loaded on this connection. */
export interface HistoryServices0166 {
  store: SessionsStore;
  /** The server's model provider (sessions that record none count as this one). */
  defaultProvider: string;
  registry: ThreadRegistry;
  /** The metadata clients set (`thread/metadata/update`), shown over what the rollouts recorded. */
  metadata?: ThreadMetadataStore | undefined;
  /** The threads' read states (absent: every thread reads as one without a receipt). */
  readStates?: ((threadIds: readonly string[]) => Map<string, gen0166.ThreadReadState>) | undefined;
  /** Whether the client asked for the experimental API (`thread/list`'s `projectId` needs it). */
  experimentalApi?: (() => boolean) | undefined;
  /** Projects and sections: `thread/list` filters by them, and threads show where they are. */
  organization?: ThreadOrganization | undefined;
}

type HistoryMethods = "thread/list" | "thread/read" | "thread/turns/list" | "thread/items/list";

/** Items per `thread/items/list` page when the client names no limit. */
const DEFAULT_ITEMS_PAGE = 50;
/** A rollout rewritten under a page is read again from a fresh index this many times before the error stands. */
const CHANGED_RETRIES = 2;

/** Store errors a client caused (or can retry), as JSON-RPC errors; `id` names the thread in 0.166.0's words. */
function clientError(err: unknown, id: string): unknown {
  if (err instanceof ThreadNotFoundError) return invalidRequest(`thread not loaded: ${id}`);
  if (
    err instanceof InvalidCursorError ||
    err instanceof TurnNotFoundError ||
    err instanceof RolloutChangedError ||
    err instanceof HistoryBaseError ||
    err instanceof RolloutLoadError ||
    err instanceof RolloutPathError
  ) {
    return invalidRequest(err.message);
  }
  return err;
}

/**
 * A history read of a thread; when the thread is loaded but its rollout is gone (removed by another process), in
 * 0.166.0's words for a loaded thread it has no stored history of (not `thread not loaded`, which it is).
 */
async function loadedOrStored<T>(
  loaded: LoadedThread | undefined,
  what: "includeTurns" | "thread/turns/list",
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (err) {
    // Its rollout removed between the lookup and the read: the same answer as when it was gone before.
    if (!(err instanceof ThreadNotFoundError || isVanishedFileError(err)) || !loaded) throw err;
    throw invalidRequest(
      `thread ${loaded.id} is not materialized yet; ${what} is unavailable before first user message`,
    );
  }
}

/** Every turn of a thread, oldest first, each read from its own lines (`thread/read {includeTurns}`). */
export async function readAllTurns(store: SessionsStore, id: string): Promise<gen0166.Turn[]> {
  const readLines = store.lineReader();
  const page = await store.listTurns({ threadId: id }, { sortDirection: "asc" });
  const turns: gen0166.Turn[] = [];
  for (const t of page.turns) turns.push(await storedTurn(t, "full", readLines));
  return turns;
}

/** One `thread/turns/list` page (also `thread/resume`'s `initialTurnsPage`). */
export async function readTurnsPage(
  store: SessionsStore,
  id: string,
  p: Partial<Pick<gen0166.ThreadTurnsListParams, "cursor" | "limit" | "sortDirection" | "itemsView">>,
): Promise<gen0166.TurnsPage> {
  const readLines = store.lineReader();
  const page = await store.listTurns(
    { threadId: id },
    { cursor: p.cursor ?? null, limit: p.limit ?? null, sortDirection: p.sortDirection ?? null },
  );
  const data: gen0166.Turn[] = [];
  for (const t of page.turns) data.push(await storedTurn(t, p.itemsView ?? "summary", readLines));
  return { data, nextCursor: page.nextCursor, backwardsCursor: page.backwardsCursor };
}

/**
 * Runs a read, again from a fresh lookup when the rollout changed under it: rewritten (a fresh index), or moved
 * or removed by a `thread/archive` or `thread/delete` racing it (the file it looked up is gone: read again, the
 * thread is found archived, or not at all). Store errors become RPC errors; a rollout still vanishing after the
 * retries is answered as one the lookup did not find (`thread not loaded`), never with the raw errno text.
 */
export async function reading<T>(id: string, read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const vanished = isVanishedFileError(err);
      if ((err instanceof RolloutChangedError || vanished) && attempt < CHANGED_RETRIES) continue;
      // (A listing, `id` "", has no one thread to name: its error stands.)
      const gone = vanished && id !== "";
      throw clientError(gone ? new ThreadNotFoundError(`no rollout found for thread id ${id}`) : err, id);
    }
  }
}

/**
 * The thread's rollout as it is now. A file whose name says one thread but whose session_meta says another (a
 * rollout rewritten by another process) is refused, so no answer carries another thread's history.
 */
export async function storedSummary(
  store: SessionsStore,
  defaultProvider: string,
  id: string,
): Promise<ThreadSummary> {
  const summary = await store.readThread({ threadId: id }, defaultProvider);
  if (!summary) throw new ThreadNotFoundError(`no rollout found for thread id ${id}`);
  if (summary.conversationId !== id)
    throw invalidRequest(`rollout ${summary.path} holds thread ${summary.conversationId}, not ${id}`);
  return summary;
}

/** A listed thread (`thread/list`, `thread/search`): a loaded one with its live fields, else as stored. */
export function listedThread(registry: ThreadRegistry, t: ThreadSummary): gen0166.Thread {
  const loaded = registry.get(t.conversationId);
  // 0.166.0 lists a loaded thread with its live fields but does not say whether it accepts input, nor show its
  // thread source.
  return loaded
    ? { ...loaded.object(), name: t.name, canAcceptDirectInput: null, threadSource: null }
    : storedThreadObject(t, { type: "notLoaded" });
}

/**
 * Where to page the other way from: the cursor of the page's first thread (exclusive). Only for the file-name
 * order, whose keys are exact; an `updated_at` page answers none (its keys are sub-millisecond mtimes).
 */
export function backwardsCursor(
  first: ThreadSummary | undefined,
  key: gen0166.ThreadSortKey | null | undefined,
) {
  if (!first || (key && SORT_KEYS[key] !== "created_at")) return null;
  const named = parseRolloutFileName(basename(first.path));
  return named ? cursorFor(named) : null;
}

const SORT_KEYS: Record<gen0166.ThreadSortKey, "created_at" | "updated_at"> = {
  created_at: "created_at",
  updated_at: "updated_at",
  recency_at: "updated_at",
  section_position: "created_at",
};

/**
 * `thread/list`, `thread/read`, `thread/turns/list` and `thread/items/list`: stored history, read from the
 * sessions index and the per-rollout turn index, so a page costs what it shows whatever the rollout's size
 * (README: "Stored history").
 */
export function createHistoryHandlers0166(s: HistoryServices0166): Handlers<Protocol0166, HistoryMethods> {
  const { store, registry } = s;
  const status = (id: string): gen0166.ThreadStatus =>
    registry.get(id)?.mapper.threadStatus ?? { type: "notLoaded" };

  /** A loaded thread as 0.166.0 shows it, with the name the store keeps. */
  const loadedObject = async (thread: LoadedThread, turns: gen0166.Turn[] = []) => ({
    ...thread.object(turns),
    name: await store.threadName(thread.id).catch(() => null),
  });

  const summaryOf = (id: string) => storedSummary(store, s.defaultProvider, id);
  // An unreadable state database does not fail a listing: its threads read as ones without receipts.
  const readStatesOf = (ids: readonly string[]): Map<string, gen0166.ThreadReadState> => {
    try {
      return s.readStates?.(ids) ?? new Map();
    } catch {
      return new Map();
    }
  };

  return {
    async "thread/list"(p) {
      // Present at all (null too), the experimental `projectId` is refused first, as 0.166.0 refuses it.
      if (p.projectId !== undefined && !s.experimentalApi?.())
        throw invalidRequest("thread/list.projectId requires experimentalApi capability");
      const filters = listFilters(p);
      if (p.sortKey === "section_position" && typeof p.sectionId !== "string")
        throw invalidRequest("section-position sorting requires a section filter");
      const placed = s.organization?.listSelection(p) ?? organizationlessSelection(p);
      if (filters.none || placed.included?.length === 0)
        return { data: [], readStates: {}, nextCursor: null, backwardsCursor: null };
      const excluded = [...(filters.excludedThreadIds ?? []), ...placed.excluded];
      const query: ThreadQuery = {
        limit: p.limit ?? null,
        cursor: p.cursor ?? null,
        sortKey: p.sortKey ? SORT_KEYS[p.sortKey] : null,
        sortDirection: p.sortDirection ?? null,
        modelProviders: p.modelProviders ?? null,
        defaultProvider: s.defaultProvider,
        sourceKinds: (p.sourceKinds ?? null) as readonly SourceKind[] | null,
        cwd: p.cwd ?? null,
        searchTerm: p.searchTerm ?? null,
        archived: p.archived ?? null,
        excludedThreadIds: excluded.length > 0 ? excluded : null,
        includedThreadIds: placed.included,
        includeEmpty: placed.includeEmpty,
        parentThreadId: filters.parentThreadId,
        ancestorThreadId: filters.ancestorThreadId,
      };
      // A section's own order lives in the organisation store, not the sessions index.
      const bySection =
        p.sortKey === "section_position" && typeof p.sectionId === "string" ? p.sectionId : null;
      const page: ThreadPage & { backwardsCursor?: string | null } = await reading("", () =>
        bySection !== null && s.organization
          ? sectionOrderedPage(store, s.organization, bySection, query)
          : store.listThreads(query),
      );
      const metadata = (await s.metadata?.all()) ?? new Map();
      const listed = page.items.map((t) =>
        withMetadata(listedThread(registry, t), metadata.get(t.conversationId)),
      );
      const data = s.organization ? s.organization.place(listed) : listed;
      const readStates = readStatesOf(data.map((t) => t.id));
      return {
        data,
        readStates: Object.fromEntries(
          data.map((t) => [t.id, readStates.get(t.id) ?? initialReadState(t.id)]),
        ),
        nextCursor: page.nextCursor,
        backwardsCursor:
          page.backwardsCursor !== undefined
            ? page.backwardsCursor
            : backwardsCursor(page.items[0], p.sortKey),
      };
    },

    async "thread/read"(p, ctx) {
      const id = parseThreadId(p.threadId);
      return reading(id, async () => {
        const loaded = registry.get(id);
        if (loaded?.meta.ephemeral && p.includeTurns)
          throw invalidRequest("ephemeral threads do not support includeTurns");
        const summary = loaded ? null : await summaryOf(id);
        const historyMode = summary ? summary.historyMode : loaded?.meta.historyMode;
        await noticeFullHydration(ctx.peer, historyMode, "read", !p.includeTurns);
        const turns = p.includeTurns
          ? await loadedOrStored(loaded, "includeTurns", () => readAllTurns(store, id))
          : [];
        // A stored thread shows its recorded source here, not in `thread/list` rows (as 0.166.0 shows them).
        const thread = summary
          ? { ...storedThreadObject(summary, status(id), turns), threadSource: summary.threadSource }
          : await loadedObject(loaded as LoadedThread, turns);
        const metadata = await s.metadata?.all();
        const shown = withMetadata(thread, metadata?.get(id));
        return {
          thread: s.organization?.place([shown])[0] ?? shown,
          readState: readStatesOf([id]).get(id) ?? initialReadState(id),
        };
      });
    },

    async "thread/turns/list"(p) {
      const id = parseThreadId(p.threadId);
      return reading(id, async () => {
        const loaded = registry.get(id);
        if (loaded?.meta.ephemeral)
          throw invalidRequest("ephemeral threads do not support thread/turns/list");
        if (!loaded) await summaryOf(id);
        return loadedOrStored(loaded, "thread/turns/list", () => readTurnsPage(store, id, p));
      });
    },

    async "thread/items/list"(p) {
      const id = parseThreadId(p.threadId);
      return reading(id, async () => {
        // 0.166.0's words for a thread it keeps no stored pages of (clients fall back to the turns).
        if (registry.get(id)?.meta.ephemeral)
          throw new RpcError(METHOD_NOT_FOUND, "thread/items/list is not supported yet");
        const summary = await summaryOf(id);
        // 0.166.0 pages the items of the threads it wrote itself only; a legacy thread's are served here from
        // whole turns (README, deliberate differences).
        if (summary.historyMode !== "paginated")
          return legacyItemsPage(store, id, p, Math.max(1, p.limit ?? DEFAULT_ITEMS_PAGE));
        return itemsPage(store, id, p);
      });
    },
  };
}

/**
 * One page of a 0.166.0 thread's items: its lines are read from the cursor, one `item_completed` line per item,
 * until the page is full and the next item is seen (so `nextCursor` is null exactly at the end). An item anchor
 * (`{type: "item", itemId}`) starts after that item of the named turn.
 */
async function itemsPage(
  store: SessionsStore,
  id: string,
  p: gen0166.ThreadItemsListParams,
): Promise<gen0166.ThreadItemsListResponse> {
  const limit = Math.max(1, p.limit ?? DEFAULT_ITEMS_PAGE);
  const anchor = typeof p.cursor === "object" && p.cursor !== null ? p.cursor : null;
  if (anchor && !p.turnId) throw invalidRequest("an item cursor needs the turnId it belongs to");
  const data: gen0166.ThreadItemEntry[] = [];
  let nextCursor: string | null = null;
  let backwardsCursor: string | null = null;
  let lastCursor: string | null = null;
  let skipping = anchor !== null;
  const lines = store.readHistory(
    { threadId: id },
    {
      turnId: p.turnId ?? null,
      cursor: typeof p.cursor === "string" ? p.cursor : null,
      sortDirection: p.sortDirection ?? "asc",
    },
  );
  for await (const line of lines) {
    const effect = lineEffect(line.record, "");
    // A tool call's legacy event repeats its `item_completed` record here (written beside it by this server).
    if (effect?.kind !== "item" || effect.ownId) continue;
    if (skipping) {
      if (effect.item.id === anchor?.itemId) skipping = false;
      continue;
    }
    if (data.length === limit) {
      nextCursor = lastCursor;
      break;
    }
    backwardsCursor ??= line.anchor;
    lastCursor = line.cursor;
    const times = effect.item as { startedAtMs?: number | null; completedAtMs?: number | null };
    data.push({
      turnId: line.turn.turnId,
      item: effect.item,
      startedAtMs: times.startedAtMs ?? null,
      completedAtMs: times.completedAtMs ?? null,
    });
  }
  if (skipping) throw invalidRequest(`item ${anchor?.itemId} not found in turn ${p.turnId}`);
  return { data, nextCursor, backwardsCursor };
}
