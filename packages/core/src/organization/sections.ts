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
      .open()
      .prepare("SELECT * FROM thread_sections WHERE ? IS NULL OR id > ? ORDER BY id ASC LIMIT ?")
      .all(cursor, cursor, limit + 1) as Row[];
    const sections = rows.slice(0, limit).map(fromRow);
    const last = sections[sections.length - 1];
    return { sections, nextCursor: rows.length > limit && last ? last.id : null };
  }

  create(name: string, appearance: SectionAppearance | null): SectionRow {
    const section = { id: uuidV7(), name, appearance };
    this.db
      .open()
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
      const members = (
        db
          .prepare(
            "SELECT thread_id FROM thread_organization WHERE section_id = ? ORDER BY section_position, thread_id",
          )
          .all(sectionId) as { thread_id: string }[]
      ).map((r) => r.thread_id);
      const others = members.filter((id) => id !== threadId);
      const at = beforeThreadId === null ? others.length : others.indexOf(beforeThreadId);
      if (at < 0)
        throw new OrganizationError(`before thread ${beforeThreadId} is not in section ${sectionId}`);
      others.splice(at, 0, threadId);
      const entered = members.includes(threadId) ? null : Date.now();
      db.prepare(
        `INSERT INTO thread_organization (thread_id, section_id, section_entered_at_ms) VALUES (?, ?, ?)
         ON CONFLICT(thread_id) DO UPDATE SET section_id = excluded.section_id,
           section_entered_at_ms = COALESCE(?, section_entered_at_ms)`,
      ).run(threadId, sectionId, entered, entered);
      renumber(db, others);
    });
  }

  /** Where these threads are (a thread in no project and no section is absent). */
  placementsOf(threadIds: readonly string[]): Map<string, ThreadPlacement> {
    const out = new Map<string, ThreadPlacement>();
    if (threadIds.length === 0) return out;
    const db = this.db.open();
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
        .open()
        .prepare(`SELECT thread_id FROM thread_organization WHERE ${column} = ? ORDER BY thread_id`)
        .all(id) as { thread_id: string }[]
    ).map((r) => r.thread_id);
  }

  /** The threads in any project (`kind` project) or any section. */
  assignedIds(kind: "project" | "section"): string[] {
    const column = kind === "project" ? "project_id" : "section_id";
    return (
      this.db
        .open()
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

function renumber(db: Database, ordered: readonly string[]): void {
  const set = db.prepare("UPDATE thread_organization SET section_position = ? WHERE thread_id = ?");
  for (const [position, id] of ordered.entries()) set.run(position, id);
}
