import { uuidV7 } from "../conversation/ids.js";
import type { Database } from "../rollout/index-db.js";
import type { OrganizationDb } from "./store.js";

/** A request the organisation store refuses (unknown ids, a conflicting key): its message is 0.166.0's. */
export class OrganizationError extends Error {
  override readonly name = "OrganizationError";
}

/** A project as stored (times in Unix milliseconds; roots absolute and normalised by the caller). */
export interface ProjectRow {
  id: string;
  name: string;
  roots: string[];
  metadata: Record<string, string>;
  position: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export type ProjectSortKey = "position" | "recencyAt";
export type ProjectSortDirection = "asc" | "desc";

export interface ProjectListQuery {
  cursor: string | null;
  limit: number;
  sortKey: ProjectSortKey;
  direction: ProjectSortDirection;
  /** A project's recency (its newest live thread's, ms), or undefined when it has none. */
  recencyOf: (projectId: string) => number | undefined;
}

const INVALID_CURSOR = "invalid project cursor: malformed or mismatched sort anchor";
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Row {
  id: string;
  name: string;
  metadata: string;
  position: number;
  created_at_ms: number;
  updated_at_ms: number;
}

function metadataOf(text: string): Record<string, string> {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
    return Object.fromEntries(
      Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  } catch {
    return {};
  }
}

/** Keys sorted, as 0.166.0 keeps its metadata (a BTreeMap). */
const sortedMetadata = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The projects of a CODEX_HOME (0.166.0's `project/*` semantics): created once per idempotency key (the key
 * outlives its project: reusing a deleted project's key is refused), appended after the last position, moved
 * before another project or to the end, threads assigned to at most one project each.
 */
export class ProjectStore {
  constructor(private readonly db: OrganizationDb) {}

  read(id: string): ProjectRow | null {
    return this.readIn(this.db.get(), id);
  }

  /** Every project in position order (the callers page and sort them: a CODEX_HOME has few). */
  all(): ProjectRow[] {
    const db = this.db.get();
    const rows = db.prepare("SELECT * FROM projects ORDER BY position ASC, id ASC").all() as Row[];
    const roots = new Map<string, string[]>();
    for (const r of db
      .prepare("SELECT project_id, path FROM project_roots ORDER BY project_id, position")
      .all() as { project_id: string; path: string }[]) {
      const list = roots.get(r.project_id) ?? [];
      list.push(r.path);
      roots.set(r.project_id, list);
    }
    return rows.map((r) => fromRow(r, roots.get(r.id) ?? []));
  }

  /** A page of projects in the query's order, and the cursor of the next one (0.166.0's cursor formats). */
  list(q: ProjectListQuery): { projects: ProjectRow[]; nextCursor: string | null } {
    const anchor = q.cursor ? parseCursor(q.cursor, q.sortKey, q.direction) : null;
    const sign = q.direction === "asc" ? 1 : -1;
    const keyOf = (p: ProjectRow) => (q.sortKey === "position" ? p.position : (q.recencyOf(p.id) ?? null));
    // Recency order puts projects without any thread last, whichever the direction.
    const compare = (a: { key: number | null; id: string }, b: { key: number | null; id: string }) => {
      if (a.key === null || b.key === null) {
        if (a.key !== b.key) return a.key === null ? 1 : -1;
      } else if (a.key !== b.key) return sign * (a.key - b.key);
      return sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    };
    const keyed = this.all()
      .map((p) => ({ p, key: keyOf(p), id: p.id }))
      .sort(compare)
      .filter((k) => !anchor || compare(k, anchor) > 0);
    const page = keyed.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor =
      keyed.length > q.limit && last ? cursorOf(last.p, last.key, q.sortKey, q.direction) : null;
    return { projects: page.map((k) => k.p), nextCursor };
  }

  /**
   * The project of `idempotencyKey` (created: false), or a new one holding `threadIds` (created: true; each must
   * be a thread `threadExists` knows).
   */
  create(o: {
    name: string;
    roots: string[];
    metadata: Record<string, string>;
    threadIds: readonly string[];
    idempotencyKey: string;
    threadExists: (id: string) => boolean;
  }): { project: ProjectRow; created: boolean } {
    return this.db.write((db) => {
      const existing = db
        .prepare("SELECT project_id FROM project_idempotency_keys WHERE key = ?")
        .get(o.idempotencyKey) as { project_id: string } | undefined;
      if (existing) {
        const project = this.readIn(db, existing.project_id);
        if (!project)
          throw new OrganizationError(`idempotency key refers to deleted project: ${o.idempotencyKey}`);
        return { project, created: false };
      }
      for (const id of o.threadIds)
        if (!o.threadExists(id)) throw new OrganizationError(`thread not found: ${id}`);
      const id = uuidV7();
      const now = Date.now();
      const max = db.prepare("SELECT MAX(position) AS p FROM projects").get() as { p: number | null };
      const position = (max.p ?? -1) + 1;
      const metadata = sortedMetadata(o.metadata);
      db.prepare(
        "INSERT INTO projects (id, name, metadata, position, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(id, o.name, JSON.stringify(metadata), position, now, now);
      replaceRoots(db, id, o.roots);
      for (const threadId of o.threadIds) setThreadProjectIn(db, threadId, id);
      db.prepare(
        "INSERT INTO project_idempotency_keys (key, project_id, created_at_ms) VALUES (?, ?, ?)",
      ).run(o.idempotencyKey, id, now);
      const project: ProjectRow = {
        id,
        name: o.name,
        roots: o.roots,
        metadata,
        position,
        createdAtMs: now,
        updatedAtMs: now,
      };
      return { project, created: true };
    });
  }

  /** Changes what is given; null when there is no such project, `changed: false` when nothing differs. */
  update(
    id: string,
    o: {
      name?: string | undefined;
      roots?: string[] | undefined;
      metadata?: Record<string, string> | undefined;
    },
  ): { project: ProjectRow; changed: boolean } | null {
    return this.db.write((db) => {
      const current = this.readIn(db, id);
      if (!current) return null;
      const next: ProjectRow = {
        ...current,
        name: o.name ?? current.name,
        roots: o.roots ?? current.roots,
        metadata: o.metadata ? sortedMetadata(o.metadata) : current.metadata,
      };
      const changed =
        next.name !== current.name ||
        !sameList(next.roots, current.roots) ||
        JSON.stringify(next.metadata) !== JSON.stringify(current.metadata);
      if (!changed) return { project: current, changed: false };
      next.updatedAtMs = Date.now();
      db.prepare("UPDATE projects SET name = ?, metadata = ?, updated_at_ms = ? WHERE id = ?").run(
        next.name,
        JSON.stringify(next.metadata),
        next.updatedAtMs,
        id,
      );
      if (!sameList(next.roots, current.roots)) replaceRoots(db, id, next.roots);
      return { project: next, changed: true };
    });
  }

  /** Moves a project before another (or to the end): null when it does not exist, false when nothing moved. */
  move(id: string, beforeId: string | null): boolean | null {
    return this.db.write((db) => {
      const ids = (
        db.prepare("SELECT id FROM projects ORDER BY position ASC, id ASC").all() as { id: string }[]
      ).map((r) => r.id);
      const at = ids.indexOf(id);
      if (at < 0) return null;
      if (beforeId === id) throw new OrganizationError(`project ${id} cannot be moved before itself`);
      const next = ids.filter((x) => x !== id);
      const to = beforeId === null ? next.length : next.indexOf(beforeId);
      if (to < 0) throw new OrganizationError(`before project not found: ${beforeId}`);
      next.splice(to, 0, id);
      if (sameList(next, ids)) return false;
      const setPosition = db.prepare("UPDATE projects SET position = ? WHERE id = ?");
      for (const [position, pid] of next.entries()) setPosition.run(position, pid);
      db.prepare("UPDATE projects SET updated_at_ms = ? WHERE id = ?").run(Date.now(), id);
      return true;
    });
  }

  /** Deletes a project, its threads left in none; the threads it held, or null when there is no such project. */
  delete(id: string): string[] | null {
    return this.db.write((db) => {
      if (!db.prepare("SELECT 1 FROM projects WHERE id = ?").get(id)) return null;
      const threads = (
        db
          .prepare("SELECT thread_id FROM thread_organization WHERE project_id = ? ORDER BY thread_id")
          .all(id) as {
          thread_id: string;
        }[]
      ).map((r) => r.thread_id);
      db.prepare("UPDATE thread_organization SET project_id = NULL WHERE project_id = ?").run(id);
      db.prepare("DELETE FROM projects WHERE id = ?").run(id);
      return threads;
    });
  }

  /**
   * Puts a thread in a project (null: in none). Its project before, or undefined when the project does not exist
   * (an `OrganizationError` names it).
   */
  setThreadProject(threadId: string, projectId: string | null): string | null {
    return this.db.write((db) => {
      if (projectId !== null && !db.prepare("SELECT 1 FROM projects WHERE id = ?").get(projectId))
        throw new OrganizationError(`project not found: ${projectId}`);
      const before = db
        .prepare("SELECT project_id FROM thread_organization WHERE thread_id = ?")
        .get(threadId) as { project_id: string | null } | undefined;
      setThreadProjectIn(db, threadId, projectId);
      return before?.project_id ?? null;
    });
  }

  private readIn(db: Database, id: string): ProjectRow | null {
    const row = db.prepare("SELECT * FROM projects WHERE id = ?").get(id) as Row | undefined;
    if (!row) return null;
    const roots = (
      db.prepare("SELECT path FROM project_roots WHERE project_id = ? ORDER BY position").all(id) as {
        path: string;
      }[]
    ).map((r) => r.path);
    return fromRow(row, roots);
  }
}

function fromRow(r: Row, roots: string[]): ProjectRow {
  return {
    id: r.id,
    name: r.name,
    roots,
    metadata: metadataOf(r.metadata),
    position: r.position,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  };
}

function replaceRoots(db: Database, projectId: string, roots: readonly string[]): void {
  db.prepare("DELETE FROM project_roots WHERE project_id = ?").run(projectId);
  const insert = db.prepare("INSERT INTO project_roots (project_id, position, path) VALUES (?, ?, ?)");
  for (const [position, path] of roots.entries()) insert.run(projectId, position, path);
}

function setThreadProjectIn(db: Database, threadId: string, projectId: string | null): void {
  db.prepare(
    `INSERT INTO thread_organization (thread_id, project_id) VALUES (?, ?)
     ON CONFLICT(thread_id) DO UPDATE SET project_id = excluded.project_id`,
  ).run(threadId, projectId);
}

/** 0.166.0's cursors: `<position>|<id>` for the default order, `v1|<key>|<direction>|<value>|<id>` for others. */
function cursorOf(
  p: ProjectRow,
  key: number | null,
  sortKey: ProjectSortKey,
  direction: ProjectSortDirection,
): string {
  if (sortKey === "position" && direction === "asc") return `${p.position}|${p.id}`;
  return `v1|${sortKey}|${direction}|${key === null ? "null" : key}|${p.id}`;
}

function parseCursor(
  cursor: string,
  sortKey: ProjectSortKey,
  direction: ProjectSortDirection,
): { key: number | null; id: string } {
  const invalid = () => new OrganizationError(INVALID_CURSOR);
  if (cursor.length > 128) throw invalid();
  const parts = cursor.split("|");
  let value: string;
  let id: string;
  if (parts.length === 2 && sortKey === "position" && direction === "asc")
    [value, id] = parts as [string, string];
  else if (parts.length === 5 && parts[0] === "v1" && parts[1] === sortKey && parts[2] === direction)
    [value, id] = [parts[3] as string, parts[4] as string];
  else throw invalid();
  if (!CANONICAL_UUID.test(id)) throw invalid();
  if (value === "null" && sortKey === "recencyAt") return { key: null, id };
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || String(n) !== value) throw invalid();
  if (sortKey === "position" && n < 0) throw invalid();
  return { key: n, id };
}
