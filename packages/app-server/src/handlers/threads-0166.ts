import { existsSync } from "node:fs";
import {
  type gen0166,
  invalidRequest,
  type Protocol0166,
  type ProtocolPeer,
  type RequestResult,
} from "@codex-ts/app-server-protocol";
import {
  type ConversationIdentity,
  type DeferredResume,
  isVanishedFileError,
  osErrorText,
} from "@codex-ts/core";
import type { OpenedConversation } from "../conversations.js";
import type { Handlers } from "../handler.js";
import type { ConversationRuntime } from "../runtime.js";
import type { SessionSettings } from "../session-settings.js";
import type { ThreadFollows } from "../threads/follows.js";
import type { LoadedThread, ThreadMeta } from "../threads/loaded-thread.js";
import type { ThreadOrganization } from "../threads/organization.js";
import { parseThreadId, type ThreadRegistry } from "../threads/registry.js";
import { sessionSettings0166, type ThreadSkillCatalog } from "../threads/session-settings.js";
import { applySettings, initialThreadSettings } from "../threads/settings.js";
import { attachSubAgents } from "../threads/sub-agent-host.js";
import { settingsFields } from "../threads/thread-object.js";
import { noticeFullHydration } from "./hydration-notice-0166.js";
import { recordedModel, resumeHistory } from "./resume-history-0166.js";
import { createRevertHandler0166 } from "./thread-revert-0166.js";
import { goneRollout, unlessGone } from "./vanished-rollout-0166.js";

/** What the 0.166 thread handlers serve from. */
export interface ThreadServices0166 {
  registry: ThreadRegistry;
  runtime: ConversationRuntime;
  /** The version a thread reports as `cliVersion` (the one its rollout records). */
  cliVersion: string;
  /**
   * Who the connection's threads name: the client (`clientInfo.name`) as the originator their rollouts record
   * (0.166's `Thread.originator`) and their model requests send, first in the user agent.
   */
  identity(): ConversationIdentity;
  /** Whether the client asked for the experimental API at `initialize` (`thread/settings/update` needs it). */
  experimentalApi(): boolean;
  /** The skills a thread is offered (none without: then it is told of none). */
  skills?: ThreadSkillCatalog | undefined;
  /** Projects and sections: a resumed thread shows where it is in them. */
  organization?: ThreadOrganization | undefined;
  /** The threads this connection follows (a resume follows the thread again). */
  follows: ThreadFollows;
  /** Where `thread/started` goes: every 0.166 connection (0.166.0 announces a new thread to all of them). */
  announcer: ProtocolPeer<Protocol0166>;
}

type ThreadMethods = "thread/start" | "thread/resume" | "thread/settings/update" | "thread/revert";
type ResumeResult = RequestResult<Protocol0166, "thread/resume">;

/**
 * The 0.166 thread methods: `thread/start`, `thread/resume` (the live part: load the rollout, follow the thread,
 * continue it), `thread/settings/update`, `thread/revert` (thread-revert-0166.ts).
 */
export function createThreadHandlers0166(s: ThreadServices0166): Handlers<Protocol0166, ThreadMethods> {
  const { registry, runtime } = s;
  const meta = (originator: string, preview = "", createdAt = Math.floor(Date.now() / 1000)): ThreadMeta => ({
    createdAt,
    preview,
    ephemeral: false,
    originator,
    cliVersion: s.cliVersion,
  });
  const settingsOf = (
    opened: OpenedConversation,
    p: gen0166.ThreadStartParams | gen0166.ThreadResumeParams,
  ) =>
    initialThreadSettings(opened.settings, opened.modelProvider, {
      approvalsReviewer: p.approvalsReviewer,
      serviceTier: p.serviceTier,
      permissionProfile: opened.permissionProfile,
    });

  // Shared with every connection that shares the registry (a listening server's).
  const opening = registry.opening;

  /** Opens the conversation a resume names: by history (a new thread), path, or id; loaded threads are rejoined. */
  const resumeConversation = async (
    p: gen0166.ThreadResumeParams,
    settings: SessionSettings,
  ): Promise<{ thread: LoadedThread; opened?: true }> => {
    if (p.history && p.history.length > 0) {
      if (!runtime.fork) throw invalidRequest("resuming from history is not available on this server");
      const opened = await runtime.fork([...p.history], settings);
      return {
        thread: registry.add(opened, settingsOf(opened, p), meta(s.identity().originator)),
        opened: true,
      };
    }
    const { sessions, resume } = runtime;
    if (!sessions || !resume) throw invalidRequest("thread/resume is not available on this server");
    // Looked up by id: a rollout that vanishes from here on (a racing `thread/archive` or `thread/delete`) is
    // answered as if it had been gone before the lookup (`goneRollout`).
    const byId = p.path ? null : parseThreadId(p.threadId);
    let rolloutPath = p.path || "";
    if (byId !== null) {
      const running = registry.get(byId);
      const found = running?.opened.rolloutPath ?? (await sessions.store.findPathById(byId));
      if (!found) throw await goneRollout(sessions.store, byId);
      if (running) {
        // Its rollout was removed under it (by another process): 0.166.0's words for the path it cannot resolve.
        if (!existsSync(found))
          throw invalidRequest(`failed to resolve rollout path \`${found}\`: file does not exist`);
        return { thread: running };
      }
      rolloutPath = found;
    }
    const loaded = await load({ path: rolloutPath }, byId);
    // A thread loaded (or being loaded) already is rejoined, never opened a second time on the same rollout.
    const id = loaded.conversationId;
    const already = registry.get(id) ?? (await opening.settled(id));
    if (already) return { thread: already };
    const thread = await opening.open(id, () =>
      registry.writers.run(id, async () => {
        // Another request may have loaded it, or archived or deleted it, while this one waited for the lock.
        const loadedMeanwhile = registry.get(id);
        if (loadedMeanwhile) return loadedMeanwhile;
        if (!existsSync(rolloutPath)) throw await goneRollout(sessions.store, id);
        // Without a `model`, the thread goes on with the one it last ran with (0.166.0's), else the config's.
        const model = p.model == null ? await recordedModel(sessions.store, id).catch(() => null) : null;
        const resumed = await unlessGone(sessions.store, id, () =>
          resume.call(
            runtime,
            loaded,
            rolloutPath,
            model ? { ...settings, overrides: { ...settings.overrides, model } } : settings,
          ),
        );
        const summary = await sessions.store
          .readSummary(rolloutPath, sessions.defaultProvider)
          .catch(() => null);
        return registry.add(resumed, settingsOf(resumed, p), {
          ...meta(s.identity().originator, summary?.preview ?? "", summary?.createdAt),
          // What the thread was started or forked with, from its session_meta (0.166.0 shows them on resume).
          threadSource: loaded.meta.thread_source ?? null,
          runtimeWorkspaceRoots: p.runtimeWorkspaceRoots ?? loaded.meta.runtime_workspace_roots ?? null,
          historyMode: loaded.meta.history_mode === "paginated" ? "paginated" : "legacy",
        });
      }),
    );
    return { thread, opened: true };
  };

  /**
   * What resuming replays (from the latest compaction that rebuilds the history, found by the turn index), planned
   * now and read on the thread's first turn: the answer carries no history the model sees, so resuming a long
   * rollout reads only its session_meta line and the index.
   */
  const load = async (target: { path: string }, byId: string | null): Promise<DeferredResume> => {
    const store = runtime.sessions?.store;
    if (!store) throw invalidRequest("thread/resume is not available on this server");
    try {
      return await store.planForResume(target);
    } catch (err) {
      // A path the client named is its own (0.166.0's words); one looked up by id vanished after the lookup.
      if (byId !== null && isVanishedFileError(err)) throw await goneRollout(store, byId);
      throw invalidRequest(`failed to load rollout \`${target.path}\`: ${osErrorText(err)}`);
    }
  };

  return {
    ...createRevertHandler0166(s),
    async "thread/start"(p, ctx) {
      // An ephemeral thread is kept out of the store (no rollout), as 0.166.0 keeps it.
      const opened =
        p.ephemeral && runtime.openEphemeral
          ? await runtime.openEphemeral(sessionSettings0166(p, s.skills, s.identity()))
          : await runtime.open({
              ...sessionSettings0166(p, s.skills, s.identity()),
              sessionMeta: {
                ...(p.threadSource != null ? { threadSource: p.threadSource } : {}),
                ...(p.runtimeWorkspaceRoots != null
                  ? { runtimeWorkspaceRoots: p.runtimeWorkspaceRoots }
                  : {}),
              },
            });
      const settings = settingsOf(opened, p);
      const thread = registry.add(opened, settings, {
        ...meta(s.identity().originator),
        ephemeral: p.ephemeral ?? false,
        threadSource: p.threadSource ?? null,
        runtimeWorkspaceRoots: p.runtimeWorkspaceRoots ?? null,
      });
      attachSubAgents(s, thread);
      const object = thread.object();
      // What the managed requirements replaced, before the answer (0.166.0's `configWarning`) and as thread warnings.
      for (const summary of opened.configWarnings ?? [])
        void ctx.peer.notify("configWarning", { summary, details: null });
      const sent = await ctx.respond({
        thread: object,
        ...settingsFields(settings, thread.runtimeWorkspaceRoots()),
        multiAgentMode: "explicitRequestOnly",
      });
      void s.announcer.notify("thread/started", { thread: object });
      // What the managed requirements replaced (a refused approval policy or sandbox), as 0.166.0 warns of it.
      for (const message of opened.configWarnings ?? [])
        void ctx.peer.notify("warning", { threadId: thread.id, message });
      thread.announceMcpStartup();
      return sent;
    },

    async "thread/resume"(p, ctx) {
      const { thread, opened } = await resumeConversation(p, sessionSettings0166(p, s.skills, s.identity()));
      await noticeFullHydration(ctx.peer, thread.meta.historyMode, "resumeOrFork", p.excludeTurns);
      if (opened) attachSubAgents(s, thread);
      s.follows.add(thread.id); // a thread unsubscribed from (and not unloaded yet) is followed again
      const store = runtime.sessions?.store;
      // A `thread/delete` or `thread/archive` that came in after the open may have moved the rollout already.
      const history = store
        ? await resumeHistory(store, thread.id, p, thread.meta.historyMode ?? "legacy").catch(async (err) => {
            throw existsSync(thread.opened.rolloutPath) ? err : await goneRollout(store, thread.id);
          })
        : {
            turns: [],
            initialTurnsPage: null,
            lastTurnId: null,
            lastTurnStatus: null,
            tokenInfo: null,
            itemsBackwardsCursor: null,
          };
      const object = thread.object(history.turns);
      const result: ResumeResult = {
        thread: s.organization?.place([object])[0] ?? object,
        ...settingsFields(thread.settings, thread.runtimeWorkspaceRoots()),
        collaborationMode: thread.settings.collaborationMode,
        multiAgentMode: "explicitRequestOnly",
        initialTurnsPage: history.initialTurnsPage,
        turnsBackwardsCursor: history.itemsBackwardsCursor
          ? (history.initialTurnsPage?.backwardsCursor ?? null)
          : null,
        itemsBackwardsCursor: history.itemsBackwardsCursor,
      };
      if (history.lastTurnId) thread.mapper.restoredTurn(history.lastTurnId);
      // 0.166.0 reports the thread loaded (idle) before its answer, and its token usage so far after it; rejoining a
      // thread that is loaded already reports no status (it did not change). The usage comes with the turns: not
      // with `excludeTurns`, except when a paginated thread is loaded (0.166.0 reads it from its turn records then).
      if (opened) for (const n of thread.mapper.loaded()) thread.send(n);
      const sent = await ctx.respond(result);
      const paginated = thread.meta.historyMode === "paginated";
      const usage = p.excludeTurns ? opened && paginated : true;
      if (usage && history.tokenInfo && history.lastTurnId) {
        const { tokenInfo, lastTurnId } = history;
        const restored = opened
          ? thread.mapper.restoredUsage(tokenInfo, lastTurnId)
          : thread.mapper.repeatedUsage(tokenInfo, lastTurnId);
        for (const n of restored) thread.send(n);
      }
      if (opened) thread.announceMcpStartup();
      // Its goal as it is, then (active, idle) the goal's next turn, as 0.166.0 resumes a thread with a goal.
      thread.goals?.resumed();
      // Its queue's first message starts when the thread is idle, as 0.166.0 resumes a thread with a queue; a thread
      // whose last turn was interrupted, or never ended (its process did first), keeps its queue paused, as there.
      const status = history.lastTurnStatus;
      thread.queue?.resumed({ interrupted: status === "interrupted" || status === "inProgress" });
      return sent;
    },

    async "thread/settings/update"(p, ctx) {
      if (!s.experimentalApi())
        throw invalidRequest("thread/settings/update requires experimentalApi capability");
      const thread = registry.require(p.threadId);
      const applied = applySettings(thread.settings, p, thread.opened.requirements);
      thread.settings = applied.next;
      // Queued behind a running turn: the change applies from the next turn.
      if (applied.overrides)
        await thread.conversation.submit({ type: "override_turn_context", ...applied.overrides });
      const sent = await ctx.respond({});
      if (applied.changed)
        thread.send({
          method: "thread/settings/updated",
          params: { threadId: thread.id, threadSettings: applied.next },
        });
      return sent;
    },
  };
}
