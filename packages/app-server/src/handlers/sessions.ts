import { isAbsolute, join } from "node:path";
import {
  type ConversationSummary,
  internalError,
  invalidRequest,
  type Protocol058,
  type ResponseItem,
  SessionSource,
  type v2,
} from "@codex-ts/app-server-protocol";
import { FileReadError } from "@codex-ts/config-loader";
import {
  type ArchiveError,
  type DeferredResume,
  isVanishedFileError,
  osErrorText,
  RolloutPathError,
  type SessionSummary,
} from "@codex-ts/core";
import type { ConversationRegistry, OpenedConversation, ResumedConversation } from "../conversations.js";
import type { Handlers } from "../handler.js";
import { OpeningRollouts } from "../opening-rollouts.js";
import type { ConversationRuntime } from "../runtime.js";
import { type SessionSettings, v1SessionSettings, v2SessionSettings } from "../session-settings.js";
import { parseThreadId } from "../threads/registry.js";
import { reasoningEffortOf } from "./conversations.js";

/** A runtime that can serve the session methods. */
export type SessionRuntime = ConversationRuntime & {
  [K in "sessions" | "resume" | "fork" | "remove"]-?: NonNullable<ConversationRuntime[K]>;
};

/** v1 `ConversationSummary` (note 0.58.0's snake_case `origin_url` inside the camelCase object). */
function v1Summary(s: SessionSummary): ConversationSummary {
  const source = SessionSource.safeParse(s.source);
  return {
    conversationId: s.conversationId,
    path: s.path,
    preview: s.preview,
    timestamp: s.timestamp,
    modelProvider: s.modelProvider,
    cwd: s.cwd,
    cliVersion: s.cliVersion,
    source: source.success ? source.data : "unknown",
    gitInfo: s.git
      ? {
          sha: s.git.commit_hash ?? null,
          branch: s.git.branch ?? null,
          origin_url: s.git.repository_url ?? null,
        }
      : null,
  };
}

/** v2 `Thread`. */
function v2Thread(
  s: Pick<SessionSummary, "conversationId" | "preview" | "modelProvider" | "createdAt" | "path">,
): v2.Thread {
  return {
    id: s.conversationId,
    preview: s.preview,
    modelProvider: s.modelProvider,
    createdAt: s.createdAt,
    path: s.path,
  };
}

const notFound = (id: string) => invalidRequest(`no rollout found for conversation id ${id}`);

/** A path the client should not have named: outside the sessions folders, or not a regular file of bounded size. */
const namedBadPath = (err: unknown) => err instanceof RolloutPathError || err instanceof FileReadError;

function archiveFailure(err: unknown): never {
  const e = err as ArchiveError;
  if (e?.name === "ArchiveError")
    throw e.kind === "invalid" ? invalidRequest(e.message) : internalError(e.message);
  throw internalError(`failed to archive conversation: ${osErrorText(err)}`);
}

/** Where a resume starts from: non-empty history > path > conversation id, as the v2 docs state (v1 alike). */
interface ResumeRequest {
  history: readonly (ResponseItem | v2.ResponseItem)[] | null | undefined;
  path: string | null | undefined;
  conversationId: string | null | undefined;
  settings: SessionSettings;
  /** v1 answers with the rollout's events (`initialMessages`); v2 does not need them read. */
  events: boolean;
}

type SessionMethods =
  | "listConversations"
  | "thread/list"
  | "getConversationSummary"
  | "archiveConversation"
  | "thread/archive"
  | "resumeConversation"
  | "thread/resume";

/**
 * The session methods: listing, summaries, archive and resume (v1 and v2), over the sessions store. Loaded
 * conversations join the same registry as new ones.
 */
export function createSessionHandlers(
  registry: ConversationRegistry,
  runtime: SessionRuntime,
): Handlers<Protocol058, SessionMethods> {
  const { store, defaultProvider } = runtime.sessions;

  const list = (p: {
    pageSize: number | null | undefined;
    cursor?: string | null | undefined;
    modelProviders?: string[] | null | undefined;
  }) =>
    store.list({
      pageSize: p.pageSize ?? null,
      cursor: p.cursor ?? null,
      modelProviders: p.modelProviders ?? null,
      defaultProvider,
    });

  const pathOf = async (id: string) => {
    const found = await store.findPathById(id);
    if (!found) throw notFound(id);
    return found;
  };

  const archive = async (conversationId: string, rolloutPath: string) => {
    try {
      await store.archive(conversationId, rolloutPath, async () => {
        if (!registry.has(conversationId)) return;
        registry.forget(conversationId);
        await runtime.remove(conversationId);
      });
    } catch (err) {
      archiveFailure(err);
    }
    return {};
  };

  const opening = new OpeningRollouts<ResumedConversation>();

  /**
   * Resumes a rollout; load errors are the client's, as in 0.58.0. Its history is only planned now (session_meta
   * and the turn index) and read on the thread's first turn, as 0.166 resumes. v1's `resumeConversation` answers
   * with the rollout's events (`initialMessages`), read now (core rollout/events.ts); v2's `thread/resume` answers
   * with the thread alone. A
   * conversation already loaded is not opened a second time (that left a duplicate writing to the same file, never
   * shut down): the loaded one is answered, with the rollout's events as its initial messages, as 0.58.0 answers.
   */
  const resumeFrom = async (
    path: string,
    settings: SessionSettings,
    want: { events: boolean },
    byId: string | null = null,
  ): Promise<ResumedConversation> => {
    let loaded: DeferredResume;
    try {
      loaded = await store.planForResume({ path }, want);
    } catch (err) {
      // Looked up by id and gone since (archived or deleted meanwhile): as if the lookup had not found it.
      if (byId !== null && isVanishedFileError(err)) throw notFound(byId);
      throw invalidRequest(`failed to load rollout \`${path}\`: ${osErrorText(err)}`);
    }
    const id = loaded.conversationId;
    const initialMessages = loaded.events ?? [];
    const already = registry.get(id)?.opened ?? (await opening.settled(id));
    if (already) return { ...already, initialMessages };
    return opening.open(id, async () => {
      const resumed = await runtime.resume(loaded, path, settings);
      registry.add(resumed);
      return resumed;
    });
  };

  const resume = async (r: ResumeRequest): Promise<ResumedConversation | OpenedConversation> => {
    if (r.history && r.history.length > 0) {
      const forked = await runtime.fork([...r.history], r.settings);
      registry.add(forked);
      return forked;
    }
    const want = { events: r.events };
    if (r.path != null) return resumeFrom(r.path, r.settings, want);
    if (r.conversationId != null)
      return resumeFrom(await pathOf(r.conversationId), r.settings, want, r.conversationId);
    throw invalidRequest("either path, conversation id or non empty history must be provided");
  };

  /** A thread with no user message yet has no summary. */
  const summaryOrNull = (path: string) => store.readSummary(path, defaultProvider).catch(() => null);

  return {
    async listConversations(p) {
      const page = await list({ ...p, pageSize: p.pageSize });
      return { items: page.items.map(v1Summary), nextCursor: page.nextCursor };
    },

    async "thread/list"(p) {
      const page = await list({ ...p, pageSize: p.limit });
      return { data: page.items.map(v2Thread), nextCursor: page.nextCursor };
    },

    async getConversationSummary(p) {
      // A relative rolloutPath is taken from CODEX_HOME, as 0.58.0 does.
      const path =
        "rolloutPath" in p
          ? isAbsolute(p.rolloutPath)
            ? p.rolloutPath
            : join(store.codexHome, p.rolloutPath)
          : await pathOf(p.conversationId);
      try {
        const summary = await store.readSummary(path, defaultProvider);
        // A thread 0.166.0 reverted is described as `thread/read` shows it: where its kept history now goes on (the
        // newest continuation, which `resumeConversation` takes too); its identity and preview stay the first
        // rollout's.
        const current = await store.currentRolloutOf(summary.path).catch(() => summary.path);
        return { summary: v1Summary({ ...summary, path: current }) };
      } catch (err) {
        // Looked up by id and gone since (archived or deleted meanwhile): as if the lookup had not found it.
        if (!("rolloutPath" in p) && isVanishedFileError(err)) throw notFound(p.conversationId);
        const message = `failed to load conversation summary from ${path}: ${osErrorText(err)}`;
        throw namedBadPath(err) ? invalidRequest(message) : internalError(message);
      }
    },

    archiveConversation: (p) => archive(p.conversationId, p.rolloutPath),

    async "thread/archive"(p) {
      const id = parseThreadId(p.threadId);
      return archive(id, await pathOf(id));
    },

    async resumeConversation(p, { peer }) {
      const resumed = await resume({
        history: p.history,
        path: p.path,
        conversationId: p.conversationId,
        settings: v1SessionSettings(p.overrides ?? {}),
        events: true,
      });
      const initialMessages = "initialMessages" in resumed ? resumed.initialMessages : null;
      const e = resumed.sessionConfigured;
      // 0.58.0 announces the resumed session before answering (v1 only; thread/resume does not).
      await peer.notify("sessionConfigured", {
        sessionId: resumed.conversationId,
        model: e.model,
        reasoningEffort: reasoningEffortOf(resumed),
        historyLogId: Number(e.history_log_id ?? 0),
        historyEntryCount: Number(e.history_entry_count ?? 0),
        initialMessages,
        rolloutPath: resumed.rolloutPath,
      });
      return {
        conversationId: resumed.conversationId,
        model: e.model,
        initialMessages,
        rolloutPath: resumed.rolloutPath,
      };
    },

    async "thread/resume"(p, ctx) {
      // The thread id is only looked at when neither history nor path is given (0.58.0 ignores it then).
      const byId = !(p.history && p.history.length > 0) && p.path == null;
      const resumed = await resume({
        history: p.history,
        path: p.path,
        conversationId: byId ? parseThreadId(p.threadId) : null,
        settings: v2SessionSettings(p),
        events: false,
      });
      registry.attachV2(resumed.conversationId);
      const summary = await summaryOrNull(resumed.rolloutPath);
      const thread = v2Thread({
        conversationId: resumed.conversationId,
        preview: summary?.preview ?? "",
        modelProvider: resumed.modelProvider ?? defaultProvider,
        createdAt: summary?.createdAt ?? Math.floor(Date.now() / 1000),
        path: resumed.rolloutPath,
      });
      const sent = await ctx.respond({ thread });
      void ctx.peer.notify("thread/started", { thread });
      return sent;
    },
  };
}
