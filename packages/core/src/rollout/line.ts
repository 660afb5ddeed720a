import type { ResponseItem } from "@codex-ts/app-server-protocol";
import type { CodexEventMsg } from "../events/types.js";

/** The `session_meta` payload, keys in the order Codex writes them. */
export interface SessionMetaPayload {
  id: string;
  timestamp: string;
  cwd: string;
  originator: string;
  cli_version: string;
  instructions: string | null;
  source: unknown;
  model_provider?: string;
  git?: GitInfo;
  /** 0.166.0: the thread this one was forked from. */
  forked_from_id?: string;
  /** 0.166.0: `paginated` for threads it created (turns and items projected from the rollout); absent = legacy. */
  history_mode?: string;
  /** 0.166.0 forks: the parent's rollout holds this thread's history up to `end_byte_offset`. */
  history_base?: { thread_id?: string; end_ordinal_exclusive?: number; end_byte_offset?: number };
  /** 0.166.0: the client's label for the thread (`threadSource` of `thread/start` / `thread/fork`). */
  thread_source?: string | null;
  /** 0.166.0: the thread's workspace roots (`runtimeWorkspaceRoots`; absent: its cwd). */
  runtime_workspace_roots?: string[];
  /** 0.166.0's reviewer sub-thread (`thread_source: "guardian_review"`): the thread whose actions it reviews. */
  parent_thread_id?: string;
}

export interface GitInfo {
  commit_hash?: string;
  branch?: string;
  repository_url?: string;
}

/** One record of a rollout file (`{timestamp, type, payload}` on disk). */
export type RolloutItem =
  | { type: "session_meta"; payload: SessionMetaPayload }
  | { type: "response_item"; payload: ResponseItem }
  | { type: "event_msg"; payload: CodexEventMsg }
  | { type: "turn_context"; payload: Record<string, unknown> }
  | { type: "compacted"; payload: { message: string; replacement_history?: unknown[] } };

export type RolloutLine = RolloutItem & { timestamp: string };

const ITEM_TYPES = new Set(["session_meta", "response_item", "event_msg", "turn_context", "compacted"]);

/**
 * How a rollout keeps its history:
 * - `legacy` (0.58.0's format, every rollout this implementation starts): the events of Codex's persistence policy
 *   (user, agent and reasoning messages, reviews, aborts), from which turns are inferred. A 0.166 thread's rollout
 *   also gets 0.166.0's turn and item records (task events, `item_completed`), which readers that know them prefer.
 * - `paginated` (0.166.0's own threads, `history_mode` in their session_meta, lines numbered by `ordinal`): each
 *   turn is delimited by `task_started` and `task_complete` / `turn_aborted` events carrying its id, and each
 *   finished item is one `item_completed` event, as the live stream showed it. The core records only what it alone
 *   knows there (token counts); the turn and item records are the 0.166 event mapper's.
 * The turn and item records are written through `RolloutRecorder.recordAsIs`.
 */
export type HistoryMode = "legacy" | "paginated";

/** Events kept in legacy rollouts (Codex 0.58.0's persistence policy); every other event is transient. */
const PERSISTED_EVENTS = new Set([
  "user_message",
  "agent_message",
  "agent_reasoning",
  "agent_reasoning_raw_content",
  "token_count",
  "entered_review_mode",
  "exited_review_mode",
  "undo_completed",
  "turn_aborted",
]);

/** Core events kept in paginated rollouts; the turns and items are recorded by the projection (see HistoryMode). */
const PAGINATED_CORE_EVENTS = new Set(["token_count", "undo_completed"]);

export function isPersisted(item: RolloutItem, mode: HistoryMode = "legacy"): boolean {
  switch (item.type) {
    case "event_msg":
      return (mode === "paginated" ? PAGINATED_CORE_EVENTS : PERSISTED_EVENTS).has(
        (item.payload as { type: string }).type,
      );
    case "response_item":
      return (item.payload as { type: string }).type !== "other";
    default:
      return true;
  }
}

/**
 * One compact JSON line (key order `timestamp`, `ordinal` when given, `type`, `payload`), newline-terminated. The
 * `ordinal` numbers the lines of a paginated rollout (ordinal.ts).
 */
export function serializeLine(item: RolloutItem, at: Date = new Date(), ordinal?: number): string {
  const timestamp = at.toISOString();
  const line =
    ordinal === undefined
      ? { timestamp, type: item.type, payload: item.payload }
      : { timestamp, ordinal, type: item.type, payload: item.payload };
  return `${JSON.stringify(line)}\n`;
}

/** Parses one line; blank, torn or unknown lines give null (they are skipped, never fatal). */
export function parseLine(text: string): RolloutLine | null {
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return rolloutLineFrom(value);
}

/** A parsed JSON value as a rollout line of a kind this implementation knows; null otherwise. */
export function rolloutLineFrom(value: unknown): RolloutLine | null {
  if (typeof value !== "object" || value === null) return null;
  const { type, payload, timestamp } = value as Record<string, unknown>;
  if (typeof type !== "string" || !ITEM_TYPES.has(type) || typeof payload !== "object" || payload === null) {
    return null;
  }
  return { timestamp: typeof timestamp === "string" ? timestamp : "", type, payload } as RolloutLine;
}

/**
 * A history item as a `response_item` line. The conversation keeps its items as the JSON the model (or the client)
 * sent, normalized but not decoded; the rollout types the payload as the protocol's `ResponseItem`, which that JSON
 * is meant to be.
 */
export function responseItemLine(item: Record<string, unknown>): RolloutItem {
  return { type: "response_item", payload: item as ResponseItem };
}
