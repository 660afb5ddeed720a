import type { RolloutHead } from "./head.js";
import { type SessionSummary, summaryFromHead } from "./summary.js";

/**
 * What listing needs to know about one rollout, derived from its head. Small (no head records), so the index can
 * cache it per file; the summary is kept without the path and the default provider, which belong to the caller.
 */
export interface HeadFacts {
  /** session_meta.source; null when the head has no session_meta. */
  source: unknown;
  /** The recorded model_provider; null when none was recorded. */
  provider: string | null;
  sawUserEvent: boolean;
  /** The head was cut at HEAD_MAX_BYTES: listed even without a user event, with what was found. */
  cut?: boolean;
  /** Null when the head yields no summary (no session_meta on line one, or no real user message). */
  summary: Omit<SessionSummary, "path" | "modelProvider"> | null;
  /** 0.166.0 forks: the thread this one was forked from. */
  forkedFromId?: string | null;
  /** session_meta.thread_source: the client's label for the thread (0.166's `threadSource`). */
  threadSource?: string | null;
  /** 0.166.0 forks that copy nothing: the thread whose rollout holds their history (it must not be deleted). */
  historyBaseId?: string | null;
  /** `paginated` for threads 0.166.0 created, `legacy` otherwise (0.166.0's word for 0.58.0-format rollouts). */
  historyMode?: "legacy" | "paginated";
  /** session_meta.originator (the client that created the thread). */
  originator?: string | null;
  /** A spawned sub-agent's parent (session_meta `source.subagent.thread_spawn.parent_thread_id`), else null. */
  parentThreadId?: string | null;
}

export function factsFromHead(head: RolloutHead): HeadFacts {
  const full = summaryFromHead("", head, "");
  let summary: HeadFacts["summary"] = null;
  if (full) {
    const { path: _path, modelProvider: _provider, ...rest } = full;
    summary = rest;
  }
  const meta = head.meta;
  return {
    source: meta ? meta.source : null,
    provider: meta?.model_provider ?? null,
    sawUserEvent: head.sawUserEvent,
    cut: head.cut,
    summary,
    forkedFromId: typeof meta?.forked_from_id === "string" ? meta.forked_from_id : null,
    threadSource: typeof meta?.thread_source === "string" ? meta.thread_source : null,
    historyBaseId:
      typeof meta?.history_base?.thread_id === "string" ? meta.history_base.thread_id.toLowerCase() : null,
    historyMode: meta?.history_mode === "paginated" ? "paginated" : "legacy",
    originator: typeof meta?.originator === "string" ? meta.originator : null,
    parentThreadId: spawnParent(meta ? meta.source : null),
  };
}

/** The parent thread of a `{subagent: {thread_spawn: {parent_thread_id}}}` source (lower case), else null. */
export function spawnParent(source: unknown): string | null {
  if (typeof source !== "object" || source === null) return null;
  const sub = (source as { subagent?: unknown }).subagent;
  if (typeof sub !== "object" || sub === null) return null;
  const spawn = (sub as { thread_spawn?: unknown }).thread_spawn;
  if (typeof spawn !== "object" || spawn === null) return null;
  const parent = (spawn as { parent_thread_id?: unknown }).parent_thread_id;
  return typeof parent === "string" ? parent.toLowerCase() : null;
}

export function summaryFromFacts(
  path: string,
  facts: HeadFacts,
  defaultProvider: string,
): SessionSummary | null {
  if (!facts.summary) return null;
  return { ...facts.summary, path, modelProvider: facts.provider ?? defaultProvider };
}

/** Every source kind (also what a query for a thread's sub-agents lists when it names none). */
export const ALL_SOURCE_KINDS = [
  "cli",
  "vscode",
  "exec",
  "appServer",
  "subAgent",
  "subAgentReview",
  "subAgentCompact",
  "subAgentThreadSpawn",
  "subAgentOther",
  "unknown",
] as const;

/**
 * 0.166.0's ThreadSourceKind of a session_meta `source`: `cli`, `vscode`, `exec`, `appServer` (0.58.0's `mcp`),
 * `subAgent*` for `{subagent: …}` sources, `unknown` otherwise.
 */
export type SourceKind = (typeof ALL_SOURCE_KINDS)[number];

export function sourceKind(source: unknown): SourceKind {
  switch (source) {
    case "cli":
    case "vscode":
    case "exec":
      return source;
    case "mcp":
    case "app_server":
    case "appServer":
      return "appServer";
  }
  if (typeof source !== "object" || source === null) return "unknown";
  const sub = (source as { subagent?: unknown }).subagent;
  if (sub === undefined) return "unknown";
  if (sub === "review") return "subAgentReview";
  if (sub === "compact") return "subAgentCompact";
  if (typeof sub === "object" && sub !== null) {
    if ("thread_spawn" in sub) return "subAgentThreadSpawn";
    if ("other" in sub) return "subAgentOther";
  }
  return "subAgent";
}

/** The sources listed when a query names none: interactive sessions, as both generations list by default. */
export const INTERACTIVE_SOURCE_KINDS: readonly SourceKind[] = ["cli", "vscode"];

/** Whether a file is a thread listing can show at all (before the source and provider filters). */
export function isListable(facts: HeadFacts): boolean {
  return (facts.sawUserEvent || facts.cut === true) && facts.summary !== null;
}
