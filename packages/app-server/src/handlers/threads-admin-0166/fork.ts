import {
  type gen0166,
  invalidRequest,
  type Protocol0166,
  type RequestResult,
} from "@codex-ts/app-server-protocol";
import {
  ForkError,
  isVanishedFileError,
  type ResumeLoad,
  type RolloutItem,
  type ThreadTarget,
  uuidV7,
} from "@codex-ts/core";
import type { RequestContext, Responded } from "../../handler.js";
import { sessionSettings0166 } from "../../threads/session-settings.js";
import { initialThreadSettings } from "../../threads/settings.js";
import { settingsFields } from "../../threads/thread-object.js";
import { noticeFullHydration } from "../hydration-notice-0166.js";
import { resumeHistory } from "../resume-history-0166.js";
import { noRollout, parseId, storeFailure } from "./errors.js";
import { forkEphemeral } from "./fork-ephemeral.js";
import { attachRefusal, checkForkParams } from "./fork-params.js";
import type { AdminServices0166 } from "./services.js";

type ForkResult = RequestResult<Protocol0166, "thread/fork">;

/**
 * The record a fork of a running turn ends with, as 0.166.0 writes it: the turn was interrupted (the fork does not
 * inherit a turn still running elsewhere). 0.58.0 reads the same event kind, without the turn id.
 */
const interruption = (): RolloutItem => ({
  type: "event_msg",
  payload: { type: "turn_aborted", reason: "interrupted" },
});

/**
 * `thread/fork`: a new thread whose rollout holds the source's history (all of it, up to and including
 * `lastTurnId`, or before `beforeTurnId`) and the `forked_from_id` of its origin, copied so that 0.58.0 and 0.166.0
 * both read and resume it with its history. The fork inherits the source's name (as 0.166.0 records it), is
 * loaded and followed at once, and is announced with `thread/started` after the answer.
 */
export async function forkThread(
  s: AdminServices0166,
  p: gen0166.ThreadForkParams,
  ctx: RequestContext<Protocol0166, "thread/fork">,
): Promise<Responded> {
  const { registry, runtime } = s;
  const sessions = runtime.sessions;
  if (!sessions || !runtime.resume) throw invalidRequest("thread/fork is not available on this server");
  checkForkParams(p);
  const source: ThreadTarget = p.path ? { path: p.path } : { threadId: parseId(p.threadId, "session") };
  const { store } = sessions;
  if (p.attachToSource) {
    const summary = await store.readThread(source, sessions.defaultProvider).catch((err: unknown) => {
      // Removed or moved (a racing delete or archive) between lookup and read: as if it had never been found.
      if (isVanishedFileError(err) && "threadId" in source) throw noRollout(source.threadId);
      throw storeFailure(err, "fork thread");
    });
    attachRefusal(summary?.historyMode ?? null);
  }
  // A fork of the whole thread taken while its last turn runs (still open in the file when it is copied) ends that
  // turn, for the fork only, as interrupted. Decided from the lines copied: whether the turn is running when the
  // request comes is already stale when the file is read (it may end, and be written, in between).
  const closeOpenTurn = p.lastTurnId == null && p.beforeTurnId == null ? [interruption()] : undefined;
  if (p.ephemeral) return forkEphemeral(s, p, source, closeOpenTurn, ctx);
  const settings = sessionSettings0166(p, s.skills, s.identity());
  const id = uuidV7();
  // Recorded in the fork's session_meta as 0.166.0 records them, so a resume shows them again.
  const ownMeta = {
    originator: s.identity().originator,
    ...(settings.overrides.cwd ? { cwd: settings.overrides.cwd } : {}),
    ...(p.threadSource != null ? { thread_source: p.threadSource } : {}),
    ...(p.runtimeWorkspaceRoots != null ? { runtime_workspace_roots: p.runtimeWorkspaceRoots } : {}),
  };
  let forked: { path: string };
  const copy = () =>
    store.fork({
      source,
      ...(p.lastTurnId != null ? { lastTurnId: p.lastTurnId } : {}),
      ...(p.beforeTurnId != null ? { beforeTurnId: p.beforeTurnId } : {}),
      id,
      mode: "copy",
      ...(Object.keys(ownMeta).length > 0 ? { meta: ownMeta } : {}),
      ...(closeOpenTurn ? { closeOpenTurn } : {}),
    });
  try {
    // Copied under the thread's write lock: a delete or archive racing the fork then either waits for the copy or
    // has already removed the file, which the copy reports as an unknown thread, not as an I/O failure.
    forked = "threadId" in source ? await registry.writers.run(source.threadId, copy) : await copy();
  } catch (err) {
    const turnId = p.lastTurnId ?? p.beforeTurnId;
    if (err instanceof ForkError && turnId != null && err.message.startsWith(`turn ${turnId} not found`)) {
      // 0.166.0's words differ by the source's format: its own threads, or 0.58.0-format ("legacy") ones.
      const summary = await store.readThread(source, sessions.defaultProvider).catch(() => null);
      if (summary?.historyMode === "paginated") throw invalidRequest(`turn not found: ${turnId}`);
      const which = p.lastTurnId != null ? "lastTurnId" : "beforeTurnId";
      throw invalidRequest(`${which} '${turnId}' was not found in the source thread`);
    }
    // Removed by another process between lookup and copy: the thread is gone, as if it had never been found.
    if (isVanishedFileError(err) && "threadId" in source) throw noRollout(source.threadId);
    throw storeFailure(err, "fork thread");
  }
  let loaded: ResumeLoad;
  try {
    // What resuming the fork needs (from its latest compaction when it is huge); its turns are read page-wise below.
    loaded = await store.loadForResume({ path: forked.path });
  } catch (err) {
    throw storeFailure(err, "load the fork");
  }
  const sourceId = loaded.meta.forked_from_id ?? null;
  const name = sourceId ? await store.threadName(sourceId).catch(() => null) : null;
  if (name) await store.setThreadName(id, name);
  // 0.166.0 previews a fork from its own rollout: a fork of one of its threads holds no message of its own.
  const preview =
    loaded.meta.history_mode === "paginated"
      ? ""
      : ((await store.readSummary(forked.path, sessions.defaultProvider).catch(() => null))?.preview ?? "");
  const opened = await runtime.resume(loaded, forked.path, settings);
  const thread = registry.add(
    opened,
    initialThreadSettings(opened.settings, opened.modelProvider, {
      approvalsReviewer: p.approvalsReviewer,
      serviceTier: p.serviceTier,
      permissionProfile: opened.permissionProfile,
    }),
    {
      createdAt: Math.floor(Date.now() / 1000),
      preview,
      ephemeral: false,
      originator: s.identity().originator,
      cliVersion: s.cliVersion,
      threadSource: p.threadSource ?? null,
      runtimeWorkspaceRoots: p.runtimeWorkspaceRoots ?? null,
      historyMode: loaded.meta.history_mode === "paginated" ? "paginated" : "legacy",
    },
  );
  // The fork's turns and last usage, read from its own rollout through the turn index, as a resume reads them.
  const history = await resumeHistory(
    store,
    id,
    { threadId: id, excludeTurns: p.excludeTurns ?? false },
    thread.meta.historyMode ?? "legacy",
  );
  const described = (withTurns: gen0166.Turn[]): gen0166.Thread => ({
    ...thread.object(withTurns),
    forkedFromId: sourceId,
    name,
  });
  const result: ForkResult = {
    thread: described(history.turns),
    ...settingsFields(thread.settings, thread.runtimeWorkspaceRoots()),
    multiAgentMode: "explicitRequestOnly",
  };
  await noticeFullHydration(ctx.peer, thread.meta.historyMode, "resumeOrFork", p.excludeTurns);
  const sent = await ctx.respond(result);
  // As after a resume: the usage so far (with the turns only, as 0.166.0 sends it), then the new thread's
  // announcement.
  const { tokenInfo, lastTurnId } = history;
  if (!p.excludeTurns && tokenInfo && lastTurnId)
    for (const n of thread.mapper.restoredUsage(tokenInfo, lastTurnId)) thread.send(n);
  thread.send({ method: "thread/started", params: { thread: described([]) } });
  thread.announceMcpStartup();
  return sent;
}
