import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { HistoryLine, HistoryMode, SessionsStore, TurnStatus } from "@codex-ts/core";
import { lineEffect } from "../threads/stored-items.js";
import { readAllTurns, reading, readTurnsPage } from "./history-0166.js";

type TokenInfo = NonNullable<
  Extract<NonNullable<HistoryLine["line"]>["payload"], { type: "token_count" }>["info"]
>;

/** What `thread/resume` shows of a thread's history besides the live thread. */
export interface ResumeHistory {
  /** `thread.turns`: every turn, full (none with `excludeTurns`). */
  turns: gen0166.Turn[];
  initialTurnsPage: gen0166.TurnsPage | null;
  /** The newest turn (token usage is restored against it). */
  lastTurnId: string | null;
  /** How the newest turn ended ("inProgress": it never did, its process ended first); null without turns. */
  lastTurnStatus: TurnStatus | null;
  /** The token usage the newest turn recorded last (restored to the client after the answer, as 0.166.0 does). */
  tokenInfo: TokenInfo | null;
  /**
   * Paginated threads (0.166.0's): where `thread/items/list` pages end (the newest item, included); null for legacy
   * ones, including those with 0.166.0's turn and item records (this server's 0.166 threads), as 0.166.0 answers.
   */
  itemsBackwardsCursor: string | null;
}

/**
 * The history part of `thread/resume`, read from the turn index a page at a time: `excludeTurns` reads no turn's
 * lines, `initialTurnsPage` only the page's turns, and the newest item's cursor of a 0.166.0 thread is found
 * reading its last lines backwards.
 */
export async function resumeHistory(
  store: SessionsStore,
  id: string,
  p: gen0166.ThreadResumeParams,
  historyMode: HistoryMode,
): Promise<ResumeHistory> {
  return reading(id, async () => {
    const newest = (await store.listTurns({ threadId: id }, { limit: 1, sortDirection: "desc" })).turns[0];
    return {
      turns: p.excludeTurns ? [] : await readAllTurns(store, id),
      initialTurnsPage: p.initialTurnsPage ? await readTurnsPage(store, id, p.initialTurnsPage) : null,
      lastTurnId: newest?.turnId ?? null,
      lastTurnStatus: newest?.status ?? null,
      tokenInfo: newest ? await lastTokenInfo(store, id, newest.turnId) : null,
      itemsBackwardsCursor:
        historyMode === "paginated" && newest?.explicit ? await newestItemCursor(store, id) : null,
    };
  });
}

async function newestItemCursor(store: SessionsStore, id: string): Promise<string | null> {
  for await (const line of store.readHistory({ threadId: id }, { sortDirection: "desc" })) {
    if (lineEffect(line.record, "")?.kind === "item") return line.anchor;
  }
  return null;
}

/**
 * The model the thread's newest turn ran with (its last `turn_context`, 0.58.0's or 0.166.0's), read from that
 * turn's end; null when it recorded none. A resume without `model` continues with it, as 0.166.0 continues a thread.
 */
export async function recordedModel(store: SessionsStore, id: string): Promise<string | null> {
  const newest = (await store.listTurns({ threadId: id }, { limit: 1, sortDirection: "desc" })).turns[0];
  if (!newest) return null;
  for await (const { line } of store.readHistory(
    { threadId: id },
    { turnId: newest.turnId, sortDirection: "desc" },
  )) {
    if (line?.type !== "turn_context") continue;
    const model = line.payload.model;
    return typeof model === "string" && model !== "" ? model : null;
  }
  return null;
}

/** The last `token_count` with usage in the newest turn, read from its end. */
async function lastTokenInfo(store: SessionsStore, id: string, turnId: string): Promise<TokenInfo | null> {
  for await (const { line } of store.readHistory({ threadId: id }, { turnId, sortDirection: "desc" })) {
    if (line?.type === "event_msg" && line.payload.type === "token_count" && line.payload.info)
      return line.payload.info;
  }
  return null;
}
