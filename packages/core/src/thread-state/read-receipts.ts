import { randomUUID } from "node:crypto";
import type { ThreadStateDb } from "./db.js";

/** Where a thread's unread part starts: marked unread as a whole, or at a completed turn. */
export type UnreadPosition = { type: "threadStart" } | { type: "turn"; turnId: string };

/** A thread's read state: its first unread position (null: read) and the revision that guards edits. */
export interface ReadState {
  firstUnread: UnreadPosition | null;
  revision: string;
}

/** An update whose expected revision is not the current one; `current` is the state as it is. */
export class ReadStateConflictError extends Error {
  constructor(readonly current: ReadState) {
    super("read state changed");
  }
}

/** A thread without a receipt: read, at the revision 0.166.0 reports for it. */
export const initialReadState = (threadId: string): ReadState => ({
  firstUnread: null,
  revision: `initial:${threadId}`,
});

function parsePosition(text: string | null): UnreadPosition | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as UnreadPosition;
    if (v?.type === "threadStart") return { type: "threadStart" };
    if (v?.type === "turn" && typeof v.turnId === "string") return { type: "turn", turnId: v.turnId };
  } catch {}
  return null;
}

/**
 * Threads' read receipts, as 0.166.0 keeps them: a completed turn makes a thread unread from it (unless it is
 * unread already), a client marks it read or unread with the revision it saw; every change is a new revision.
 */
export class ReadReceiptStore {
  constructor(private readonly db: ThreadStateDb) {}

  get(threadId: string): ReadState {
    const row = this.db
      .get()
      .prepare("SELECT first_unread, revision FROM thread_read_receipts WHERE thread_id = ?")
      .get(threadId) as { first_unread: string | null; revision: string } | undefined;
    return row
      ? { firstUnread: parsePosition(row.first_unread), revision: row.revision }
      : initialReadState(threadId);
  }

  /** The read states of `threadIds` (those without a receipt at their initial revision). */
  getMany(threadIds: readonly string[]): Map<string, ReadState> {
    const found = new Map<string, ReadState>();
    // Listings ask on every page: a home without the database answers without loading SQLite or creating it.
    const db = this.db.existing();
    if (!db) return new Map(threadIds.map((id) => [id, initialReadState(id)]));
    const select = db.prepare("SELECT first_unread, revision FROM thread_read_receipts WHERE thread_id = ?");
    for (const id of threadIds) {
      const row = select.get(id) as { first_unread: string | null; revision: string } | undefined;
      found.set(
        id,
        row ? { firstUnread: parsePosition(row.first_unread), revision: row.revision } : initialReadState(id),
      );
    }
    return found;
  }

  /** Marks the thread read (`read`) or unread from its start, if `expectedRevision` is current. */
  update(threadId: string, read: boolean, expectedRevision: string): ReadState {
    const db = this.db.get();
    return db
      .transaction(() => {
        const current = this.get(threadId);
        if (current.revision !== expectedRevision) throw new ReadStateConflictError(current);
        return this.write(threadId, read ? null : { type: "threadStart" }, undefined);
      })
      .immediate();
  }

  /** A turn of the thread completed: unread from it unless already unread from earlier. */
  turnCompleted(threadId: string, turnId: string): ReadState {
    const db = this.db.get();
    return db
      .transaction(() => {
        const current = this.get(threadId);
        return this.write(threadId, current.firstUnread ?? { type: "turn", turnId }, turnId);
      })
      .immediate();
  }

  /**
   * The thread's history no longer has turn `turnId` (`thread/revert` cut it): a thread unread from that turn is read
   * now, at a new revision (0.166.0's). The new state, or null when the receipt did not point at that turn.
   */
  turnRemoved(threadId: string, turnId: string): ReadState | null {
    const db = this.db.existing();
    if (!db) return null;
    return db
      .transaction(() => {
        const current = this.get(threadId);
        if (current.firstUnread?.type !== "turn" || current.firstUnread.turnId !== turnId) return null;
        return this.write(threadId, null, undefined);
      })
      .immediate();
  }

  /** Forgets the thread's receipt (the thread was deleted). */
  remove(threadId: string): void {
    this.db.get().prepare("DELETE FROM thread_read_receipts WHERE thread_id = ?").run(threadId);
  }

  private write(
    threadId: string,
    firstUnread: UnreadPosition | null,
    publishedTurn: string | undefined,
  ): ReadState {
    const state: ReadState = { firstUnread, revision: randomUUID() };
    this.db
      .get()
      .prepare(
        `INSERT INTO thread_read_receipts (thread_id, first_unread, revision, last_published_turn) VALUES (?, ?, ?, ?)
         ON CONFLICT(thread_id) DO UPDATE SET first_unread = excluded.first_unread, revision = excluded.revision,
           last_published_turn = COALESCE(excluded.last_published_turn, last_published_turn)`,
      )
      .run(threadId, firstUnread ? JSON.stringify(firstUnread) : null, state.revision, publishedTurn ?? null);
    return state;
  }
}
