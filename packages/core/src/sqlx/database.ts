import { existsSync } from "node:fs";
import { join } from "node:path";
import { bindingOptionsForDriver, type Database, loadDriver } from "../rollout/index-db.js";

/**
 * One migration of a codex 0.166.0 database, as its migrator (sqlx) records it: a database a store of ours creates
 * carries the same rows, so 0.166.0 opens it as its own (sqlx refuses a database whose applied migrations'
 * checksums differ from its own, and would fail creating tables that exist without them). `sql` is the schema
 * 0.166.0 leaves; `checksum` the SHA-384 digest (hex) sqlx recorded for the migration file (read from a database
 * 0.166.0 created).
 */
export interface SqlxMigration {
  version: number;
  description: string;
  checksum: string;
  sql: string;
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
)`;

/** Applies the migrations `db` lacks, each in a transaction, recording them as 0.166.0's migrator does. */
function applySqlxMigrations(db: Database, migrations: readonly SqlxMigration[]): void {
  db.exec(MIGRATIONS_TABLE);
  const applied = new Set(
    (db.prepare("SELECT version FROM _sqlx_migrations").all() as { version: number }[]).map((r) =>
      Number(r.version),
    ),
  );
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, 1, ?, 0)",
      ).run(m.version, m.description, Buffer.from(m.checksum, "hex"));
    })();
  }
}

/**
 * Opens (creating it when missing) the database `fileName` of a CODEX_HOME: WAL journal, then `init` (its schema or
 * migrations); a busy file is waited for up to 5 s (another process writing it). `what` names the feature in the
 * error when SQLite is unavailable.
 */
export function openHomeDatabase(
  codexHome: string,
  fileName: string,
  what: string,
  init: (db: Database) => void,
): Database {
  const Driver = loadDriver();
  if (!Driver) throw new Error(`${what} need SQLite (better-sqlite3 is unavailable)`);
  if (!existsSync(codexHome)) throw new Error(`CODEX_HOME ${codexHome} does not exist`);
  const db = new Driver(join(codexHome, fileName), { ...bindingOptionsForDriver(), timeout: 5000 });
  try {
    db.pragma("journal_mode = WAL");
    init(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** `openHomeDatabase` for a database 0.166.0 keeps too: its sqlx migrations applied as its migrator records them. */
export function openSqlxDatabase(
  codexHome: string,
  fileName: string,
  migrations: readonly SqlxMigration[],
  what: string,
): Database {
  return openHomeDatabase(codexHome, fileName, what, (db) => applySqlxMigrations(db, migrations));
}

/**
 * A CODEX_HOME database of this server's own, opened (and created) on first use and kept open. `existing()` opens it
 * only when its file exists: a read that finds no file has its answer (nothing stored yet) without creating it.
 */
export class HomeDatabase {
  private db: Database | null = null;

  constructor(
    private readonly codexHome: string,
    private readonly fileName: string,
    private readonly what: string,
    private readonly init: (db: Database) => void,
  ) {}

  get(): Database {
    this.db ??= openHomeDatabase(this.codexHome, this.fileName, this.what, this.init);
    return this.db;
  }

  /** The database when its file exists (opened if need be); null without one, which is then not created. */
  existing(): Database | null {
    if (this.db) return this.db;
    return existsSync(join(this.codexHome, this.fileName)) ? this.get() : null;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }
}
