import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
// The driver's JavaScript without the package entry (which adds only `SqliteError`, unused here); see loadDriver.
import driverScript from "better-sqlite3/lib/database.js";

/** The index file, beside `sessions/` in CODEX_HOME. Codex ignores files it does not know. */
export const INDEX_FILE_NAME = "sessions-index.sqlite";
/**
 * Bumped when the tables change; an index of another version is dropped and rebuilt from the rollout files.
 * 2: heads + days. 3: thread columns for indexed filters, trigram text index, folder listings, names, turn index.
 * 4: turn marks (compactions, ghost snapshots) and user-text counts per turn, for resuming late in a rollout.
 * 6: legacy item counts per turn (`turns.items_before`), so a page numbers 0.58.0-format items as 0.166.0 does;
 *    spawned sub-agents' parents (`heads.parent`) for `thread/list`'s parent and ancestor filters.
 * 7: the head facts carry session_meta's `thread_source` (`thread/read` shows it), so older rows are read again.
 * 8: a turn whose `task_complete` carries an error is `failed` in the turn index (0.166.0's failed turns).
 * 9: the conversation's text per rollout (`turn_texts`: user and agent messages, by turn), for `thread/search` and
 *    `thread/searchOccurrences`; every rollout's turn index is rebuilt so that each has its texts (and its turns are
 *    read again by the app server's reader, which now shows the tool calls of turns codex 0.166.0 appended).
 * 10: the continuations of threads 0.166.0 reverted (`continuations`, continuations.ts) and, per head, its newest
 *    one (`heads.tip`, `heads.tip_mtime`, kept by triggers) and the thread's last write (`heads.updated`), so
 *    `thread/list` orders and shows a reverted thread by its newest continuation without reading the chain.
 */
export const SCHEMA_VERSION = 10;

export type Database = BetterSqlite3.Database;
type DatabaseConstructor = typeof BetterSqlite3;

let driver: DatabaseConstructor | null | undefined;
/** The driver's options that name its native module (see `nativeBinding`). */
let bindingOptions: BetterSqlite3.Options = {};

/**
 * Loads better-sqlite3 on first use; without its native module the store works without an index. With the native
 * module where its install puts it, the driver's JavaScript is the copy imported above, which the CLI bundles (and
 * so runs from its code cache): requiring the package instead compiles its dozen files from disk, ~4 ms of the
 * first index open of every process. Elsewhere the package is required, and finds its module itself.
 */
export function loadDriver(): DatabaseConstructor | null {
  if (driver !== undefined) return driver;
  try {
    const require = createRequire(import.meta.url);
    bindingOptions = nativeBinding(require);
    driver = bindingOptions.nativeBinding ? driverScript : (require("better-sqlite3") as DatabaseConstructor);
  } catch (err) {
    driver = null;
    warn(`disabled, better-sqlite3 is unavailable: ${(err as Error).message}`);
  }
  return driver;
}

/**
 * The path of better-sqlite3's native module where its install puts it (`build/Release`), when it is there. Left
 * to itself, the driver finds it through the `bindings` package, which tries a dozen candidate paths with a stat
 * each and reads package files: ~4 ms of the first index open of every process. Elsewhere (a debug build, another
 * layout) the driver's own search runs, as before.
 */
function nativeBinding(require: NodeJS.Require): BetterSqlite3.Options {
  try {
    const addon = join(
      dirname(require.resolve("better-sqlite3/package.json")),
      "build/Release/better_sqlite3.node",
    );
    return existsSync(addon) ? { nativeBinding: addon } : {};
  } catch {
    return {};
  }
}

/** The options that name the driver's native module, for other databases of this process (after `loadDriver`). */
export function bindingOptionsForDriver(): BetterSqlite3.Options {
  return bindingOptions;
}

/** Whether the driver has been loaded in this process (loading it costs several milliseconds). */
export function driverLoaded(): boolean {
  return driver !== undefined && driver !== null;
}

/** Errors that mean the file is not a usable index of this version: rebuild it from the rollout files. */
export function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB"))
    return true;
  return /no such (table|column)|malformed|not a database|has no column/i.test((err as Error).message ?? "");
}

/**
 * An error of one statement (SQLITE_ERROR that is not damage): e.g. a text search the full-text engine cannot parse.
 * It fails that call only; the index stays open.
 */
function isStatementError(err: unknown): boolean {
  return (err as { code?: unknown }).code === "SQLITE_ERROR" && !isDamage(err);
}

export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * One SQLite connection to the sessions index of a CODEX_HOME. The rollout files stay the source of truth: an
 * index that is missing, of another schema version or damaged is deleted and refilled from the files. When the
 * file cannot be opened at all (a read-only CODEX_HOME, a directory in its place) the index lives in memory for
 * this process, so every query still runs the same way. Any later failure runs the caller's fallback.
 */
export class IndexDb {
  db!: Database;
  /** Bumped whenever the database is replaced (rebuilt after damage): prepared statements must be renewed. */
  epoch = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly Driver: DatabaseConstructor,
  ) {}

  /** Opens (or creates, or rebuilds) the index of `codexHome`; null without the driver or without CODEX_HOME. */
  static open(codexHome: string): IndexDb | null {
    const Driver = loadDriver();
    if (!Driver || !existsSync(codexHome)) return null;
    const index = new IndexDb(join(codexHome, INDEX_FILE_NAME), Driver);
    return index.connect() ? index : null;
  }

  /** An index in memory for this process only (stores told not to keep one on disk); null without the driver. */
  static memory(): IndexDb | null {
    const Driver = loadDriver();
    if (!Driver) return null;
    const index = new IndexDb(":memory:", Driver);
    return index.connectInMemory() ? index : null;
  }

  /** Opens the file; a damaged one or one of another version is replaced by an empty index. */
  private connect(): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      let db: Database | null = null;
      try {
        db = new this.Driver(this.path, { ...bindingOptions, timeout: 5000 });
        prepareSchema(db, true);
        this.db = db;
        this.epoch++;
        return true;
      } catch (err) {
        db?.close();
        if (attempt === 0 && isDamage(err)) {
          deleteIndexFiles(this.path);
          continue;
        }
        warn(`cannot open ${this.path}, indexing in memory for this process: ${(err as Error).message}`);
        return this.connectInMemory();
      }
    }
    return this.connectInMemory();
  }

  private connectInMemory(): boolean {
    try {
      const db = new this.Driver(":memory:", bindingOptions);
      prepareSchema(db, false);
      this.db = db;
      this.epoch++;
      return true;
    } catch (err) {
      warn(`disabled: ${(err as Error).message}`);
      return false;
    }
  }

  private statements = new Map<string, BetterSqlite3.Statement>();
  private statementsEpoch = 0;

  /** A prepared statement, cached until the database is replaced. */
  stmt(sql: string): BetterSqlite3.Statement {
    if (this.statementsEpoch !== this.epoch) {
      this.statements.clear();
      this.statementsEpoch = this.epoch;
    }
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db?.close();
  }

  /**
   * Runs a query. When the file turns out damaged (corrupted or overwritten under us) it is replaced by an empty
   * index and the query runs again; it refills from the rollout files. A busy database (another process writing
   * for longer than the timeout) gives the fallback for this call. Other failures close the index: the store then
   * reads the files directly. A statement that fails on its own input (SQLITE_ERROR) gives the fallback for this
   * call and leaves the index open: one odd search must not cost every later request its index.
   */
  run<T>(work: () => T, fallback: T): T {
    for (let attempt = 0; attempt < 2 && !this.closed; attempt++) {
      try {
        return work();
      } catch (err) {
        if (isBusy(err)) return fallback;
        if (isStatementError(err)) {
          warn(`${this.path}: ${(err as Error).message} (this query is answered from the files)`);
          return fallback;
        }
        if (attempt === 0 && isDamage(err)) {
          this.db.close();
          const inMemory = this.path === ":memory:";
          if (!inMemory) deleteIndexFiles(this.path);
          if (inMemory ? this.connectInMemory() : this.connect()) continue;
        }
        warn(`${this.path} disabled: ${(err as Error).message}`);
        this.close();
      }
    }
    return fallback;
  }

  /** Runs `work` in one transaction (see `run`). */
  write(work: () => void): void {
    this.run(() => this.db.transaction(work)(), undefined);
  }
}

const TABLES = [
  "heads",
  "heads_text",
  "days",
  "dirs",
  "names",
  "meta",
  "turn_files",
  "turns",
  "turn_marks",
  "turn_texts",
  "continuations",
];

function prepareSchema(db: Database, onDisk: boolean): void {
  if (onDisk) {
    db.pragma("journal_mode = WAL"); // readers never block the writer of another process
    db.pragma("synchronous = NORMAL"); // a cache: losing the last commits on power loss is harmless
  }
  db.pragma("cache_size = -16000"); // 16 MB: a first walk of a big store inserts 100k rows without spilling
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version === SCHEMA_VERSION) {
    // Damaged tables throw here.
    db.prepare(
      "SELECT rid, name, dir, id, ts, archived, size, mtime, complete, facts, listable, kind, provider, cwd, preview, parent, tip, tip_mtime, updated FROM heads LIMIT 1",
    ).all();
    db.prepare("SELECT name, dir, id, history_id, archived, mtime FROM continuations LIMIT 1").all();
    db.prepare("SELECT rowid FROM heads_text LIMIT 1").all();
    db.prepare("SELECT day, mtime, heads FROM days LIMIT 1").all();
    db.prepare("SELECT dir, mtime, children FROM dirs LIMIT 1").all();
    db.prepare("SELECT id, name, updated_at FROM names LIMIT 1").all();
    db.prepare("SELECT key, value FROM meta LIMIT 1").all();
    db.prepare("SELECT name, state FROM turn_files LIMIT 1").all();
    db.prepare(
      "SELECT name, seq, turn_id, start_offset, end_offset, text_before, items_before FROM turns LIMIT 1",
    ).all();
    db.prepare("SELECT name, offset, end_offset, kind, text_before FROM turn_marks LIMIT 1").all();
    db.prepare("SELECT name, offset, seq, folded, text FROM turn_texts LIMIT 1").all();
    return;
  }
  db.transaction(() => {
    for (const table of TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
    // One row per rollout file (live or archived). The columns after `facts` copy what the indexed filters test.
    db.exec(`CREATE TABLE heads (
      rid INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      dir TEXT NOT NULL,
      id TEXT NOT NULL,
      ts TEXT NOT NULL,
      archived INTEGER NOT NULL,
      size INTEGER,
      mtime REAL,
      complete INTEGER,
      facts TEXT,
      listable INTEGER NOT NULL DEFAULT 0,
      kind TEXT,
      provider TEXT,
      cwd TEXT,
      preview TEXT,
      parent TEXT,
      tip TEXT,
      tip_mtime REAL,
      updated REAL GENERATED ALWAYS AS (max(mtime, coalesce(tip_mtime, mtime))) STORED
    )`);
    db.exec("CREATE INDEX heads_by_id ON heads (id)");
    db.exec("CREATE INDEX heads_by_dir ON heads (dir)");
    db.exec("CREATE INDEX heads_pending ON heads (dir) WHERE complete = 0");
    db.exec("CREATE INDEX heads_created ON heads (archived, listable, ts, id)");
    db.exec("CREATE INDEX heads_updated ON heads (archived, listable, updated, id)");
    db.exec("CREATE INDEX heads_provider ON heads (archived, listable, provider, ts, id)");
    db.exec("CREATE INDEX heads_cwd ON heads (archived, listable, cwd, ts, id)");
    db.exec("CREATE INDEX heads_parent ON heads (parent) WHERE parent IS NOT NULL");
    // Substring search over previews (trigram: any 3+ character term is an index lookup).
    db.exec(
      "CREATE VIRTUAL TABLE heads_text USING fts5(preview, content='', contentless_delete=1, tokenize='trigram')",
    );
    // Folders of rollouts (day folders of sessions/, and archived_sessions) whose every file is recorded in
    // heads, with the folder's mtime then; `heads` = 1 when every file's head was read too.
    db.exec("CREATE TABLE days (day TEXT PRIMARY KEY, mtime REAL NOT NULL, heads INTEGER NOT NULL)");
    // sessions/ and its year and month folders: mtime and the numeric sub-folders seen then.
    db.exec("CREATE TABLE dirs (dir TEXT PRIMARY KEY, mtime REAL NOT NULL, children TEXT NOT NULL)");
    // Thread names from CODEX_HOME/session_index.jsonl (latest entry per id wins).
    db.exec("CREATE TABLE names (id TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT)");
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    // Turn index: per rollout, how far it was scanned and what identifies its bytes; per turn, its byte range.
    db.exec(`CREATE TABLE turn_files (
      name TEXT PRIMARY KEY,
      id TEXT NOT NULL,
      ino REAL NOT NULL,
      head_hash TEXT NOT NULL,
      scanned INTEGER NOT NULL,
      tail_hash TEXT NOT NULL,
      size INTEGER NOT NULL,
      mtime REAL NOT NULL,
      state TEXT NOT NULL
    )`);
    db.exec("CREATE INDEX turn_files_by_id ON turn_files (id)");
    db.exec(`CREATE TABLE turns (
      name TEXT NOT NULL,
      seq INTEGER NOT NULL,
      turn_id TEXT NOT NULL,
      first_line INTEGER NOT NULL,
      start_offset INTEGER NOT NULL,
      end_offset INTEGER NOT NULL,
      started_ms INTEGER,
      completed_ms INTEGER,
      status TEXT NOT NULL,
      explicit INTEGER NOT NULL,
      start_hash TEXT NOT NULL,
      text_before INTEGER NOT NULL,
      items_before INTEGER NOT NULL,
      PRIMARY KEY (name, seq)
    ) WITHOUT ROWID`);
    db.exec("CREATE INDEX turns_by_id ON turns (name, turn_id)");
    // Lines resume may start at or must carry over (compactions, ghost snapshots), per rollout (turn-scan.ts).
    db.exec(`CREATE TABLE turn_marks (
      name TEXT NOT NULL,
      offset INTEGER NOT NULL,
      end_offset INTEGER NOT NULL,
      kind TEXT NOT NULL,
      text_before INTEGER NOT NULL,
      PRIMARY KEY (name, offset)
    ) WITHOUT ROWID`);
    // The conversation's visible text per rollout (turn-scan.ts `TurnText`): each user and agent message, the turn
    // it belongs to (seq, -1 outside turns) and its text lower-cased (what a case-insensitive search compares).
    db.exec(`CREATE TABLE turn_texts (
      name TEXT NOT NULL,
      offset INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      folded TEXT NOT NULL,
      text TEXT NOT NULL,
      PRIMARY KEY (name, offset)
    ) WITHOUT ROWID`);
    createContinuationTables(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/**
 * The continuation rollouts of threads 0.166.0 reverted (`…-<thread id>_<history id>.jsonl`, continuations.ts), one
 * row per file as its folder's listing found it. Triggers keep each head's `tip` (its thread's newest continuation
 * in the same place, live or archived: the largest history id, a UUID v7) and `tip_mtime` in step with these rows,
 * whichever is recorded first: a continuation can sit in a newer day folder than its thread's first rollout.
 */
function createContinuationTables(db: Database): void {
  db.exec(`CREATE TABLE continuations (
    name TEXT PRIMARY KEY,
    dir TEXT NOT NULL,
    id TEXT NOT NULL,
    history_id TEXT NOT NULL,
    archived INTEGER NOT NULL,
    mtime REAL NOT NULL
  )`);
  db.exec("CREATE INDEX continuations_by_id ON continuations (id, archived, history_id)");
  db.exec("CREATE INDEX continuations_by_dir ON continuations (dir)");
  const newest = (where: string) => `UPDATE heads SET (tip, tip_mtime) = (
      SELECT c.name, c.mtime FROM continuations c WHERE c.id = heads.id AND c.archived = heads.archived
      ORDER BY c.history_id DESC LIMIT 1) WHERE ${where};`;
  db.exec(
    `CREATE TRIGGER continuations_added AFTER INSERT ON continuations BEGIN ${newest("id = NEW.id")} END`,
  );
  db.exec(
    `CREATE TRIGGER continuations_changed AFTER UPDATE ON continuations BEGIN ${newest("id IN (NEW.id, OLD.id)")} END`,
  );
  db.exec(
    `CREATE TRIGGER continuations_gone AFTER DELETE ON continuations BEGIN ${newest("id = OLD.id")} END`,
  );
  db.exec(`CREATE TRIGGER heads_added AFTER INSERT ON heads BEGIN ${newest("rid = NEW.rid")} END`);
  db.exec(
    `CREATE TRIGGER heads_moved AFTER UPDATE OF id, archived ON heads BEGIN ${newest("rid = NEW.rid")} END`,
  );
}

function deleteIndexFiles(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${path}${suffix}`, { force: true });
}

export function warn(message: string): void {
  process.stderr.write(`codex-ts: sessions index: ${message}\n`);
}
