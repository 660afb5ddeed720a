import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { ThreadSummary } from "@codex-ts/core";
import { threadObject } from "./thread-object.js";

/**
 * A stored thread (a row of the sessions index, or a fresh look at one rollout) as 0.166's `Thread`, the way
 * 0.166.0 shows a thread it has not loaded: no environments, no model (0.58.0-format rollouts do not record it in
 * their session_meta), `canAcceptDirectInput` unknown, and the status the caller knows (`notLoaded`, or a loaded
 * thread's live status).
 */
export function storedThreadObject(
  s: ThreadSummary,
  status: gen0166.ThreadStatus,
  turns: gen0166.Turn[] = [],
): gen0166.Thread {
  const base = threadObject({
    id: s.conversationId,
    cwd: s.cwd,
    path: s.path,
    preview: s.preview,
    modelProvider: s.modelProvider,
    model: "",
    reasoningEffort: null,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    cliVersion: s.cliVersion,
    originator: s.originator,
    ephemeral: false,
    status,
    turns,
  });
  return {
    ...base,
    environments: null,
    forkedFromId: s.forkedFromId,
    historyMode: s.historyMode,
    model: null,
    source: sessionSource(s.sourceKind),
    canAcceptDirectInput: null,
    gitInfo: s.git
      ? {
          sha: s.git.commit_hash ?? null,
          branch: s.git.branch ?? null,
          originUrl: s.git.repository_url ?? null,
        }
      : null,
    name: s.name,
  };
}

/** The listing's source kind as 0.166's `SessionSource` (sub-agent kinds keep their family). */
function sessionSource(kind: ThreadSummary["sourceKind"]): gen0166.SessionSource {
  switch (kind) {
    case "cli":
    case "vscode":
    case "exec":
    case "appServer":
      return kind;
    default:
      return "unknown";
  }
}

/** What 0.166.0 answers as the read state of a thread it keeps none for. */
export function initialReadState(threadId: string): gen0166.ThreadReadState {
  return { firstUnread: null, revision: `initial:${threadId}` };
}
