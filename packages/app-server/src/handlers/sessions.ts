import { isAbsolute, join } from "node:path";
import { internalError, invalidRequest } from "@codex-ts/app-server-protocol";
import { type ArchiveError, type LoadedRollout, osErrorText, type SessionSummary } from "@codex-ts/core";
import type { ConversationRegistry, OpenedConversation } from "../conversations.js";
import { object, optionalString, optionalU32, requiredConversationId, requiredString } from "../params.js";
import type { ConversationRuntime, ResumedConversation } from "../runtime.js";
import type { RequestHandler } from "../server.js";
import { type Dialect, type SessionSettings, sessionSettings } from "../session-settings.js";
import { parseUuid } from "../uuid.js";

/** A runtime that can serve the session methods. */
export type SessionRuntime = ConversationRuntime & {
  [K in "sessions" | "resume" | "fork" | "remove"]-?: NonNullable<ConversationRuntime[K]>;
};

/** v1 `ConversationSummary` (note 0.58.0's snake_case `origin_url` inside the camelCase object). */
function v1Summary(s: SessionSummary) {
  return {
    conversationId: s.conversationId,
    path: s.path,
    preview: s.preview,
    timestamp: s.timestamp,
    modelProvider: s.modelProvider,
    cwd: s.cwd,
    cliVersion: s.cliVersion,
    source: s.source,
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
) {
  return {
    id: s.conversationId,
    preview: s.preview,
    modelProvider: s.modelProvider,
    createdAt: s.createdAt,
    path: s.path,
  };
}

function optionalStrings(p: Record<string, unknown>, key: string): string[] | null {
  const v = p[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw invalidRequest(`Invalid request: invalid type for \`${key}\`, expected a sequence of strings`);
  }
  return v as string[];
}

/** v2 thread ids are parsed by the handler (not the decoder), so their error reads `invalid thread id: …`. */
function threadId(p: Record<string, unknown>): string {
  const raw = requiredString(p, "threadId");
  try {
    return parseUuid(raw);
  } catch (err) {
    throw invalidRequest(`invalid thread id: ${(err as Error).message}`);
  }
}

const notFound = (id: string) => invalidRequest(`no rollout found for conversation id ${id}`);

function archiveFailure(err: unknown): never {
  const e = err as ArchiveError;
  if (e?.name === "ArchiveError")
    throw e.kind === "invalid" ? invalidRequest(e.message) : internalError(e.message);
  throw internalError(`failed to archive conversation: ${osErrorText(err)}`);
}

interface ResumeRequest {
  history: Record<string, unknown>[] | null;
  path: string | null;
  conversationId: string | null;
  settings: SessionSettings;
}

/**
 * The session methods: listing, summaries, archive and resume (v1 and v2), over the sessions store. Loaded
 * conversations join the same registry as new ones.
 */
export function createSessionHandlers(registry: ConversationRegistry, runtime: SessionRuntime) {
  const { store, defaultProvider } = runtime.sessions;

  /** The page request of `thread/list` (`limit`, a u32) or `listConversations` (`pageSize`, a usize). */
  const listParams = (params: unknown, struct: string, size: "limit" | "pageSize") => {
    const p = object(params, `struct ${struct}`);
    return {
      pageSize: optionalU32(p, size, size === "pageSize" ? "usize" : "u32"),
      cursor: optionalString(p, "cursor"),
      modelProviders: optionalStrings(p, "modelProviders"),
    };
  };
  type ListParams = ReturnType<typeof listParams>;
  const list = (p: ListParams) => store.list({ ...p, defaultProvider });

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

  /** Reads the rollout fully (bounded per line) and resumes it; load errors are the client's, as in 0.58.0. */
  const resumeFrom = async (path: string, settings: SessionSettings): Promise<ResumedConversation> => {
    let loaded: LoadedRollout;
    try {
      loaded = await store.loadHistory(path);
    } catch (err) {
      throw invalidRequest(`failed to load rollout \`${path}\`: ${osErrorText(err)}`);
    }
    const resumed = await runtime.resume(loaded, path, settings);
    registry.add(resumed);
    return resumed;
  };

  /** history (non-empty) > path > conversation id, as the v2 docs state; v1 follows the same order. */
  const resume = async (r: ResumeRequest): Promise<ResumedConversation | OpenedConversation> => {
    if (r.history && r.history.length > 0) {
      const forked = await runtime.fork(r.history, r.settings);
      registry.add(forked);
      return forked;
    }
    if (r.path !== null) return resumeFrom(r.path, r.settings);
    if (r.conversationId !== null) return resumeFrom(await pathOf(r.conversationId), r.settings);
    throw invalidRequest("either path, conversation id or non empty history must be provided");
  };

  const historyOf = (p: Record<string, unknown>) => {
    const h = p.history;
    if (h === undefined || h === null) return null;
    if (!Array.isArray(h))
      throw invalidRequest("Invalid request: invalid type: expected a sequence for `history`");
    return h.map((item) => object(item, "internally tagged enum ResponseItem"));
  };

  /** A thread with no user message yet has no summary. */
  const summaryOrNull = (path: string) => store.readSummary(path, defaultProvider).catch(() => null);

  const decodeResume = (params: unknown, name: string, dialect: Dialect): ResumeRequest => {
    const p = object(params, `struct ${name}`);
    if (dialect === "v1") {
      const overrides =
        p.overrides === undefined || p.overrides === null
          ? {}
          : object(p.overrides, "struct NewConversationParams");
      return {
        history: historyOf(p),
        path: optionalString(p, "path"),
        conversationId: p.conversationId == null ? null : requiredConversationId(p, "conversationId"),
        settings: sessionSettings(overrides, "v1"),
      };
    }
    return {
      history: historyOf(p),
      path: optionalString(p, "path"),
      conversationId: null,
      settings: sessionSettings(p, "v2"),
    };
  };

  return {
    listConversations: {
      decode: (params: unknown) => listParams(params, "ListConversationsParams", "pageSize"),
      async handle(p: ListParams) {
        const page = await list(p);
        return { items: page.items.map(v1Summary), nextCursor: page.nextCursor };
      },
    } satisfies RequestHandler<ListParams>,

    "thread/list": {
      decode: (params: unknown) => listParams(params, "ThreadListParams", "limit"),
      async handle(p: ListParams) {
        const page = await list(p);
        return { data: page.items.map(v2Thread), nextCursor: page.nextCursor };
      },
    } satisfies RequestHandler<ListParams>,

    getConversationSummary: {
      decode(params: unknown): { rolloutPath: string } | { conversationId: string } {
        const p = typeof params === "object" && params !== null ? (params as Record<string, unknown>) : {};
        if (typeof p.rolloutPath === "string") return { rolloutPath: p.rolloutPath };
        if (typeof p.conversationId === "string") {
          try {
            return { conversationId: parseUuid(p.conversationId) };
          } catch {
            // not a UUID: no variant matches, as below
          }
        }
        throw invalidRequest(
          "Invalid request: data did not match any variant of untagged enum GetConversationSummaryParams",
        );
      },
      async handle(p: { rolloutPath: string } | { conversationId: string }) {
        // A relative rolloutPath is taken from CODEX_HOME, as 0.58.0 does.
        const path =
          "rolloutPath" in p
            ? isAbsolute(p.rolloutPath)
              ? p.rolloutPath
              : join(store.codexHome, p.rolloutPath)
            : await pathOf(p.conversationId);
        try {
          return { summary: v1Summary(await store.readSummary(path, defaultProvider)) };
        } catch (err) {
          throw internalError(`failed to load conversation summary from ${path}: ${osErrorText(err)}`);
        }
      },
    } satisfies RequestHandler<{ rolloutPath: string } | { conversationId: string }>,

    archiveConversation: {
      decode(params: unknown) {
        const p = object(params, "struct ArchiveConversationParams");
        return { id: requiredConversationId(p, "conversationId"), path: requiredString(p, "rolloutPath") };
      },
      handle: (p: { id: string; path: string }) => archive(p.id, p.path),
    } satisfies RequestHandler<{ id: string; path: string }>,

    "thread/archive": {
      decode: (params: unknown) => object(params, "struct ThreadArchiveParams"),
      async handle(p: Record<string, unknown>) {
        const id = threadId(p);
        return archive(id, await pathOf(id));
      },
    } satisfies RequestHandler<Record<string, unknown>>,

    resumeConversation: {
      decode: (params: unknown) => decodeResume(params, "ResumeConversationParams", "v1"),
      async handle(r: ResumeRequest, { peer }) {
        const resumed = await resume(r);
        // 0.58.0 announces the resumed session before answering (v1 only; thread/resume does not).
        await peer.notify("sessionConfigured", sessionConfiguredNotification(resumed));
        return {
          conversationId: resumed.conversationId,
          model: resumed.sessionConfigured.model,
          initialMessages: "initialMessages" in resumed ? resumed.initialMessages : null,
          rolloutPath: resumed.rolloutPath,
        };
      },
    } satisfies RequestHandler<ResumeRequest>,

    "thread/resume": {
      decode(params: unknown) {
        const r = decodeResume(params, "ThreadResumeParams", "v2");
        const p = params as Record<string, unknown>;
        // The thread id is only looked at when neither history nor path is given (0.58.0 ignores it then).
        if (!(r.history && r.history.length > 0) && r.path === null) requiredString(p, "threadId");
        return { ...r, rawThreadId: p.threadId };
      },
      async handle(r: ResumeRequest & { rawThreadId: unknown }) {
        const usesId = !(r.history && r.history.length > 0) && r.path === null;
        const resumed = await resume(
          usesId ? { ...r, conversationId: threadId({ threadId: r.rawThreadId }) } : r,
        );
        registry.attachV2(resumed.conversationId);
        const summary = await summaryOrNull(resumed.rolloutPath);
        const thread = v2Thread({
          conversationId: resumed.conversationId,
          preview: summary?.preview ?? "",
          modelProvider: resumed.modelProvider ?? defaultProvider,
          createdAt: summary?.createdAt ?? Math.floor(Date.now() / 1000),
          path: resumed.rolloutPath,
        });
        return { thread };
      },
      afterResponse(result: unknown, { peer }) {
        void peer.notify("thread/started", { thread: (result as { thread: unknown }).thread });
      },
    } satisfies RequestHandler<ResumeRequest & { rawThreadId: unknown }>,
  };
}

/** The v1 `sessionConfigured` notification for a conversation, from the core's `session_configured` event. */
function sessionConfiguredNotification(c: OpenedConversation | ResumedConversation) {
  const e = c.sessionConfigured;
  return {
    sessionId: c.conversationId,
    model: e.model,
    reasoningEffort: e.reasoning_effort ?? null,
    historyLogId: Number(e.history_log_id ?? 0),
    historyEntryCount: Number(e.history_entry_count ?? 0),
    initialMessages: "initialMessages" in c ? c.initialMessages : null,
    rolloutPath: c.rolloutPath,
  };
}
