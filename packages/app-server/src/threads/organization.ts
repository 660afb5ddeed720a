import { type gen0166, invalidParams } from "@codex-ts/app-server-protocol";
import {
  ALL_SOURCE_KINDS,
  OrganizationDb,
  OrganizationError,
  type ProjectRow,
  ProjectStore,
  SectionStore,
  type SessionsStore,
  type ThreadPlacement,
} from "@codex-ts/core";
import type { ThreadRegistry } from "./registry.js";

/** A thread id as threads are stored (anything else names no thread). */
const THREAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The projects and thread sections of a CODEX_HOME (core's organisation store) as the 0.166 handlers use them:
 * whether a thread exists, a project's recency (its newest live thread's), and where threads are, overlaid on the
 * `Thread` objects `thread/read`, `thread/list`, `thread/resume` and `thread/metadata/update` answer.
 */
export class ThreadOrganization {
  readonly projects: ProjectStore;
  readonly sections: SectionStore;
  private readonly db: OrganizationDb;

  constructor(
    codexHome: string,
    private readonly registry: ThreadRegistry,
    private readonly sessions: { store: SessionsStore; defaultProvider: string } | undefined,
  ) {
    this.db = new OrganizationDb(codexHome);
    const db = this.db;
    this.projects = new ProjectStore(db);
    this.sections = new SectionStore(db);
  }

  /** Whether a thread is loaded or has a live (not archived) rollout. */
  async threadIsLive(id: string): Promise<boolean> {
    if (!THREAD_ID.test(id)) return false;
    if (this.registry.get(id)) return true;
    return ((await this.sessions?.store.findPathById(id).catch(() => null)) ?? null) !== null;
  }

  /** Whether a thread is loaded or has a rollout, live or archived. */
  async threadExists(id: string): Promise<boolean> {
    if (await this.threadIsLive(id)) return true;
    if (!THREAD_ID.test(id)) return false;
    return ((await this.sessions?.store.findArchivedPathById(id).catch(() => null)) ?? null) !== null;
  }

  /**
   * The newest activity (ms) among each project's live threads, by project id (absent: none): one indexed query
   * over every thread of these projects, newest first.
   */
  async recency(projectIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const store = this.sessions?.store;
    if (!store) return out;
    const projectOf = new Map<string, string>();
    for (const id of projectIds)
      for (const thread of this.sections.memberIds("project", id)) projectOf.set(thread, id);
    if (projectOf.size === 0) return out;
    const page = await store
      .listThreads({
        includedThreadIds: [...projectOf.keys()],
        includeEmpty: true,
        sortKey: "updated_at",
        sortDirection: "desc",
        limit: projectOf.size,
        sourceKinds: ALL_SOURCE_KINDS,
        defaultProvider: this.sessions.defaultProvider,
      })
      .catch(() => null);
    for (const t of page?.items ?? []) {
      const project = projectOf.get(t.conversationId);
      if (project !== undefined && !out.has(project)) out.set(project, t.updatedAtMs);
    }
    return out;
  }

  /** Closes the store's database (the connection is gone). */
  close(): void {
    this.db.close();
  }

  /** A project as the protocol shows it (times in seconds). */
  async wire(project: ProjectRow, recency?: Map<string, number>): Promise<gen0166.Project> {
    const ms = (recency ?? (await this.recency([project.id]))).get(project.id);
    return {
      id: project.id,
      name: project.name,
      roots: project.roots.map((path) => ({ path })),
      metadata: project.metadata,
      position: project.position,
      createdAt: Math.floor(project.createdAtMs / 1000),
      updatedAt: Math.floor(project.updatedAtMs / 1000),
      recencyAt: ms === undefined ? null : Math.floor(ms / 1000),
    };
  }

  /** `threads` with where each one is (project, section, when it entered it). */
  place<T extends gen0166.Thread>(threads: T[]): T[] {
    if (threads.length === 0) return threads;
    const placements = this.sections.placementsOf(threads.map((t) => t.id));
    return threads.map((t) => placed(t, placements.get(t.id)));
  }

  /**
   * What `thread/list`'s `projectId` and `sectionId` select, as id lists for the sessions index: `included` (only
   * these; null: any) and `excluded` (never these). A project id must name a project (0.166.0's refusal). A
   * section lists its threads even before their first message (`includeEmpty`), as 0.166.0 lists a thread pinned
   * at once; a project does not.
   */
  listSelection(p: {
    projectId?: string | null | undefined;
    sectionId?: string | null | undefined;
  }): ListSelection {
    let included: string[] | null = null;
    const excluded: string[] = [];
    const only = (ids: string[]) => {
      const keep = new Set(ids);
      included = included === null ? ids : included.filter((id) => keep.has(id));
    };
    if (typeof p.projectId === "string") {
      if (!this.projects.read(p.projectId)) throw invalidParams(`project not found: ${p.projectId}`);
      only(this.sections.memberIds("project", p.projectId));
    } else if (p.projectId === null) excluded.push(...this.sections.assignedIds("project"));
    if (typeof p.sectionId === "string") only(this.sections.memberIds("section", p.sectionId));
    else if (p.sectionId === null) excluded.push(...this.sections.assignedIds("section"));
    return { included, excluded, includeEmpty: typeof p.sectionId === "string" };
  }
}

/** The threads `thread/list`'s `projectId` and `sectionId` select (see `ThreadOrganization.listSelection`). */
export interface ListSelection {
  included: string[] | null;
  excluded: string[];
  includeEmpty: boolean;
}

/** A thread with its placement (none: in no project and no section). */
export function placed<T extends gen0166.Thread>(thread: T, placement: ThreadPlacement | undefined): T {
  return {
    ...thread,
    section: placement?.section ?? null,
    sectionEnteredAt:
      placement?.sectionEnteredAtMs != null ? Math.floor(placement.sectionEnteredAtMs / 1000) : null,
    projectId: placement?.projectId ?? null,
  };
}

/** The store's refusals as 0.166.0 answers them (-32602 with its message); anything else is rethrown. */
export function organizationError(err: unknown): never {
  if (err instanceof OrganizationError) throw invalidParams(err.message);
  throw err;
}
