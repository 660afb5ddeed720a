import type { Database } from "../rollout/index-db.js";
import { HomeDatabase } from "../sqlx/database.js";

/**
 * How threads are organised in a CODEX_HOME: projects (named groups of roots, in a user-chosen order), thread
 * sections (sidebar groups, the built-in Pinned one included) and which project and section each thread is in.
 * codex 0.166.0 keeps these in its `state_5.sqlite`, as columns of its own `threads` table, a database its
 * migrator (50+ sqlx migrations) owns; this server keeps them in a file of its own with the same tables, so a
 * CODEX_HOME shared with 0.166.0 keeps both programs' organisation apart rather than risk its state database.
 */
export const ORGANIZATION_DB_FILE_NAME = "thread_organization_1.sqlite";

/** The built-in section every CODEX_HOME has (0.166.0's fixed id and name); it can be neither renamed nor deleted. */
export const PINNED_SECTION_ID = "01984de2-8f74-7c91-a3b2-5c5e937cf318";
export const PINNED_SECTION_NAME = "Pinned";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    position INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS project_roots (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (project_id, position)
);
CREATE TABLE IF NOT EXISTS project_idempotency_keys (
    key TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS thread_sections (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    appearance TEXT
);
CREATE TABLE IF NOT EXISTS thread_organization (
    thread_id TEXT PRIMARY KEY,
    project_id TEXT REFERENCES projects(id) ON DELETE SET NULL,
    section_id TEXT REFERENCES thread_sections(id) ON DELETE SET NULL,
    section_position INTEGER,
    section_entered_at_ms INTEGER
);
CREATE INDEX IF NOT EXISTS idx_thread_organization_project ON thread_organization(project_id)
    WHERE project_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_thread_organization_section ON thread_organization(section_id, section_position)
    WHERE section_id IS NOT NULL;
`;

/**
 * The organisation database of a CODEX_HOME, opened on first use. Every change is one transaction (`BEGIN
 * IMMEDIATE` where it reads before writing), so processes sharing the file see each other's writes whole. A
 * listing reads it through `existing()`: without the file it creates nothing (its schema, WAL and the Pinned
 * section cost a listing several synchronous writes).
 */
export class OrganizationDb extends HomeDatabase {
  constructor(codexHome: string) {
    super(codexHome, ORGANIZATION_DB_FILE_NAME, "projects and thread sections", (db) => {
      db.pragma("foreign_keys = ON");
      db.exec(SCHEMA);
      db.prepare("INSERT OR IGNORE INTO thread_sections (id, name, appearance) VALUES (?, ?, NULL)").run(
        PINNED_SECTION_ID,
        PINNED_SECTION_NAME,
      );
    });
  }

  /** Runs `fn` in one write transaction (taken at once, so a read inside it cannot go stale). */
  write<T>(fn: (db: Database) => T): T {
    const db = this.get();
    return db.transaction(() => fn(db)).immediate();
  }
}
