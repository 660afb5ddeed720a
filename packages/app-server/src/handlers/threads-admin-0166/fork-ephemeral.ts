import {
  type gen0166,
  invalidRequest,
  type Protocol0166,
  type RequestResult,
} from "@codex-ts/app-server-protocol";
import type { RolloutItem, SessionsStore, ThreadTarget } from "@codex-ts/core";
import type { RequestContext, Responded } from "../../handler.js";
import { sessionSettings0166 } from "../../threads/session-settings.js";
import { initialThreadSettings } from "../../threads/settings.js";
import { settingsFields } from "../../threads/thread-object.js";
import { readAllTurns } from "../history-0166.js";
import { storeFailure } from "./errors.js";
import type { AdminServices0166 } from "./services.js";

type ForkResult = RequestResult<Protocol0166, "thread/fork">;

/**
 * `thread/fork {ephemeral: true}` as 0.166.0 makes it: a thread kept out of the store. No rollout is written (the
 * thread's `path` is null), so `thread/list` never shows it and it ends with the process; its history is the
 * source's up to the cut, read into memory (core `forkRecords`). It is loaded and followed at once, like any fork;
 * the methods that need a rollout refuse it in 0.166.0's words (`thread/resume`, `thread/fork`, `thread/archive`:
 * `no rollout found…`; `thread/name/set`, `thread/read {includeTurns}`, `thread/turns/list`). Its turns are the
 * source's it keeps (0.166.0 requires `excludeTurns: true` for an ephemeral fork of one of its own threads).
 */
export async function forkEphemeral(
  s: AdminServices0166,
  p: gen0166.ThreadForkParams,
  source: ThreadTarget,
  closeOpenTurn: RolloutItem[] | undefined,
  ctx: RequestContext<Protocol0166, "thread/fork">,
): Promise<Responded> {
  const { registry, runtime } = s;
  const sessions = runtime.sessions;
  if (!sessions || !runtime.openEphemeral)
    throw invalidRequest("thread/fork is not available on this server");
  const { store } = sessions;
  const summary = await store.readThread(source, sessions.defaultProvider).catch((err: unknown) => {
    throw storeFailure(err, "fork thread");
  });
  if (summary?.historyMode === "paginated" && !p.excludeTurns)
    throw invalidRequest("ephemeral paginated thread/fork requires `excludeTurns: true`");
  let forked: Awaited<ReturnType<typeof store.forkRecords>>;
  try {
    forked = await store.forkRecords({
      source,
      ...(p.lastTurnId != null ? { lastTurnId: p.lastTurnId } : {}),
      ...(p.beforeTurnId != null ? { beforeTurnId: p.beforeTurnId } : {}),
      ...(closeOpenTurn ? { closeOpenTurn } : {}),
    });
  } catch (err) {
    throw storeFailure(err, "fork thread");
  }
  const settings = sessionSettings0166(p, s.skills, s.identity());
  const opened = await runtime.openEphemeral(
    // The fork runs where its source ran unless told otherwise, as a resumed thread does.
    { ...settings, overrides: { cwd: forked.meta.cwd, ...settings.overrides } },
    forked.items,
  );
  const thread = registry.add(
    opened,
    initialThreadSettings(opened.settings, opened.modelProvider, {
      approvalsReviewer: p.approvalsReviewer,
      serviceTier: p.serviceTier,
      permissionProfile: opened.permissionProfile,
    }),
    {
      createdAt: Math.floor(Date.now() / 1000),
      preview: summary?.preview ?? "",
      ephemeral: true,
      originator: s.identity().originator,
      cliVersion: s.cliVersion,
      threadSource: p.threadSource ?? null,
      runtimeWorkspaceRoots: p.runtimeWorkspaceRoots ?? null,
    },
  );
  const described = (turns: gen0166.Turn[]): gen0166.Thread => ({
    ...thread.object(turns),
    forkedFromId: forked.meta.id,
    name: null,
  });
  const result: ForkResult = {
    thread: described(p.excludeTurns ? [] : await sourceTurns(store, forked.meta.id, p)),
    ...settingsFields(thread.settings, thread.runtimeWorkspaceRoots()),
    multiAgentMode: "explicitRequestOnly",
  };
  const sent = await ctx.respond(result);
  thread.send({ method: "thread/started", params: { thread: described([]) } });
  thread.announceMcpStartup();
  return sent;
}

/** The source's turns a fork keeps (through `lastTurnId`, or before `beforeTurnId`), as 0.166.0 shows them. */
async function sourceTurns(store: SessionsStore, sourceId: string, p: gen0166.ThreadForkParams) {
  const turns = await readAllTurns(store, sourceId);
  const at = (turnId: string) => turns.findIndex((t) => t.id === turnId);
  if (p.lastTurnId != null) return turns.slice(0, at(p.lastTurnId) + 1);
  if (p.beforeTurnId != null) return turns.slice(0, Math.max(0, at(p.beforeTurnId)));
  return turns;
}
