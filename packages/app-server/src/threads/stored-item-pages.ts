import { type gen0166, invalidRequest } from "@codex-ts/app-server-protocol";
import {
  decodeThreadCursor,
  encodeThreadCursor,
  encodeTurnCursor,
  InvalidCursorError,
  type SessionsStore,
  type TurnEntry,
  TurnNotFoundError,
} from "@codex-ts/core";
import { storedTurn } from "./stored-turns.js";

/**
 * `thread/items/list` for 0.58.0-format ("legacy") threads, which 0.166.0 refuses (`thread/items/list is not
 * supported yet`; README, deliberate differences). A legacy item can span several lines (the parts of one
 * reasoning), so items are taken from whole turns, each rebuilt as `thread/turns/list {itemsView: "full"}` rebuilds
 * it, with the same ids (`item-<n>`, numbered across the thread from the turn index). A page reads the turns it
 * shows (and, at its end, up to the next item, so `nextCursor` is null exactly at the end), never the whole file.
 *
 * Cursors name a turn by position and id (checked by the store's turn cursor, so one of another thread or of a
 * rewritten history is refused) and an item by its index in the turn: `nextCursor` continues after the page's last
 * item, `backwardsCursor` starts at its first item (included) for the other direction.
 */

const CURSOR_KIND = "litems1";

interface ItemAnchor {
  position: number;
  turnId: string;
  /** The item's index in its turn, oldest first. */
  index: number;
  inclusive: boolean;
}

function encodeItemCursor(threadId: string, a: ItemAnchor): string {
  return encodeThreadCursor(CURSOR_KIND, threadId, [a.position, a.turnId, a.index, a.inclusive ? 1 : 0]);
}

function decodeItemCursor(cursor: string, threadId: string): ItemAnchor {
  const [position, turnId, index, inclusive] = decodeThreadCursor(
    cursor,
    CURSOR_KIND,
    threadId,
    "cursor",
    (f) =>
      f.length === 4 &&
      typeof f[1] === "string" &&
      [f[0], f[2]].every((n) => Number.isSafeInteger(n) && (n as number) >= 0),
  );
  return {
    position: position as number,
    turnId: turnId as string,
    index: index as number,
    inclusive: inclusive === 1,
  };
}

/** Walks a thread's turns one at a time from a turn (included) in a direction, through the store's cursors. */
async function* turnsFrom(
  store: SessionsStore,
  threadId: string,
  start: { position: number; turnId: string } | null,
  direction: "asc" | "desc",
  only: boolean,
): AsyncGenerator<TurnEntry> {
  let cursor = start ? encodeTurnCursor(threadId, { ...start, inclusive: true }) : null;
  for (;;) {
    const page = await store.listTurns({ threadId }, { cursor, limit: 1, sortDirection: direction });
    const turn = page.turns[0];
    if (!turn) return;
    yield turn;
    if (only || !page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** The turn a `turnId` names (its entry, with its position), or TurnNotFoundError. */
async function turnNamed(store: SessionsStore, threadId: string, turnId: string): Promise<TurnEntry> {
  for await (const line of store.readHistory({ threadId }, { turnId })) return line.turn;
  throw new TurnNotFoundError(`turn ${turnId} not found in thread ${threadId}`);
}

export async function legacyItemsPage(
  store: SessionsStore,
  threadId: string,
  p: gen0166.ThreadItemsListParams,
  limit: number,
): Promise<gen0166.ThreadItemsListResponse> {
  const dir = p.sortDirection ?? "asc";
  const readLines = store.lineReader();
  const only = p.turnId ? await turnNamed(store, threadId, p.turnId) : null;
  let start: { position: number; turnId: string } | null = only;
  /** Where to start in the first turn read: an item index (asc order), or the item after an item id. */
  let from: { index: number; inclusive: boolean } | { itemId: string } | null = null;
  if (typeof p.cursor === "string") {
    const a = decodeItemCursor(p.cursor, threadId);
    if (only && (a.position !== only.position || a.turnId !== only.turnId))
      throw new InvalidCursorError(p.cursor, `cursor belongs to another turn (${a.turnId})`);
    start = a;
    from = { index: a.index, inclusive: a.inclusive };
  } else if (p.cursor) {
    if (!only) throw invalidRequest("an item cursor needs the turnId it belongs to");
    from = { itemId: p.cursor.itemId };
  }
  const data: gen0166.ThreadItemEntry[] = [];
  let first: ItemAnchor | null = null;
  let last: ItemAnchor | null = null;
  let more = false;
  let firstTurn = true;
  for await (const entry of turnsFrom(store, threadId, start, dir, only !== null)) {
    const turn = await storedTurn(entry, "full", readLines);
    const indexes = turn.items.map((_, i) => i);
    if (dir === "desc") indexes.reverse();
    let skipTo = 0;
    if (firstTurn && from) {
      if ("itemId" in from) {
        const at = indexes.findIndex((i) => turn.items[i]?.id === from.itemId);
        if (at === -1) throw invalidRequest(`item ${from.itemId} not found in turn ${p.turnId}`);
        skipTo = at + 1;
      } else {
        const at = indexes.indexOf(Math.min(from.index, turn.items.length));
        skipTo = at === -1 ? indexes.length : at + (from.inclusive ? 0 : 1);
      }
    }
    firstTurn = false;
    for (const i of indexes.slice(skipTo)) {
      if (data.length === limit) {
        more = true;
        break;
      }
      const anchor = { position: entry.position, turnId: entry.turnId, index: i };
      first ??= { ...anchor, inclusive: true };
      last = { ...anchor, inclusive: false };
      const item = turn.items[i]!;
      data.push({
        turnId: entry.turnId,
        item,
        startedAtMs: item.startedAtMs ?? null,
        completedAtMs: item.completedAtMs ?? null,
      });
    }
    if (more) break;
  }
  return {
    data,
    nextCursor: more && last ? encodeItemCursor(threadId, last) : null,
    backwardsCursor: first ? encodeItemCursor(threadId, first) : null,
  };
}
