import { invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { SessionsStore } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import type { ThreadOrganization } from "../../threads/organization.js";
import { parseThreadId, type ThreadRegistry } from "../../threads/registry.js";
import { storedThreadObject } from "../../threads/stored-thread.js";
import { type ThreadMetadataStore, withMetadata } from "../../threads/thread-metadata.js";

/** What `thread/metadata/update` serves from. */
export interface MetadataServices0166 {
  registry: ThreadRegistry;
  sessions: { store: SessionsStore; defaultProvider: string };
  metadata: ThreadMetadataStore;
  /** Whether the client asked for the experimental API (`projectId` and `daybreakEnabled` need it). */
  experimentalApi(): boolean;
  /** Projects (a `projectId` puts the thread in one); without, no project exists. */
  organization?: ThreadOrganization | undefined;
}

/**
 * `thread/metadata/update {threadId, gitInfo?, projectId?, daybreakEnabled?}` → `{thread}`: the thread's git
 * information (each of `sha`, `branch`, `originUrl` set, cleared with null, or left as it is when absent) and its
 * Daybreak choice, kept in `thread_metadata.jsonl` (thread-metadata.ts) for `thread/read` and `thread/list`. Works on
 * a stored thread whether it is loaded or not, as in 0.166.0; answered with the thread as `thread/read` shows it
 * (no turns). A `projectId` puts the thread in that project (`""`: in none), announced with `thread/project/updated`
 * before the answer when it changed, as 0.166.0 does. Refusals in 0.166.0's words.
 */
export function createMetadataUpdateHandler0166(
  s: MetadataServices0166,
): Handlers<Protocol0166, "thread/metadata/update"> {
  return {
    async "thread/metadata/update"(p, ctx) {
      // 0.166.0's experimental fields, refused before anything else is looked at.
      for (const field of ["projectId", "daybreakEnabled"] as const)
        if (p[field] != null && !s.experimentalApi())
          throw invalidRequest(`thread/metadata/update.${field} requires experimentalApi capability`);
      const id = parseThreadId(p.threadId);
      if (p.gitInfo == null && p.projectId == null && p.daybreakEnabled == null)
        throw invalidRequest("thread metadata update must include at least one field");
      if (p.gitInfo && Object.values(p.gitInfo).every((v) => v === undefined))
        throw invalidRequest("gitInfo must include at least one field");
      if (p.projectId && !s.organization?.projects.read(p.projectId))
        throw invalidRequest(`project not found: ${p.projectId}`);
      const loaded = s.registry.get(id);
      // A rollout that cannot be found or read is no thread to update (0.166.0 answers both alike).
      const summary = loaded
        ? null
        : await s.sessions.store.readThread({ threadId: id }, s.sessions.defaultProvider).catch(() => null);
      if (!loaded && summary?.conversationId !== id)
        throw invalidRequest(`no rollout found for thread id ${id}`);
      const record = await s.metadata.update(id, p);
      if (p.projectId != null && s.organization) {
        const projectId = p.projectId || null;
        let before: string | null;
        try {
          before = s.organization.projects.setThreadProject(id, projectId);
        } catch (err) {
          throw invalidRequest((err as Error).message);
        }
        if (before !== projectId)
          await ctx.peer.notify("thread/project/updated", { threadId: id, projectId });
      }
      const thread = loaded
        ? {
            ...loaded.object(),
            name: await s.sessions.store.threadName(id).catch(() => null),
            canAcceptDirectInput: null,
          }
        : storedThreadObject(summary as NonNullable<typeof summary>, { type: "notLoaded" });
      const shown = withMetadata(thread, record);
      return { thread: s.organization?.place([shown])[0] ?? shown };
    },
  };
}
