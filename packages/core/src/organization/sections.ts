import { uuidV7 } from "../conversation/ids.js";
import type { Database } from "../rollout/index-db.js";
import { OrganizationError } from "./projects.js";
import type { OrganizationDb } from "./store.js";

export interface SectionAppearance {
  icon: string | null;
  color: string | null;
}

export interface SectionRow {
  id: string;
  name: string;
  appearance: SectionAppearance | null;
}

/** Where a thread is: its project and its section (with its place there and when it entered, ms). */
export interface ThreadPlacement {
  projectId: string | null;
  section: SectionRow | null;
  sectionPosition: number | null;
  sectionEnteredAtMs: number | null;
}

interface Row {
  id: string;
  name: string;
  appearance: string | null;
}

function appearanceOf(text: string | null): SectionAppearance | null {
  if (text === null) return null;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const field = (v: unknown) => (typeof v === "string" ? v : null);
    return { icon: field(raw.icon), color: field(raw.color) };
  } catch {
    return null;
  }
}

const fromRow = (r: Row): SectionRow => ({ id: r.id, name: r.name, appearance: appearanceOf(r.appearance) });

/**
 * Thread sections (0.166.0's `threadSection/*` and `thread/section/move`): listed in id order (ids are UUIDv7, so
 * creation order, the built-in Pinned first), a thread in at most one, ordered in it by position.
 */
export class SectionStore {
  constructor(private readonly db: OrganizationDb) {}

  /** A page in id order after `cursor` (the last id of the previous page), and the next page's cursor. */
  list(cursor: string | null, limit: number): { sections: SectionRow[]; nextCursor: string | null } {
    const rows = this.db
      .get()
      .prepare("SELECT * FROM thread_sections WHERE ? IS NULL OR id > ? ORDER BY id ASC LIMIT ?")
      .all(cursor, cursor, limit + 1) as Row[];
    const sections = rows.slice(0, limit).map(fromRow);
    const last = sections[sections.length - 1];
    return { sections, nextCursor: rows.length > limit && last ? last.id : null };
  }

  create(name: string, appearance: SectionAppearance | null): SectionRow {
    const section = { id: uuidV7(), name, appearance };
    this.db
      .get()
      .prepare("INSERT INTO thread_sections (id, name, appearance) VALUES (?, ?, ?)")
      .run(section.id, name, appearance ? JSON.stringify(appearance) : null);
    return section;
  }

  /** Renames a section; `appearance` undefined keeps it, null clears it. Null when there is no such section. */
  update(id: string, name: string, appearance: SectionAppearance | null | undefined): SectionRow | null {
    return this.db.write((db) => {
      const row = db.prepare("SELECT * FROM thread_sections WHERE id = ?").get(id) as Row | undefined;
      if (!row) return null;
      const next: SectionRow = {
        id,
        name,
        appearance: appearance === undefined ? appearanceOf(row.appearance) : appearance,
      };
      db.prepare("UPDATE thread_sections SET name = ?, appearance = ? WHERE id = ?").run(
        name,
        next.appearance ? JSON.stringify(next.appearance) : null,
        id,
      );
      return next;
    });
  }

  /** Deletes a section, its threads left in none; whether it existed. */
  delete(id: string): boolean {
    return this.db.write((db) => {
      db.prepare(
        `UPDATE thread_organization SET section_id = NULL, section_position = NULL, section_entered_at_ms = NULL
         WHERE section_id = ?`,
      ).run(id);
      return db.prepare("DELETE FROM thread_sections WHERE id = ?").run(id).changes > 0;
    });
  }

  /**
   * Moves a thread into a section (before `beforeThreadId`, or last), within it, or out of any (`sectionId`
   * null). Entering a section stamps the time; reordering within one keeps it.
   */
  move(threadId: string, sectionId: string | null, beforeThreadId: string | null): void {
    this.db.write((db) => {
      if (sectionId === null) {
        db.prepare(
          `UPDATE thread_organization SET section_id = NULL, section_position = NULL, section_entered_at_ms = NULL
           WHERE thread_id = ?`,
        ).run(threadId);
        return;
      }
      if (!db.prepare("SELECT 1 FROM thread_sections WHERE id = ?").get(sectionId))
        throw new OrganizationError(`section ${sectionId} does not exist`);
      if (beforeThreadId === threadId)
        throw new OrganizationError(`thread ${threadId} cannot be moved before itself`);
      const current = db
        .prepare("SELECT section_id FROM thread_organization WHERE thread_id = ?")
        .get(threadId) as { section_id: string | null } | undefined;
      if (beforeThreadId !== null) {
        const before = db
          .prepare("SELECT section_id FROM thread_organization WHERE thread_id = ?")
          .get(beforeThreadId) as { section_id: string | null } | undefined;
        if (before?.section_id !== sectionId)
          throw new OrganizationError(`before thread ${beforeThreadId} is not in section ${sectionId}`);
      }
      const position = movePosition(db, sectionId, threadId, beforeThreadId);
      const entered = current?.section_id === sectionId ? null : Date.now();
      db.prepare(
        `INSERT INTO thread_organization (thread_id, section_id, section_position, section_entered_at_ms)
         VALUES (?, ?, ?, ?)
         ON CONFLICT(thread_id) DO UPDATE SET section_id = excluded.section_id,
           section_position = excluded.section_position,
           section_entered_at_ms = COALESCE(?, section_entered_at_ms)`,
      ).run(threadId, sectionId, position, entered, entered);
    });
  }

  /**
   * A section's threads in position order from after `anchor` (exclusive), each with its position; `direction`
   * desc reverses the order.
   */
  ordered(
    sectionId: string,
    direction: "asc" | "desc",
    anchor: { position: number; id: string } | null,
  ): { id: string; position: number }[] {
    const dir = direction === "asc" ? "ASC" : "DESC";
    const op = direction === "asc" ? ">" : "<";
    const rows = this.db
      .get()
      .prepare(
        `SELECT thread_id AS id, section_position AS position FROM thread_organization
         WHERE section_id = ? AND section_position IS NOT NULL
           AND (? IS NULL OR (section_position, thread_id) ${op} (?, ?))
         ORDER BY section_position ${dir}, thread_id ${dir}`,
      )
      .all(sectionId, anchor?.position ?? null, anchor?.position ?? null, anchor?.id ?? null) as {
      id: string;
      position: number;
    }[];
    return rows;
  }

  /** Forgets a deleted thread's project and section. */
  forget(threadId: string): void {
    this.db.existing()?.prepare("DELETE FROM thread_organization WHERE thread_id = ?").run(threadId);
  }

  /** Where these threads are (a thread in no project and no section is absent). */
  placementsOf(threadIds: readonly string[]): Map<string, ThreadPlacement> {
    const out = new Map<string, ThreadPlacement>();
    if (threadIds.length === 0) return out;
    const db = this.db.existing();
    if (!db) return out;
    // Bounded batches: SQLite caps a statement's parameters.
    for (let i = 0; i < threadIds.length; i += 500) {
      const batch = threadIds.slice(i, i + 500);
      const rows = db
        .prepare(
          `SELECT o.thread_id, o.project_id, o.section_id, o.section_position, o.section_entered_at_ms,
             s.name AS section_name, s.appearance AS section_appearance
           FROM thread_organization o LEFT JOIN thread_sections s ON s.id = o.section_id
           WHERE o.thread_id IN (${batch.map(() => "?").join(",")})`,
        )
        .all(...batch) as PlacementRow[];
      for (const r of rows) {
        const section =
          r.section_id && r.section_name !== null
            ? fromRow({ id: r.section_id, name: r.section_name, appearance: r.section_appearance })
            : null;
        if (!r.project_id && !section) continue;
        out.set(r.thread_id, {
          projectId: r.project_id,
          section,
          sectionPosition: section ? r.section_position : null,
          sectionEnteredAtMs: section ? r.section_entered_at_ms : null,
        });
      }
    }
    return out;
  }

  /** The threads in this project or this section, by thread id. */
  memberIds(kind: "project" | "section", id: string): string[] {
    const column = kind === "project" ? "project_id" : "section_id";
    return (
      this.db
        .get()
        .prepare(`SELECT thread_id FROM thread_organization WHERE ${column} = ? ORDER BY thread_id`)
        .all(id) as { thread_id: string }[]
    ).map((r) => r.thread_id);
  }

  /** The threads in any project (`kind` project) or any section. */
  assignedIds(kind: "project" | "section"): string[] {
    const column = kind === "project" ? "project_id" : "section_id";
    return (
      this.db
        .get()
        .prepare(`SELECT thread_id FROM thread_organization WHERE ${column} IS NOT NULL ORDER BY thread_id`)
        .all() as { thread_id: string }[]
    ).map((r) => r.thread_id);
  }
}

interface PlacementRow {
  thread_id: string;
  project_id: string | null;
  section_id: string | null;
  section_position: number | null;
  section_entered_at_ms: number | null;
  section_name: string | null;
  section_appearance: string | null;
}

/** The distance between neighbours in a section (0.166.0's): a move usually writes one row, its midpoint. */
const POSITION_GAP = 1_000_000;

/**
 * Where a moved thread goes, as 0.166.0 places it: last (the section's highest position plus the gap), or midway
 * between the thread it goes before and the one before that (half its position when it is first). With no room
 * left the section is renumbered (gap apart, in order) once, and the place computed again.
 */
function movePosition(
  db: Database,
  sectionId: string,
  threadId: string,
  beforeThreadId: string | null,
): number {
  for (let renumbered = false; ; renumbered = true) {
    let position: number | null;
    if (beforeThreadId !== null) {
      const upper = (
        db
          .prepare(
            "SELECT section_position AS p FROM thread_organization WHERE thread_id = ? AND section_id = ?",
          )
          .get(beforeThreadId, sectionId) as { p: number | null } | undefined
      )?.p;
      if (upper == null)
        throw new OrganizationError(`before thread ${beforeThreadId} is not in section ${sectionId}`);
      const lower = (
        db
          .prepare(
            `SELECT MAX(section_position) AS p FROM thread_organization
             WHERE section_id = ? AND section_position < ? AND thread_id <> ?`,
          )
          .get(sectionId, upper, threadId) as { p: number | null }
      ).p;
      position =
        lower !== null
          ? upper - lower > 1
            ? lower + Math.floor((upper - lower) / 2)
            : null
          : upper > 1
            ? Math.floor(upper / 2)
            : null;
    } else {
      const max = (
        db
          .prepare(
            "SELECT MAX(section_position) AS p FROM thread_organization WHERE section_id = ? AND thread_id <> ?",
          )
          .get(sectionId, threadId) as { p: number | null }
      ).p;
      position = (max ?? 0) + POSITION_GAP;
    }
    if (position !== null) return position;
    if (renumbered) throw new OrganizationError(`section ${sectionId} has no remaining thread positions`);
    const others = (
      db
        .prepare(
          `SELECT thread_id FROM thread_organization WHERE section_id = ? AND thread_id <> ?
           ORDER BY section_position ASC, thread_id ASC`,
        )
        .all(sectionId, threadId) as { thread_id: string }[]
    ).map((r) => r.thread_id);
    const set = db.prepare("UPDATE thread_organization SET section_position = ? WHERE thread_id = ?");
    for (const [i, id] of others.entries()) set.run((i + 1) * POSITION_GAP, id);
  }
}
