import { existsSync } from "node:fs";
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { bindingOptionsForDriver, loadDriver } from "./index-db.js";

/** codex 0.166.0's state database, beside the rollouts. */
const STATE_DB = "state_5.sqlite";

/**
 * How long one attempt lets SQLite wait for a busy database. better-sqlite3 is synchronous: its busy wait blocks
 * the whole event loop (every client of the server), so an attempt waits only this long and a busy database is
 * tried again later from a timer (`RETRY_FIRST_MS`, doubling up to `RETRY_MAX_MS`, for `RETRY_FOR_MS` in all).
 */
const BUSY_WAIT_MS = 10;
const RETRY_FIRST_MS = 25;
const RETRY_MAX_MS = 2_000;
const RETRY_FOR_MS = 120_000;

/**
 * What became of a pointing: done (`pointed`), nothing to point (`absent`: no database, no `threads` table, no row
 * of the thread), or the database was busy and the update is retried later (`deferred`).
 */
export type NativePointing = "pointed" | "absent" | "deferred";

export interface PointingReports {
  /** A deferred update that failed later (another error, or still busy after `RETRY_FOR_MS`): why, for the log. */
  onLateFailure?: (message: string) => void;
  /** A deferred update that has landed (or found nothing to point): what it came to. */
  onLanded?: (outcome: Exclude<NativePointing, "deferred">) => void;
}

/** A deferred update of one thread's row: the newest path asked for, and its timer. */
interface Pending {
  rolloutPath: string;
  timer: NodeJS.Timeout;
}
/** The deferred updates by database file and thread id (one each: a newer pointing replaces an older one). */
const pending = new Map<string, Pending>();

/**
 * codex 0.166.0 finds a thread's rollout by the `rollout_path` of its row in its state database's `threads` table
 * (its own `thread/revert` points it at each new continuation). After a revert here that row would still name the
 * rollout the history ended in before, and 0.166.0 would resume the thread from there: the reverted turns back, its
 * next lines appended past the cut, where the continuation's readers never look. So the row, when there is one, is
 * pointed at the new continuation: that one column of that one row, in a single UPDATE under SQLite's own locking,
 * the database never created, nothing else in it written. A store 0.166.0 never opened (no file, no table, no row)
 * is left as it is.
 *
 * A running 0.166.0 may hold the database busy: then the update is not waited for (that would block the server's
 * event loop, SQLite's driver being synchronous) but retried from a timer with backoff, bounded, the newest path of
 * a thread winning over an older one still waiting; `reports` hears of how a deferred update ended. The timers do not
 * keep the process alive: an update still waiting when the server exits is dropped (0.166.0 then resumes the thread
 * from its older rollout, as when no update could be made). Throws what SQLite throws besides busy; the caller logs it.
 */
export function pointNativeThreadAt(
  codexHome: string,
  threadId: string,
  rolloutPath: string,
  reports: PointingReports = {},
): NativePointing {
  const file = join(codexHome, STATE_DB);
  const key = `${file}\0${threadId}`;
  // A newer pointing of the thread replaces the one still waiting (which would put back an older path).
  const before = pending.get(key);
  if (before) clearTimeout(before.timer);
  pending.delete(key);
  const first = attempt(file, threadId, rolloutPath);
  if (first !== "busy") return first;
  schedule(key, file, threadId, rolloutPath, reports, Date.now(), RETRY_FIRST_MS);
  return "deferred";
}

/** Whether an update is still waiting for 0.166.0's busy database (tests and shutdown logs ask). */
export function nativePointingPending(codexHome: string, threadId: string): boolean {
  return pending.has(`${join(codexHome, STATE_DB)}\0${threadId}`);
}

function schedule(
  key: string,
  file: string,
  threadId: string,
  rolloutPath: string,
  reports: PointingReports,
  since: number,
  delayMs: number,
): void {
  const timer = setTimeout(() => {
    if (pending.get(key)?.timer !== timer) return;
    pending.delete(key);
    let outcome: ReturnType<typeof attempt>;
    try {
      outcome = attempt(file, threadId, rolloutPath);
    } catch (err) {
      reports.onLateFailure?.((err as Error).message);
      return;
    }
    if (outcome !== "busy") return reports.onLanded?.(outcome);
    if (Date.now() - since >= RETRY_FOR_MS) {
      reports.onLateFailure?.(`database still busy after ${RETRY_FOR_MS / 1000} s, not updated`);
      return;
    }
    schedule(key, file, threadId, rolloutPath, reports, since, Math.min(delayMs * 2, RETRY_MAX_MS));
  }, delayMs);
  timer.unref();
  pending.set(key, { rolloutPath, timer });
}

/** One try at the UPDATE, waiting at most `BUSY_WAIT_MS` for the database; `busy` when it was still busy. */
function attempt(file: string, threadId: string, rolloutPath: string): "pointed" | "absent" | "busy" {
  const Driver = loadDriver();
  if (!Driver || !existsSync(file)) return "absent";
  let db: BetterSqlite3.Database;
  try {
    db = new Driver(file, { ...bindingOptionsForDriver(), fileMustExist: true, timeout: BUSY_WAIT_MS });
  } catch (err) {
    // Removed since the check: nothing to point.
    if ((err as { code?: unknown }).code === "SQLITE_CANTOPEN" && !existsSync(file)) return "absent";
    throw err;
  }
  try {
    const hasTable = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'threads'")
      .get();
    if (!hasTable) return "absent";
    const changes = db
      .prepare("UPDATE threads SET rollout_path = ? WHERE id = ?")
      .run(rolloutPath, threadId).changes;
    return changes > 0 ? "pointed" : "absent";
  } catch (err) {
    if (isBusy(err)) return "busy";
    throw err;
  } finally {
    db.close();
  }
}

/** SQLITE_BUSY (and its extended codes) or SQLITE_LOCKED: another connection holds the database. */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}
