import { type gen0166, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { SandboxMode } from "@codex-ts/config-loader";
import type { Handlers } from "../handler.js";
import type { LoadedThread } from "../threads/loaded-thread.js";
import { sessionSettings0166 } from "../threads/session-settings.js";
import { attachSubAgents } from "../threads/sub-agent-host.js";
import { resumeHistory } from "./resume-history-0166.js";
import type { ThreadServices0166 } from "./threads-0166.js";

/**
 * `thread/revert {threadId, beforeTurnId}` (0.166.0's): only a paginated thread (one 0.166.0 started, loaded here)
 * can be reverted; a legacy one (every thread this server starts) gets 0.166.0's refusal. As 0.166.0 does, under the
 * thread's write lock: a running turn is interrupted (`turn/completed` interrupted), the thread is unloaded
 * (`thread/status/changed` notLoaded), a continuation rollout keeping its history before that turn is started (core
 * rollout/revert.ts; a thread unread from a cut turn is read now, `thread/readState/changed`), the thread is loaded again from it (`idle`; its followers keep following it, its settings are
 * kept) and the answer `{thread, turnsBackwardsCursor, itemsBackwardsCursor}` is followed by `thread/reverted`. A
 * turn not in the thread's history is refused after the reload (`turn not found: <id>`), as 0.166.0 refuses it;
 * nothing is written then.
 */
export function createRevertHandler0166(s: ThreadServices0166): Handlers<Protocol0166, "thread/revert"> {
  const { registry, runtime } = s;
  return {
    async "thread/revert"(p, ctx) {
      const old = registry.require(p.threadId);
      if ((old.meta.historyMode ?? "legacy") !== "paginated")
        throw invalidRequest("thread/revert only supports paginated threads");
      const store = runtime.sessions?.store;
      if (!store || !runtime.resume) throw invalidRequest("thread/revert is not available on this server");
      const id = old.id;
      const { thread, reverted } = await registry.writers.run(id, async () => {
        // Its turn ends first, announced as interrupted while the thread is still loaded (0.166.0's order).
        await old.endRunningTurns();
        const current = registry.detachForReload(id) ?? old;
        void s.announcer.notify("thread/status/changed", { threadId: id, status: { type: "notLoaded" } });
        // The conversation's recorder is flushed and closed: every line of the thread is on disk before the cut.
        await runtime.remove?.(id);
        let cut: { path: string; nativeStateError: string | null } | null = null;
        let failure: unknown = null;
        try {
          // A state database 0.166.0 holds busy is updated later, from a timer: how that ends is logged.
          cut = await store.revertBefore({ threadId: id }, p.beforeTurnId, {
            onLateFailure: (message) =>
              registry.log(
                `thread ${id}: 0.166.0's state database not pointed at the continuation: ${message}`,
              ),
          });
          if (cut?.nativeStateError)
            registry.log(
              `thread ${id}: 0.166.0's state database not pointed at ${cut.path}: ${cut.nativeStateError}`,
            );
          if (cut) await readAfterRevert(id);
        } catch (err) {
          failure = err;
        }
        // Loaded again whatever happened (0.166.0 reloads a thread it could not revert too): from the new
        // continuation, or from where its history ended before.
        const reloaded = await reload(current);
        if (failure) throw invalidRequest(`failed to revert thread: ${(failure as Error).message}`);
        return { thread: reloaded, reverted: cut !== null };
      });
      if (!reverted) throw invalidRequest(`turn not found: ${p.beforeTurnId}`);
      // The cursors `thread/resume` answers for the thread as it is now (none when no turn is left).
      const history = await resumeHistory(
        store,
        id,
        { threadId: id, excludeTurns: true, initialTurnsPage: { limit: 1 } },
        "paginated",
      );
      const sent = await ctx.respond({
        thread: s.organization?.place([thread.object()])[0] ?? thread.object(),
        turnsBackwardsCursor: history.itemsBackwardsCursor
          ? (history.initialTurnsPage?.backwardsCursor ?? null)
          : null,
        itemsBackwardsCursor: history.itemsBackwardsCursor,
      });
      thread.send({ method: "thread/reverted", params: { threadId: id } });
      return sent;
    },
  };

  /**
   * A thread unread from a turn the revert cut is read now (0.166.0's `thread/readState/changed` between the unload
   * and the reload). A receipt store failure is logged and fails nothing else.
   */
  async function readAfterRevert(id: string): Promise<void> {
    const receipts = registry.threadState?.readReceipts;
    const store = runtime.sessions?.store;
    try {
      const first = receipts?.get(id).firstUnread;
      if (!receipts || !store || first?.type !== "turn") return;
      if (await store.turnById({ threadId: id }, first.turnId)) return;
      const readState = receipts.turnRemoved(id, first.turnId);
      if (readState) void s.announcer.notify("thread/readState/changed", { threadId: id, readState });
    } catch (err) {
      registry.log(`thread ${id}: read state not updated after revert: ${(err as Error).message}`);
    }
  }

  /** Loads the thread again from its rollout (now ending in its newest continuation), with the settings it had. */
  async function reload(before: LoadedThread): Promise<LoadedThread> {
    const store = runtime.sessions!.store;
    const path = before.opened.rolloutPath!;
    const planned = await store.planForResume({ path });
    const settings = sessionSettings0166(resumeParamsOf(before), s.skills, s.identity());
    const resumed = await runtime.resume!.call(runtime, planned, path, settings);
    const thread = registry.add(resumed, before.settings, before.meta);
    attachSubAgents(s, thread);
    for (const n of thread.mapper.loaded()) thread.send(n);
    return thread;
  }
}

const SANDBOX: Partial<Record<gen0166.SandboxPolicy["type"], SandboxMode>> = {
  readOnly: "read-only",
  workspaceWrite: "workspace-write",
  dangerFullAccess: "danger-full-access",
};

/** The settings a loaded thread runs with, as the resume params that load it again with them. */
function resumeParamsOf(t: LoadedThread): gen0166.ThreadResumeParams {
  const st = t.settings;
  const sandbox = SANDBOX[st.sandboxPolicy.type];
  return {
    threadId: t.id,
    model: st.model,
    modelProvider: st.modelProvider,
    cwd: st.cwd,
    approvalPolicy: st.approvalPolicy,
    approvalsReviewer: st.approvalsReviewer,
    ...(sandbox ? { sandbox } : {}),
  };
}
