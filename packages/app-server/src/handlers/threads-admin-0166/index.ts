import {
  type AdminMethod0166,
  type gen0166,
  invalidRequest,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import { type SessionsStore, type ThreadSummary, uuidV7 } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";
import { threadObject } from "../../threads/thread-object.js";
import { noRollout, parseId, storeFailure } from "./errors.js";
import { forkThread } from "./fork.js";
import { ThreadResidency } from "./residency.js";
import type { AdminServices0166 } from "./services.js";
import { spawnedThreads } from "./spawned.js";

export type { AdminServices0166 } from "./services.js";

/** 0.166.0's default `thread_unload_delay_secs`. */
const DEFAULT_UNLOAD_DELAY_SECS = 60;

/** The unload delay in ms from a config's `thread_unload_delay_secs` (0.166.0's key; 60 s when absent or invalid). */
export function unloadDelayMs(raw: Readonly<Record<string, unknown>> | undefined): number {
  const secs = raw?.thread_unload_delay_secs;
  const valid = typeof secs === "number" && Number.isFinite(secs) && secs >= 0;
  return (valid ? secs : DEFAULT_UNLOAD_DELAY_SECS) * 1000;
}

/**
 * A stored thread that is not loaded, as 0.166.0 describes it after `thread/unarchive`: from its summary, status
 * `notLoaded`, no environments, no turns. The model is not in a 0.58.0-format rollout's head: the server's is given.
 */
function storedThread(t: ThreadSummary, model: string): gen0166.Thread {
  return {
    ...threadObject({
      id: t.conversationId,
      cwd: t.cwd,
      path: t.path,
      preview: t.preview,
      modelProvider: t.modelProvider,
      model,
      reasoningEffort: null,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      cliVersion: t.cliVersion,
      originator: t.originator,
      ephemeral: false,
      status: { type: "notLoaded" },
      turns: [],
    }),
    environments: null,
    forkedFromId: t.forkedFromId,
    historyMode: t.historyMode,
    recencyAt: t.createdAt,
    source: t.sourceKind === "cli" ? "cli" : "vscode",
    canAcceptDirectInput: null,
    name: t.name,
  };
}

/**
 * The 0.166 methods that manage threads: `thread/fork`, `thread/archive`, `thread/unarchive`, `thread/delete`,
 * `thread/name/set`, `thread/loaded/list`, `thread/unsubscribe`, `thread/compact/start`. Stored threads are
 * changed through the sessions store (its `fork`, `archive`, `unarchive`, `deleteThread`, `setThreadName`); a
 * loaded thread is unloaded before its rollout moves or goes.
 */
export function createThreadAdminHandlers0166(s: AdminServices0166): Handlers<Protocol0166, AdminMethod0166> {
  const { registry, runtime } = s;
  const residency = new ThreadResidency(s);
  const storeOf = (method: string): SessionsStore => {
    const store = runtime.sessions?.store;
    if (!store) throw invalidRequest(`${method} is not available on this server`);
    return store;
  };
  const defaultProvider = () => runtime.sessions?.defaultProvider ?? "openai";
  /** The live rollout of thread `id` (a loaded thread's own), or 0.166.0's `no rollout found…`. */
  const livePath = async (store: SessionsStore, id: string): Promise<string> => {
    // An ephemeral thread's rollout path is "": it has none, as 0.166.0 answers.
    const path = registry.get(id)?.opened.rolloutPath || (await store.findPathById(id));
    if (!path) throw noRollout(id);
    return path;
  };

  return {
    "thread/fork": (p, ctx) => forkThread(s, p, ctx),

    async "thread/archive"(p, ctx) {
      const id = parseId(p.threadId, "session");
      const store = storeOf("thread/archive");
      const archived: string[] = [];
      await registry.writers.run(id, async () => {
        const path = await livePath(store, id);
        const spawned = await spawnedThreads(store, id, defaultProvider());
        try {
          await store.archive(id, path, async () => {
            await residency.unload(id);
          });
          archived.push(id);
          // Its sub-agents go with it, as 0.166.0 archives them (each unloaded first; a running turn interrupted).
          for (const agent of spawned) {
            const agentPath = await livePath(store, agent).catch(() => null);
            if (!agentPath) continue;
            await store.archive(agent, agentPath, async () => {
              await residency.unload(agent);
            });
            archived.push(agent);
          }
        } catch (err) {
          throw storeFailure(err, "archive thread");
        }
      });
      const sent = await ctx.respond({});
      for (const t of archived) void s.announcer.notify("thread/archived", { threadId: t });
      return sent;
    },

    async "thread/unarchive"(p, ctx) {
      const id = parseId(p.threadId, "session");
      const store = storeOf("thread/unarchive");
      let summary: ThreadSummary | null;
      try {
        summary = await registry.writers.run(id, async () => {
          const path = await store.unarchive(id);
          return store.readThread({ path }, runtime.sessions?.defaultProvider ?? "openai");
        });
      } catch (err) {
        throw storeFailure(err, "unarchive thread");
      }
      if (!summary) throw invalidRequest(`failed to read unarchived thread ${id}`);
      const sent = await ctx.respond({ thread: storedThread(summary, runtime.processConfig?.model ?? "") });
      void s.announcer.notify("thread/unarchived", { threadId: id });
      return sent;
    },

    async "thread/delete"(p, ctx) {
      const id = parseId(p.threadId, "thread");
      const store = storeOf("thread/delete");
      // Refused before anything is unloaded: an ephemeral thread has nothing stored to delete (0.166.0's words).
      if (registry.get(id)?.meta.ephemeral)
        throw invalidRequest(`thread is not persisted and cannot be deleted: ${id}`);
      const deleted: string[] = [];
      await registry.writers.run(id, async () => {
        const spawned = await spawnedThreads(store, id, defaultProvider());
        await residency.unload(id);
        // Its sub-agents go with it, as 0.166.0 deletes them (unloaded first, announced before it).
        for (const agent of spawned) await residency.unload(agent);
        try {
          for (const agent of spawned) {
            await store.deleteThread({ threadId: agent });
            deleted.push(agent);
          }
          await store.deleteThread({ threadId: id });
        } catch (err) {
          throw storeFailure(err, "delete thread");
        }
      });
      for (const agent of deleted) forgetThreadState(registry, agent);
      // A resume cannot have reopened it meanwhile (its open waits for the same lock); unloaded again all the same,
      // should one have loaded it by a path of its own.
      await residency.unload(id);
      forgetThreadState(registry, id);
      try {
        s.organization?.sections.forget(id);
      } catch {
        // The organisation store cannot be opened: the thread is deleted all the same, its place is moot.
      }
      // Its queued messages go with it, unannounced (as 0.166.0 drops them).
      registry.dropQueue(id);
      const sent = await ctx.respond({});
      for (const agent of deleted) void s.announcer.notify("thread/deleted", { threadId: agent });
      void s.announcer.notify("thread/deleted", { threadId: id });
      return sent;
    },

    async "thread/name/set"(p, ctx) {
      const id = parseId(p.threadId, "thread");
      const name = p.name.trim();
      if (name === "") throw invalidRequest("thread name must not be empty");
      const store = storeOf("thread/name/set");
      if (registry.get(id)?.meta.ephemeral)
        throw invalidRequest(`ephemeral thread does not support metadata updates: ${id}`);
      await livePath(store, id);
      try {
        await store.setThreadName(id, name);
      } catch (err) {
        throw storeFailure(err, "set thread name");
      }
      const sent = await ctx.respond({});
      void s.announcer.notify("thread/name/updated", { threadId: id, threadName: name });
      return sent;
    },

    "thread/loaded/list"(p) {
      // 0.166.0's order: by id; the cursor is the last id of the previous page.
      const ids = registry.ids().sort();
      let start = 0;
      if (p.cursor != null) {
        const cursor = p.cursor;
        const parsed = (() => {
          try {
            return parseId(cursor, "thread");
          } catch {
            throw invalidRequest(`invalid cursor: ${cursor}`);
          }
        })();
        start = ids.findIndex((i) => i > parsed);
        if (start === -1) start = ids.length;
      }
      const limit = p.limit == null ? ids.length : Math.max(1, p.limit);
      const data = ids.slice(start, start + limit);
      const more = start + data.length < ids.length;
      return { data, nextCursor: more ? (data.at(-1) ?? null) : null };
    },

    "thread/unsubscribe"(p) {
      return { status: residency.unsubscribe(parseId(p.threadId, "thread")) };
    },

    async "thread/compact/start"(p, ctx) {
      const thread = registry.require(p.threadId);
      // The compaction runs as a turn of its own; its notifications follow this answer.
      const hold = thread.hold();
      try {
        thread.mapper.expectCompaction();
        // Its turn id is unique across the thread's life, as a user turn's (the core's counter restarts on resume).
        await thread.conversation.submit({ type: "compact" }, uuidV7());
        return await ctx.respond({});
      } finally {
        hold.release();
      }
    },
  };
}

/** A deleted thread's attachments, read receipt and memory mode go with it (0.166.0's rows cascade). */
function forgetThreadState(registry: ThreadRegistry, id: string): void {
  try {
    registry.threadState?.forget(id);
  } catch {
    // The thread is deleted either way; rows left behind are skipped by the owner listing.
  }
}
