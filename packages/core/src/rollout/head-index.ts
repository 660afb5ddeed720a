import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type { HeadFacts } from "./facts.js";

/** The index file, beside `sessions/` in CODEX_HOME. Codex ignores files it does not know. */
export const INDEX_FILE_NAME = "sessions-index.sqlite";
/** Bumped when the tables change; an index of another version is rebuilt. */
const SCHEMA_VERSION = 2;

/** One rollout as the index knows it. `name` is the path relative to `sessions/`, with `/` separators. */
export interface IndexEntry {
  name: string;
  id: string;
  timestamp: string;
  /** Absent for entries only seen in a directory walk (their head has not been read). */
  head?: { size: number; complete: boolean; facts: HeadFacts };
}

export interface CachedHead {
  size: number;
  complete: boolean;
  facts: HeadFacts;
}

type Database = BetterSqlite3.Database;
type DatabaseConstructor = typeof BetterSqlite3;

let driver: DatabaseConstructor | null | undefined;

/** Loads better-sqlite3 on first use; without its native module the store works without an index. */
function loadDriver(): DatabaseConstructor | null {
  if (driver !== undefined) return driver;
  try {
    driver = createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor;
  } catch (err) {
    driver = null;
    warn(`disabled, better-sqlite3 is unavailable: ${(err as Error).message}`);
  }
  return driver;
}

/** Errors that mean the file is not a usable index of this version: rebuild it from the rollout files. */
function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB"))
    return true;
  return /no such (table|column)|malformed|not a database/i.test((err as Error).message ?? "");
}

/**
 * A cache of rollout heads in CODEX_HOME (SQLite). The rollout files stay the source of truth: callers validate
 * every entry against the file before trusting it, and an index that is missing, of another schema version or
 * damaged is deleted and refilled from the files as they are read. Any failure disables the index for this
 * process instead of failing the caller.
 */
export class HeadIndex {
  private db: Database | null = null;
  private statements!: ReturnType<typeof prepareStatements>;

  private constructor(
    readonly path: string,
    private readonly Driver: DatabaseConstructor,
  ) {}

  /** Opens (or creates, or rebuilds) the index of `codexHome`; null when that is impossible. */
  static open(codexHome: string): HeadIndex | null {
    const Driver = loadDriver();
    if (!Driver || !existsSync(codexHome)) return null;
    const index = new HeadIndex(join(codexHome, INDEX_FILE_NAME), Driver);
    return index.connect() ? index : null;
  }

  /** Opens the file; a damaged one or one of another version is replaced by an empty index. */
  private connect(): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      let db: Database | null = null;
      try {
        db = new this.Driver(this.path, { timeout: 5000 });
        prepareSchema(db);
        this.statements = prepareStatements(db);
        this.db = db;
        return true;
      } catch (err) {
        db?.close();
        if (attempt === 0 && isDamage(err)) {
          deleteIndexFiles(this.path);
          continue;
        }
        warn(`cannot open ${this.path}, listing without it: ${(err as Error).message}`);
        return false;
      }
    }
    return false;
  }

  /** The cached head of a file, if its head was read before. */
  get(name: string): CachedHead | undefined {
    return this.guard(() => {
      const row = this.statements.get.get(name) as
        | { size: number; complete: number; facts: string }
        | undefined;
      if (!row) return undefined;
      return { size: row.size, complete: row.complete === 1, facts: JSON.parse(row.facts) as HeadFacts };
    }, undefined);
  }

  /** Names of the files recorded for a conversation id, newest first. */
  namesForId(id: string): string[] {
    return this.guard(() => (this.statements.byId.all(id) as { name: string }[]).map((r) => r.name), []);
  }

  /** Records entries in one transaction; entries with a head replace the cached one. */
  put(entries: readonly IndexEntry[]): void {
    if (entries.length === 0) return;
    this.guard(() => {
      this.db?.transaction(() => {
        for (const e of entries) {
          if (e.head) {
            const { size, complete, facts } = e.head;
            this.statements.putHead.run(
              e.name,
              e.id,
              e.timestamp,
              size,
              complete ? 1 : 0,
              JSON.stringify(facts),
            );
          } else {
            this.statements.putName.run(e.name, e.id, e.timestamp);
          }
        }
      })();
    }, undefined);
  }

  /** Day folders whose files are all recorded, with their mtime at that moment (one query, not one per day). */
  dayMtimes(): Map<string, number> {
    return this.guard(
      () =>
        new Map(
          (this.statements.days.all() as { day: string; mtime: number }[]).map((r) => [r.day, r.mtime]),
        ),
      new Map<string, number>(),
    );
  }

  /**
   * Records day folders in one transaction: the entries of their files and, when given, the folder's mtime at the
   * moment they were listed (a folder recorded with its mtime is known to be entirely in the index).
   */
  putDays(days: readonly { day: string; mtime: number | null; entries: readonly IndexEntry[] }[]): void {
    if (days.length === 0) return;
    this.guard(() => {
      this.db?.transaction(() => {
        for (const { day, mtime, entries } of days) {
          for (const e of entries) this.statements.putName.run(e.name, e.id, e.timestamp);
          if (mtime !== null) this.statements.putDay.run(day, mtime);
        }
      })();
    }, undefined);
  }

  forget(names: readonly string[]): void {
    if (names.length === 0) return;
    this.guard(() => {
      this.db?.transaction(() => {
        for (const name of names) this.statements.forget.run(name);
      })();
    }, undefined);
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  /**
   * Runs a query. When the file turns out damaged (corrupted or overwritten under us) it is replaced by an empty
   * index and the query runs again; it refills from the rollout files as they are read. A busy database (another
   * process writing for longer than the timeout) skips the cache for this call. Other failures disable the index
   * for this process: callers then read the files directly.
   */
  private guard<T>(run: () => T, fallback: T): T {
    for (let attempt = 0; attempt < 2 && this.db; attempt++) {
      try {
        return run();
      } catch (err) {
        // Another process holds a long write: skip the cache this time, keep it for the next call.
        if (isBusy(err)) return fallback;
        this.close();
        if (attempt === 0 && isDamage(err)) {
          deleteIndexFiles(this.path);
          if (this.connect()) continue;
        }
        warn(`${this.path} disabled: ${(err as Error).message}`);
      }
    }
    return fallback;
  }
}

function prepareStatements(db: Database) {
  return {
    get: db.prepare<[string]>("SELECT size, complete, facts FROM heads WHERE name = ? AND facts IS NOT NULL"),
    byId: db.prepare<[string]>("SELECT name FROM heads WHERE id = ? ORDER BY ts DESC"),
    putHead: db.prepare<[string, string, string, number, number, string]>(
      `INSERT INTO heads (name, id, ts, size, complete, facts) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET size = excluded.size, complete = excluded.complete, facts = excluded.facts`,
    ),
    putName: db.prepare<[string, string, string]>(
      "INSERT OR IGNORE INTO heads (name, id, ts) VALUES (?, ?, ?)",
    ),
    forget: db.prepare<[string]>("DELETE FROM heads WHERE name = ?"),
    days: db.prepare("SELECT day, mtime FROM days"),
    putDay: db.prepare<[string, number]>("INSERT OR REPLACE INTO days (day, mtime) VALUES (?, ?)"),
  };
}

function prepareSchema(db: Database): void {
  db.pragma("journal_mode = WAL"); // readers never block the writer of another process
  db.pragma("synchronous = NORMAL"); // a cache: losing the last commits on power loss is harmless
  db.pragma("cache_size = -16000"); // 16 MB: a first walk of a big store inserts 100k rows without spilling
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version === SCHEMA_VERSION) {
    // Damaged tables throw here.
    db.prepare("SELECT name, id, ts, size, complete, facts FROM heads LIMIT 1").all();
    db.prepare("SELECT day, mtime FROM days LIMIT 1").all();
    return;
  }
  db.transaction(() => {
    db.exec("DROP TABLE IF EXISTS heads");
    db.exec("DROP TABLE IF EXISTS days");
    db.exec(`CREATE TABLE heads (
      name TEXT PRIMARY KEY,
      id TEXT NOT NULL,
      ts TEXT NOT NULL,
      size INTEGER,
      complete INTEGER,
      facts TEXT
    )`);
    db.exec("CREATE INDEX heads_by_id ON heads (id)");
    // Day folders whose every file is recorded in heads, with the folder's mtime then: a lookup that misses
    // the index re-lists only the folders that changed since.
    db.exec("CREATE TABLE days (day TEXT PRIMARY KEY, mtime REAL NOT NULL)");
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

function deleteIndexFiles(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${path}${suffix}`, { force: true });
}

function warn(message: string): void {
  process.stderr.write(`codex-ts: sessions index: ${message}\n`);
}
