import type { Database } from "../rollout/index-db.js";
import { HomeDatabase } from "../sqlx/database.js";

/**
 * The per-thread state this implementation keeps beside the rollouts: attachments, read receipts and memory modes.
 * 0.166.0 keeps the same records in tables of its state database (`state_5.sqlite`: `thread_attachments`,
 * `thread_read_receipts`, `threads.memory_mode`), whose other tables (its thread index, projects, sections) this
 * implementation does not maintain, so it writes a file of its own with the same columns.
 */
export const THREAD_STATE_DB_FILE_NAME = "thread_state.sqlite";

/** The schema, one statement list per version (`PRAGMA user_version` records how many were applied). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE thread_attachments (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    attachment_type TEXT NOT NULL,
    identity_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (thread_id, attachment_type, identity_key)
  );
  CREATE INDEX idx_thread_attachments_thread_created_id ON thread_attachments(thread_id, created_at, id);
  CREATE INDEX idx_thread_attachments_identity_thread ON thread_attachments(attachment_type, identity_key, thread_id);
  CREATE TABLE thread_read_receipts (
    thread_id TEXT PRIMARY KEY NOT NULL,
    first_unread TEXT,
    revision TEXT NOT NULL,
    last_published_turn TEXT
  );
  CREATE TABLE thread_memory_modes (
    thread_id TEXT PRIMARY KEY NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('enabled', 'disabled'))
  );`,
];

/**
 * The thread-state database of a CODEX_HOME, opened on first use (WAL, a 5 s busy timeout: several servers may
 * share the home). Each store method is one statement or one transaction, so concurrent writers see each other.
 */
export class ThreadStateDb extends HomeDatabase {
  constructor(codexHome: string) {
    super(codexHome, THREAD_STATE_DB_FILE_NAME, "thread state", migrate);
  }
}

function migrate(db: Database): void {
  db.transaction(() => {
    const applied = Number(db.pragma("user_version", { simple: true }));
    for (let v = applied; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    if (applied < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
