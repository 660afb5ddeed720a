import { realpath } from "node:fs/promises";
import { invalidParams, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import { organizationError, type ThreadOrganization } from "../../threads/organization.js";
import { experimentalCheck } from "../experimental-api.js";
import { clientPath } from "../fs-0166/paths.js";

type ProjectMethod =
  | "project/list"
  | "project/read"
  | "project/create"
  | "project/import"
  | "project/update"
  | "project/move"
  | "project/delete";

/** 0.166.0's page size when none is asked, and its largest. */
export const DEFAULT_PAGE = 25;
export const MAX_PAGE = 100;
/** 0.166.0's longest idempotency key, in bytes. */
const MAX_KEY_BYTES = 512;
/**
 * Bounds of this server's own (0.166.0 has none): a project's roots, a root's length in bytes, the threads one
 * import names. Each root is resolved on disk (to refuse two spellings of one folder), so they stay few and short.
 */
const MAX_ROOTS = 256;
const MAX_ROOT_BYTES = 4096;
const MAX_IMPORTED_THREADS = 10_000;

export const pageSize = (limit: number | null | undefined) =>
  Math.min(MAX_PAGE, Math.max(1, limit ?? DEFAULT_PAGE));

/** A name as 0.166.0 keeps it: trimmed, never empty. */
function projectName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw invalidParams("project name must not be empty");
  return trimmed;
}

/** Roots as absolute, normalised paths, each folder once (by spelling, then as resolved on disk). */
async function projectRoots(roots: readonly { path: string }[]): Promise<string[]> {
  if (roots.length > MAX_ROOTS) throw invalidParams(`a project has at most ${MAX_ROOTS} roots`);
  const seen = new Set<string>();
  const resolved = new Set<string>();
  const out: string[] = [];
  for (const root of roots) {
    if (Buffer.byteLength(root.path) > MAX_ROOT_BYTES)
      throw invalidParams(`invalid project root: longer than ${MAX_ROOT_BYTES} bytes`);
    const path = clientPath(root.path);
    if (seen.has(path)) throw invalidParams(`duplicate project root: ${path}`);
    seen.add(path);
    // A root need not exist (0.166.0 keeps it as named); one that does is compared as the folder it is.
    const real = await realpath(path).catch(() => null);
    if (real !== null) {
      if (resolved.has(real)) throw invalidParams(`duplicate resolved project root: ${path}`);
      resolved.add(real);
    }
    out.push(path);
  }
  return out;
}

/** Relative roots are refused before anything else, as 0.166.0's deserializer refuses them. */
function checkAbsolute(roots: readonly { path: string }[] | null | undefined): void {
  for (const root of roots ?? []) clientPath(root.path);
}

function idempotencyKey(key: string): string {
  if (!key.trim()) throw invalidParams("idempotencyKey must not be empty");
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw invalidParams(`idempotencyKey must be at most ${MAX_KEY_BYTES} bytes`);
  return key;
}

function threadIds(ids: readonly string[]): string[] {
  if (ids.length > MAX_IMPORTED_THREADS)
    throw invalidParams(`a project import names at most ${MAX_IMPORTED_THREADS} threads`);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw invalidParams(`duplicate thread id: ${id}`);
    seen.add(id);
  }
  return [...ids];
}

/**
 * `project/*`: the projects of this CODEX_HOME (core's `ProjectStore`), with 0.166.0's validation, refusals (all
 * -32602 but a relative root's, which its deserializer refuses with -32600) and notifications, each sent before the
 * answer as 0.166.0 sends them: `project/changed` when a project is created, changed, moved or deleted, and
 * `thread/project/updated` for each thread an import puts in it or a deletion takes out.
 */
export function createProjectHandlers0166(
  org: ThreadOrganization,
  experimentalApi: () => boolean,
): Handlers<Protocol0166, ProjectMethod> {
  const { projects } = org;
  /** The project methods are experimental in 0.166.0: refused without the capability (after a relative root). */
  const allowed = experimentalCheck(experimentalApi);

  const create = async (
    p: {
      name: string;
      roots: { path: string }[];
      metadata?: Record<string, string> | null | undefined;
      idempotencyKey: string;
    },
    importing: readonly string[],
    method: ProjectMethod,
  ) => {
    checkAbsolute(p.roots);
    allowed(method);
    const key = idempotencyKey(p.idempotencyKey);
    const ids = threadIds(importing);
    const name = projectName(p.name);
    const roots = await projectRoots(p.roots);
    const existing = new Set<string>();
    for (const id of ids) if (await org.threadExists(id)) existing.add(id);
    try {
      const made = projects.create({
        name,
        roots,
        metadata: p.metadata ?? {},
        threadIds: ids,
        idempotencyKey: key,
        threadExists: (id) => existing.has(id),
      });
      return { ...made, threadIds: ids };
    } catch (err) {
      return organizationError(err);
    }
  };

  const found = (id: string) => {
    const project = projects.read(id);
    if (!project) throw invalidParams(`project not found: ${id}`);
    return project;
  };

  return {
    async "project/list"(p) {
      allowed("project/list");
      if (p.sortKey == null && p.sortDirection != null) throw invalidParams("sortDirection requires sortKey");
      const sortKey = p.sortKey ?? "position";
      const direction = p.sortDirection ?? (sortKey === "position" ? "asc" : "desc");
      const recency = await org.recency(projects.all().map((x) => x.id));
      let page: ReturnType<typeof projects.list>;
      try {
        page = projects.list({
          cursor: p.cursor ?? null,
          limit: pageSize(p.limit),
          sortKey,
          direction,
          recencyOf: (id) => recency.get(id),
        });
      } catch (err) {
        return organizationError(err);
      }
      return {
        data: await Promise.all(page.projects.map((x) => org.wire(x, recency))),
        nextCursor: page.nextCursor,
      };
    },

    async "project/read"(p) {
      allowed("project/read");
      return { project: await org.wire(found(p.projectId)) };
    },

    async "project/create"(p, ctx) {
      const made = await create(p, [], "project/create");
      if (made.created)
        await ctx.peer.notify("project/changed", { projectId: made.project.id, changeType: "created" });
      return { project: await org.wire(made.project) };
    },

    async "project/import"(p, ctx) {
      const made = await create(p, p.threads ?? [], "project/import");
      if (made.created) {
        const projectId = made.project.id;
        await ctx.peer.notify("project/changed", { projectId, changeType: "created" });
        for (const threadId of made.threadIds)
          await ctx.peer.notify("thread/project/updated", { threadId, projectId });
      }
      return { project: await org.wire(made.project) };
    },

    async "project/update"(p, ctx) {
      checkAbsolute(p.roots);
      allowed("project/update");
      const name = p.name == null ? undefined : projectName(p.name);
      const roots = p.roots == null ? undefined : await projectRoots(p.roots);
      const updated = projects.update(p.projectId, { name, roots, metadata: p.metadata ?? undefined });
      if (!updated) throw invalidParams(`project not found: ${p.projectId}`);
      if (updated.changed)
        await ctx.peer.notify("project/changed", { projectId: p.projectId, changeType: "updated" });
      return { project: await org.wire(updated.project) };
    },

    async "project/move"(p, ctx) {
      allowed("project/move");
      let moved: boolean | null;
      try {
        moved = projects.move(p.projectId, p.beforeProjectId ?? null);
      } catch (err) {
        return organizationError(err);
      }
      if (moved === null) throw invalidParams(`project not found: ${p.projectId}`);
      if (moved) await ctx.peer.notify("project/changed", { projectId: p.projectId, changeType: "updated" });
      return {};
    },

    async "project/delete"(p, ctx) {
      allowed("project/delete");
      const members = projects.delete(p.projectId);
      if (members === null) throw invalidParams(`project not found: ${p.projectId}`);
      await ctx.peer.notify("project/changed", { projectId: p.projectId, changeType: "deleted" });
      // Only the live threads are announced (0.166.0 leaves archived ones out).
      for (const threadId of members)
        if (await org.threadIsLive(threadId))
          await ctx.peer.notify("thread/project/updated", { threadId, projectId: null });
      return {};
    },
  };
}
