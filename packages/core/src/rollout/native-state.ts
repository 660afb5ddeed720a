import { existsSync } from "node:fs";
import { join } from "node:path";
import { bindingOptionsForDriver, loadDriver } from "./index-db.js";

/** codex 0.166.0's state database, beside the rollouts. */
const STATE_DB = "state_5.sqlite";

/**
 * codex 0.166.0 finds a thread's rollout by the `rollout_path` of its row in its state database's `threads` table
 * (its own `thread/revert` points it at each new continuation). After a revert here that row would still name the
 * rollout the history ended in before, and 0.166.0 would resume the thread from there: the reverted turns back, its
 * next lines appended past the cut, where the continuation's readers never look. So the row, when there is one, is
 * pointed at the new continuation: that one column of that one row, in a single UPDATE under SQLite's own locking
 * (a busy database is waited for up to 5 s), the database never created, nothing else in it written. A store
 * 0.166.0 never opened (no file, no table, no row) is left as it is. Throws what SQLite throws; the caller logs it.
 */
export function pointNativeThreadAt(codexHome: string, threadId: string, rolloutPath: string): boolean {
  const file = join(codexHome, STATE_DB);
  const Driver = loadDriver();
  if (!Driver || !existsSync(file)) return false;
  const db = new Driver(file, { ...bindingOptionsForDriver(), fileMustExist: true, timeout: 5000 });
  try {
    const hasTable = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'threads'")
      .get();
    if (!hasTable) return false;
    return (
      db.prepare("UPDATE threads SET rollout_path = ? WHERE id = ?").run(rolloutPath, threadId).changes > 0
    );
  } finally {
    db.close();
  }
}
