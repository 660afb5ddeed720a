import { randomBytes } from "node:crypto";
import type { ThreadStateDb } from "./db.js";

/** 0.166.0's most attachment identities one thread holds. */
export const MAX_ATTACHMENTS_PER_THREAD = 100;

/** One stored attachment (`payload` as JSON text; `createdAt` in Unix seconds). */
export interface AttachmentRow {
  id: string;
  threadId: string;
  attachmentType: string;
  identityKey: string;
  payload: string;
  createdAt: number;
}

/**
 * A UUID v7 that sorts after every one this process made before: 0.166.0 lists a thread's attachments by creation
 * second then id, so ids made within one second must keep their order (a 12-bit counter follows the millisecond).
 */
let last = { ms: 0, counter: 0 };
function monotonicUuidV7(now = Date.now()): string {
  const ms = Math.max(now, last.ms);
  let counter = ms === last.ms ? last.counter + 1 : randomBytes(2).readUInt16BE(0) & 0x3ff;
  let at = ms;
  if (counter > 0xfff) {
    at = ms + 1;
    counter = 0;
  }
  last = { ms: at, counter };
  const bytes = randomBytes(16);
  bytes.writeUIntBE(at, 0, 6);
  bytes.writeUInt16BE(0x7000 | counter, 6);
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A position in one thread's attachments, ordered by creation time then id. */
export interface AttachmentPosition {
  createdAt: number;
  id: string;
}

/** Adding a new identity to a thread that already holds `MAX_ATTACHMENTS_PER_THREAD`. */
export class AttachmentLimitError extends Error {
  constructor() {
    super(`thread attachment identity count exceeds ${MAX_ATTACHMENTS_PER_THREAD}`);
  }
}

interface Row {
  id: string;
  thread_id: string;
  attachment_type: string;
  identity_key: string;
  payload: string;
  created_at: number;
}

const fromRow = (r: Row): AttachmentRow => ({
  id: r.id,
  threadId: r.thread_id,
  attachmentType: r.attachment_type,
  identityKey: r.identity_key,
  payload: r.payload,
  createdAt: Number(r.created_at),
});

/** Threads' attachments: records a client keys by type and identity, one per identity and thread. */
export class AttachmentStore {
  constructor(private readonly db: ThreadStateDb) {}

  /**
   * The thread's attachment of that identity: the one it holds (`created: false`, payload unchanged, as 0.166.0
   * keeps the first), else a new one. Throws `AttachmentLimitError` when a new identity does not fit.
   */
  add(
    threadId: string,
    attachmentType: string,
    identityKey: string,
    payload: string,
  ): { row: AttachmentRow; created: boolean } {
    const db = this.db.get();
    return db
      .transaction(() => {
        const existing = this.find(threadId, attachmentType, identityKey);
        if (existing) return { row: existing, created: false };
        const count = db
          .prepare("SELECT COUNT(*) AS n FROM thread_attachments WHERE thread_id = ?")
          .get(threadId) as { n: number };
        if (Number(count.n) >= MAX_ATTACHMENTS_PER_THREAD) throw new AttachmentLimitError();
        const now = Date.now();
        const row: AttachmentRow = {
          id: monotonicUuidV7(now),
          threadId,
          attachmentType,
          identityKey,
          payload,
          createdAt: Math.floor(now / 1000),
        };
        db.prepare(
          `INSERT INTO thread_attachments (id, thread_id, attachment_type, identity_key, payload, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(row.id, threadId, attachmentType, identityKey, payload, row.createdAt);
        return { row, created: true };
      })
      .immediate();
  }

  /** Up to `limit` of the thread's attachments after `after` (from the first without), and whether more follow. */
  page(
    threadId: string,
    after: AttachmentPosition | null,
    limit: number,
  ): { rows: AttachmentRow[]; more: boolean } {
    const rows = (
      after
        ? this.db
            .get()
            .prepare(
              `SELECT * FROM thread_attachments WHERE thread_id = ? AND (created_at > ? OR (created_at = ? AND id > ?))
               ORDER BY created_at, id LIMIT ?`,
            )
            .all(threadId, after.createdAt, after.createdAt, after.id, limit + 1)
        : this.db
            .get()
            .prepare("SELECT * FROM thread_attachments WHERE thread_id = ? ORDER BY created_at, id LIMIT ?")
            .all(threadId, limit + 1)
    ) as Row[];
    return { rows: rows.slice(0, limit).map(fromRow), more: rows.length > limit };
  }

  /** Deletes the thread's attachment of that identity; the deleted row, or null when there was none. */
  remove(threadId: string, attachmentType: string, identityKey: string): AttachmentRow | null {
    const db = this.db.get();
    return db
      .transaction(() => {
        const row = this.find(threadId, attachmentType, identityKey);
        if (row) db.prepare("DELETE FROM thread_attachments WHERE id = ?").run(row.id);
        return row;
      })
      .immediate();
  }

  /** Deletes every attachment of a thread (the thread was deleted). */
  removeThread(threadId: string): void {
    this.db.get().prepare("DELETE FROM thread_attachments WHERE thread_id = ?").run(threadId);
  }

  /** Up to `limit` ids of the threads holding an attachment of that identity, in id order, after `afterThreadId`. */
  owners(attachmentType: string, identityKey: string, afterThreadId: string | null, limit: number): string[] {
    return this.db
      .get()
      .prepare(
        `SELECT thread_id FROM thread_attachments WHERE attachment_type = ? AND identity_key = ? AND thread_id > ?
         ORDER BY thread_id LIMIT ?`,
      )
      .pluck()
      .all(attachmentType, identityKey, afterThreadId ?? "", limit) as string[];
  }

  private find(threadId: string, attachmentType: string, identityKey: string): AttachmentRow | null {
    const row = this.db
      .get()
      .prepare(
        "SELECT * FROM thread_attachments WHERE thread_id = ? AND attachment_type = ? AND identity_key = ?",
      )
      .get(threadId, attachmentType, identityKey) as Row | undefined;
    return row ? fromRow(row) : null;
  }
}
