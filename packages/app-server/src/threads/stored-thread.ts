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
    source: sessionSource(s.sourceKind, s.source),
    parentThreadId: spawnedBy(s.source)?.parent_thread_id ?? null,
    canAcceptDirectInput: null,
    // A spawned agent's nickname and role, from its source, as 0.166.0 shows them.
    agentNickname: spawnedBy(s.source)?.agent_nickname ?? null,
    agentRole: spawnedBy(s.source)?.agent_role ?? null,
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

/** The recorded source as 0.166's `SessionSource`: a sub-agent's as 0.166.0 shows it (`{subAgent: …}`). */
function sessionSource(kind: ThreadSummary["sourceKind"], raw: unknown): gen0166.SessionSource {
  switch (kind) {
    case "cli":
    case "vscode":
    case "exec":
    case "appServer":
      return kind;
    case "subAgentReview":
      return { subAgent: "review" };
    case "subAgentCompact":
      return { subAgent: "compact" };
    case "subAgentThreadSpawn": {
      const spawn = spawnedBy(raw);
      return spawn ? { subAgent: { thread_spawn: spawn } } : "unknown";
    }
    case "subAgent": {
      const sub = isObj(raw) ? raw.subagent : null;
      return sub === "memory_consolidation" ? { subAgent: sub } : "unknown";
    }
    case "subAgentOther": {
      const other = subagentOf(raw)?.other;
      return typeof other === "string" ? { subAgent: { other } } : "unknown";
    }
    default:
      return "unknown";
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const subagentOf = (raw: unknown): Obj | null => (isObj(raw) && isObj(raw.subagent) ? raw.subagent : null);
const strOrNull = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** A spawned sub-agent's record (`source.subagent.thread_spawn`) with every field 0.166.0 shows, else null. */
function spawnedBy(raw: unknown) {
  const spawn = subagentOf(raw)?.thread_spawn;
  if (!isObj(spawn) || typeof spawn.parent_thread_id !== "string") return null;
  return {
    parent_thread_id: spawn.parent_thread_id,
    depth: typeof spawn.depth === "number" ? spawn.depth : 1,
    agent_path: strOrNull(spawn.agent_path),
    agent_nickname: strOrNull(spawn.agent_nickname),
    agent_role: strOrNull(spawn.agent_role),
  };
}

/** What 0.166.0 answers as the read state of a thread it keeps none for. */
export function initialReadState(threadId: string): gen0166.ThreadReadState {
  return { firstUnread: null, revision: `initial:${threadId}` };
}
