import { uuidV7 } from "../conversation/ids.js";
import type { Database } from "../rollout/index-db.js";
import { openSqlxDatabase, type SqlxMigration } from "../sqlx/database.js";

/** The queue database of a CODEX_HOME, the file codex 0.166.0 keeps its threads' queued messages in. */
export const QUEUE_DB_FILE_NAME = "queue_1.sqlite";

/** The most messages one thread's queue holds (0.166.0's limit). */
export const MAX_QUEUED_PER_THREAD = 100;

/** 0.166.0's migrations of its queue database (see `SqlxMigration`). */
const MIGRATIONS: readonly SqlxMigration[] = [
  {
    version: 1,
    description: "queued items",
    checksum:
      "CEA113C9A74FE4ED12CF41951B57C66CA375A14A722AC28D41BC06A096ED3E1D777AC0710C5377E8CD75F645C99CA03C",
    sql: `CREATE TABLE queued_items (
    id TEXT PRIMARY KEY NOT NULL,
    thread_id TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    queue_order INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX queued_items_thread_order_idx
    ON queued_items(thread_id, queue_order);`,
  },
  {
    version: 2,
    description: "queued thread revisions",
    checksum:
      "983A2B17B454FEB00D7C221D7F556E900E7F9ADE4AEF395E854ED9093FA21237FD3FD93F99C66758B489C0F376F56570",
    sql: `CREATE TABLE queued_thread_revisions (
    revision INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id TEXT NOT NULL UNIQUE
);
${["INSERT", "UPDATE", "DELETE"]
  .map(
    (op) => `CREATE TRIGGER queued_items_revision_after_${op.toLowerCase()}
AFTER ${op} ON queued_items
BEGIN
    INSERT INTO queued_thread_revisions (thread_id)
    VALUES (${op === "DELETE" ? "OLD" : "NEW"}.thread_id)
    ON CONFLICT(thread_id) DO UPDATE
    SET revision = (SELECT COALESCE(MAX(revision), 0) + 1 FROM queued_thread_revisions);
END;`,
  )
  .join("\n")}`,
  },
];

/**
 * One queued message as the queue database holds it: the user input (`content`, the core's serialized
 * `UserInput` items, snake_case) and the client's id for the message it becomes (`clientId`). Times in Unix ms.
 */
export interface QueuedItemRow {
  id: string;
  threadId: string;
  content: unknown[];
  clientId: string;
  createdAtMs: number;
  updatedAtMs: number;
}

interface Row {
  id: string;
  thread_id: string;
  payload_json: string;
  created_at_ms: number;
  updated_at_ms: number;
}

/** 0.166.0's payload: `{"UserInput": {"content": [...], "client_id": "…"}}`. */
const payloadJson = (content: unknown[], clientId: string): string =>
  JSON.stringify({ UserInput: { content, client_id: clientId } });

/** A row whose payload is a user input; null for any other payload (a kind this server does not queue). */
function fromRow(r: Row): QueuedItemRow | null {
  let payload: unknown;
  try {
    payload = JSON.parse(r.payload_json);
  } catch {
    return null;
  }
  const input = (payload as { UserInput?: { content?: unknown; client_id?: unknown } } | null)?.UserInput;
  if (!input || !Array.isArray(input.content)) return null;
  return {
    id: r.id,
    threadId: r.thread_id,
    content: input.content,
    clientId: typeof input.client_id === "string" ? input.client_id : "",
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  };
}

/**
 * The threads' queued messages of a CODEX_HOME, in the same SQLite file and tables as codex 0.166.0's
 * (`queue_1.sqlite`), so a message queued by either program is the one the other lists and starts. Opened on first
 * use; each change is one transaction, so two processes sharing the file see each other's writes (the file's
 * triggers keep 0.166.0's per-thread revisions, by which it notices another process's changes).
 */
export class QueueStore {
  private db: Database | null = null;

  constructor(private readonly codexHome: string) {}

  /** The thread's queue, first to start first. */
  list(threadId: string): QueuedItemRow[] {
    const rows = this.open()
      .prepare("SELECT * FROM queued_items WHERE thread_id = ? ORDER BY queue_order")
      .all(threadId) as Row[];
    return rows.map(fromRow).filter((r): r is QueuedItemRow => r !== null);
  }

  get(threadId: string, id: string): QueuedItemRow | null {
    const row = this.open()
      .prepare("SELECT * FROM queued_items WHERE thread_id = ? AND id = ?")
      .get(threadId, id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Queues a message last; null when the thread's queue is full (`MAX_QUEUED_PER_THREAD`). */
  add(threadId: string, content: unknown[], clientId: string): QueuedItemRow | null {
    const db = this.open();
    const id = uuidV7();
    const added = db.transaction(() => {
      const { n, last } = db
        .prepare("SELECT COUNT(*) AS n, MAX(queue_order) AS last FROM queued_items WHERE thread_id = ?")
        .get(threadId) as { n: number; last: number | null };
      if (n >= MAX_QUEUED_PER_THREAD) return false;
      const now = Date.now();
      db.prepare(
        `INSERT INTO queued_items (id, thread_id, payload_json, queue_order, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(id, threadId, payloadJson(content, clientId), (last ?? -1) + 1, now, now);
      return true;
    })();
    return added ? this.get(threadId, id) : null;
  }

  /** Replaces a queued message's input (its place and client id stay); null when it is not queued. */
  update(threadId: string, id: string, content: unknown[]): QueuedItemRow | null {
    const current = this.get(threadId, id);
    if (!current) return null;
    this.open()
      .prepare("UPDATE queued_items SET payload_json = ?, updated_at_ms = ? WHERE thread_id = ? AND id = ?")
      .run(payloadJson(content, current.clientId), Date.now(), threadId, id);
    return this.get(threadId, id);
  }

  /** Takes a message off the queue; whether it was queued. */
  delete(threadId: string, id: string): boolean {
    return (
      this.open().prepare("DELETE FROM queued_items WHERE thread_id = ? AND id = ?").run(threadId, id)
        .changes > 0
    );
  }

  /**
   * Puts the thread's queue in the order of `ids`, which must name every queued message `list` shows exactly once
   * (false, and nothing changes, otherwise). The new places follow the highest one so far, as 0.166.0 numbers them.
   */
  reorder(threadId: string, ids: readonly string[]): boolean {
    const db = this.open();
    return db.transaction(() => {
      // The messages `list` shows: a payload of another kind stays where it is, as no client can name it.
      const current = this.list(threadId).map((r) => r.id);
      const wanted = new Set(ids);
      if (
        wanted.size !== ids.length ||
        ids.length !== current.length ||
        current.some((id) => !wanted.has(id))
      )
        return false;
      const { last } = db
        .prepare("SELECT MAX(queue_order) AS last FROM queued_items WHERE thread_id = ?")
        .get(threadId) as { last: number | null };
      const move = db.prepare(
        "UPDATE queued_items SET queue_order = ?, updated_at_ms = ? WHERE thread_id = ? AND id = ?",
      );
      const now = Date.now();
      for (const [i, id] of ids.entries()) move.run((last ?? -1) + 1 + i, now, threadId, id);
      return true;
    })();
  }

  /**
   * SQLite's `data_version` as this store's connection sees it: it changes when another connection (another process)
   * committed to the file, not on this store's own writes. 0.166.0 polls it to notice other processes' changes.
   */
  dataVersion(): number {
    return this.open().pragma("data_version", { simple: true }) as number;
  }

  /** The thread's queue revision (the file's triggers raise it on each change; 0 before any). */
  revision(threadId: string): number {
    const row = this.open()
      .prepare("SELECT revision FROM queued_thread_revisions WHERE thread_id = ?")
      .get(threadId) as { revision: number } | undefined;
    return row?.revision ?? 0;
  }

  /** Forgets a thread's queue (the thread was deleted); how many messages it held. */
  deleteThread(threadId: string): number {
    return this.open().prepare("DELETE FROM queued_items WHERE thread_id = ?").run(threadId).changes;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private open(): Database {
    this.db ??= openSqlxDatabase(this.codexHome, QUEUE_DB_FILE_NAME, MIGRATIONS, "thread queues");
    return this.db;
  }
}
