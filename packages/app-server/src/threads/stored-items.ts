import { fileURLToPath } from "node:url";
import { type gen0166, ReviewOutputEvent } from "@codex-ts/app-server-protocol";
import type { ReviewOutput } from "@codex-ts/core";
import { shlexJoin } from "@codex-ts/core";
import {
  absoluteIn,
  agentMessageItem,
  fileChangeItem,
  type ItemTimes,
  imageViewItem,
  reasoningItem,
  type ThreadItem0166,
  userMessageItem,
  webSearchAction0166,
  webSearchItem,
} from "../events/items-0166.js";
import { enteredReviewItem, exitedReviewItem } from "../events/review-0166.js";
import { collabItemFromRecord } from "./collab-item-records.js";

/**
 * One rollout line → what it adds to a stored turn, as 0.166.0 rebuilds history:
 *
 * - 0.166.0's own ("paginated") rollouts keep one `item_completed` event per finished item, in the core's tagged
 *   form (`UserMessage`, `CommandExecution`, …); each becomes the item the live stream showed, with its times.
 * - 0.58.0-format ("legacy") rollouts — ours — keep only the events of Codex's persistence policy: user, agent and
 *   reasoning messages, and a review's entry and exit (commands live in response items, which 0.166.0 does not show
 *   for them either); the turns 0.166.0 appends to one also keep `patch_apply_end`, `mcp_tool_call_end` and
 *   `web_search_end`, which become the patch, MCP call and web search 0.166.0 shows (this server writes the same
 *   events beside its own records, which win in a turn that has them).
 *
 * Lines are read from the file, so every field is checked before it is used: a line of an unexpected shape adds
 * nothing rather than failing the page.
 */

export type Json = Record<string, unknown>;

/** What a line contributes to its turn. */
export type LineEffect =
  /**
   * `legacy`: an event's item (shown only in a turn without `item_completed` records); `ownId`: it keeps its
   * event's call id instead of taking the `legacyItemId` it was given (numbered by the reader).
   */
  | { kind: "item"; item: ThreadItem0166; legacy?: boolean; ownId?: boolean }
  /** Legacy reasoning: consecutive parts are one item (the parts of one model output). */
  | { kind: "reasoning"; id: string; summary: string[]; content: string[] }
  | { kind: "error"; message: string }
  /** The turn's end; 0.166.0's records carry its times, and a failed turn's `error`. */
  | { kind: "aborted"; completedAt: number | null; durationMs: number | null }
  | { kind: "started"; rootTurnId: string | null; startedAt: number | null }
  | {
      kind: "completed";
      completedAt: number | null;
      durationMs: number | null;
      error: gen0166.TurnError | null;
    }
  | null;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Json, k: string): string | null => (typeof o[k] === "string" ? (o[k] as string) : null);
const num = (o: Json, k: string): number | null =>
  typeof o[k] === "number" && Number.isFinite(o[k]) ? (o[k] as number) : null;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];

/** The event payload of a rollout record (`{type: "event_msg", payload}`), else null. */
export function eventPayload(record: Json | null): Json | null {
  if (record?.type !== "event_msg" || !isObj(record.payload)) return null;
  return typeof record.payload.type === "string" ? record.payload : null;
}

/**
 * What a line adds; `legacyItemId` names the item a legacy line makes (legacy rollouts give their items no ids of
 * their own: 0.166.0 numbers them `item-1`, `item-2`, … across the thread, and the caller passes the next one).
 */
export function lineEffect(record: Json | null, legacyItemId: string): LineEffect {
  const msg = eventPayload(record);
  if (!msg) return null;
  switch (msg.type) {
    case "item_completed":
      return completedItem(msg);
    case "user_message": {
      const content: gen0166.UserInput[] = [];
      const text = str(msg, "message");
      if (text) content.push({ type: "text", text, text_elements: [] });
      for (const url of strings(msg.images)) content.push({ type: "image", url });
      return { kind: "item", item: userMessageItem(legacyItemId, content, null), legacy: true };
    }
    case "agent_message": {
      const text = str(msg, "message");
      return text === null
        ? null
        : { kind: "item", item: agentMessageItem(legacyItemId, text), legacy: true };
    }
    case "agent_reasoning":
    case "agent_reasoning_raw_content": {
      const text = str(msg, "text");
      if (text === null) return null;
      const summary = msg.type === "agent_reasoning" ? [text] : [];
      const content = msg.type === "agent_reasoning" ? [] : [text];
      return { kind: "reasoning", id: legacyItemId, summary, content };
    }
    case "entered_review_mode":
      return {
        kind: "item",
        item: enteredReviewItem(legacyItemId, str(msg, "user_facing_hint")),
        legacy: true,
      };
    case "exited_review_mode":
      return {
        kind: "item",
        item: exitedReviewItem(legacyItemId, reviewOutput(msg.review_output)),
        legacy: true,
      };
    case "patch_apply_end":
    case "mcp_tool_call_end":
    case "web_search_end": {
      // What 0.166.0 appends to a legacy rollout it continues (it records no `item_completed` there), and what
      // this server writes beside its own records: shown as 0.166.0 shows them, under their call ids.
      const item = eventItem(msg);
      return item ? { kind: "item", item, legacy: true, ownId: true } : null;
    }
    case "error":
      return { kind: "error", message: str(msg, "message") ?? "" };
    case "turn_aborted":
      return { kind: "aborted", completedAt: num(msg, "completed_at"), durationMs: num(msg, "duration_ms") };
    case "task_started":
      return { kind: "started", rootTurnId: str(msg, "root_turn_id"), startedAt: num(msg, "started_at") };
    case "task_complete":
      return {
        kind: "completed",
        completedAt: num(msg, "completed_at"),
        durationMs: num(msg, "duration_ms"),
        error: turnError(msg.error),
      };
    default:
      return null;
  }
}

/**
 * A legacy event of a finished tool call as the item 0.166.0 rebuilds from it: a patch (`patch_apply_end`), an MCP
 * call (`mcp_tool_call_end`, its `Ok` result or `Err` message) or a web search (`web_search_end`), without times.
 * Null without a call id.
 */
function eventItem(msg: Json): ThreadItem0166 | null {
  const id = str(msg, "call_id");
  if (id === null) return null;
  const times: ItemTimes = { startedAtMs: null, completedAtMs: null };
  switch (msg.type) {
    case "patch_apply_end": {
      const status = str(msg, "status") ?? (msg.success === false ? "failed" : "completed");
      return fileChangeItem(id, fileChanges(msg.changes), patchStatus(status), times);
    }
    case "mcp_tool_call_end": {
      const call = isObj(msg.invocation) ? msg.invocation : {};
      const outcome = isObj(msg.result) ? msg.result : {};
      const ok = isObj(outcome.Ok) ? outcome.Ok : null;
      const failed = ok === null || ok.isError === true;
      return mcpToolCall(
        id,
        {
          server: str(call, "server") ?? "",
          tool: str(call, "tool") ?? "",
          arguments: call.arguments ?? null,
          status: failed ? "failed" : "completed",
          result: ok,
          error: ok === null ? { message: typeof outcome.Err === "string" ? outcome.Err : "" } : null,
          duration: msg.duration,
        },
        times,
      );
    }
    default:
      return webSearchItem(id, str(msg, "query") ?? "", times, webSearchAction0166(msg.action));
  }
}

/** An `item_completed` event of a 0.166.0 rollout as the item it completed (null for kinds not shown). */
function completedItem(msg: Json): LineEffect {
  const item = msg.item;
  if (!isObj(item)) return null;
  const times: ItemTimes = {
    startedAtMs: num(msg, "started_at_ms"),
    completedAtMs: num(msg, "completed_at_ms"),
  };
  const built = coreItem(item, times);
  return built ? { kind: "item", item: built } : null;
}

function coreItem(item: Json, times: ItemTimes): ThreadItem0166 | null {
  const id = str(item, "id");
  if (id === null) return null;
  switch (item.type) {
    case "UserMessage":
      return userMessageItem(id, userInputs(item.content), null, times);
    case "AgentMessage": {
      const parts = Array.isArray(item.content) ? item.content.filter(isObj) : [];
      return agentMessageItem(id, parts.map((p) => str(p, "text") ?? "").join(""), times);
    }
    case "Reasoning":
      return reasoningItem(id, strings(item.summary_text), strings(item.raw_content), times);
    case "WebSearch":
      return webSearchItem(id, str(item, "query") ?? "", times, webSearchAction0166(item.action));
    case "ContextCompaction":
      return { type: "contextCompaction", id, ...times };
    case "CommandExecution":
      return commandExecution(id, item, times);
    case "FileChange":
      return fileChangeItem(id, fileChanges(item.changes), patchStatus(str(item, "status")), times);
    case "McpToolCall":
      return mcpToolCall(id, item, times);
    case "CollabAgentToolCall":
      return collabItemFromRecord(id, item, times);
    case "ImageView":
      return imageViewItem(id, localPath(str(item, "path") ?? ""), times);
    case "Plan":
      return { type: "plan", id, text: str(item, "text") ?? "", ...times };
    case "EnteredReviewMode":
      return enteredReviewItem(id, str(item, "user_facing_hint"), times);
    case "ExitedReviewMode":
      return exitedReviewItem(id, reviewOutput(item.review_output), times);
    default:
      return null;
  }
}

/** A failed turn's error as 0.166.0 records it in `task_complete` (`{message, codex_error_info}`). */
function turnError(v: unknown): gen0166.TurnError | null {
  if (!isObj(v)) return null;
  return {
    message: str(v, "message") ?? "",
    codexErrorInfo: errorInfo(v.codex_error_info),
    additionalDetails: null,
    misalignment: null,
  };
}

/** `codex_error_info` (snake_case names: `context_window_exceeded`, `{http_connection_failed: {…}}`) as the wire's. */
function errorInfo(v: unknown): gen0166.TurnError["codexErrorInfo"] {
  if (typeof v === "string") return snakeToCamel(v) as gen0166.TurnError["codexErrorInfo"];
  if (!isObj(v)) return null;
  const camelKeys = (o: Json): Json =>
    Object.fromEntries(Object.entries(o).map(([k, x]) => [snakeToCamel(k), isObj(x) ? camelKeys(x) : x]));
  return camelKeys(v) as gen0166.TurnError["codexErrorInfo"];
}

/** A recorded review output, when it has 0.166.0's shape (else the review shows as having none). */
function reviewOutput(v: unknown): ReviewOutput | null {
  const parsed = ReviewOutputEvent.safeParse(v);
  return parsed.success ? parsed.data : null;
}

function userInputs(v: unknown): gen0166.UserInput[] {
  const out: gen0166.UserInput[] = [];
  for (const c of Array.isArray(v) ? v.filter(isObj) : []) {
    if (c.type === "text") out.push({ type: "text", text: str(c, "text") ?? "", text_elements: [] });
    else if (c.type === "image" && str(c, "image_url") !== null)
      out.push({ type: "image", url: str(c, "image_url") ?? "" });
    else if (c.type === "local_image" && str(c, "path") !== null)
      out.push({ type: "localImage", path: str(c, "path") ?? "" });
    else if (c.type === "skill" && str(c, "name") !== null && str(c, "path") !== null)
      out.push({ type: "skill", name: str(c, "name") ?? "", path: str(c, "path") ?? "" });
  }
  return out;
}

const COMMAND_SOURCES: Record<string, gen0166.CommandExecutionSource> = {
  agent: "agent",
  user_shell: "userShell",
  unified_exec_startup: "unifiedExecStartup",
  unified_exec_interaction: "unifiedExecInteraction",
};
const COMMAND_STATUSES = new Set(["inProgress", "completed", "failed", "declined"]);
const snakeToCamel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function commandExecution(id: string, item: Json, times: ItemTimes): ThreadItem0166 {
  const command = Array.isArray(item.command)
    ? shlexJoin(strings(item.command))
    : (str(item, "command") ?? "");
  const cwd = localPath(str(item, "cwd") ?? "");
  const status = snakeToCamel(str(item, "status") ?? "completed");
  const duration = isObj(item.duration) ? item.duration : null;
  return {
    type: "commandExecution",
    id,
    pluginId: null,
    scriptPath: null,
    command,
    cwd,
    processId: str(item, "process_id"),
    source: COMMAND_SOURCES[str(item, "source") ?? "agent"] ?? "agent",
    status: COMMAND_STATUSES.has(status) ? (status as gen0166.CommandExecutionStatus) : "completed",
    commandActions: Array.isArray(item.parsed_cmd)
      ? item.parsed_cmd.filter(isObj).map((p) => commandAction(p, cwd))
      : [],
    aggregatedOutput: str(item, "aggregated_output"),
    exitCode: num(item, "exit_code"),
    durationMs: duration
      ? Math.floor((num(duration, "secs") ?? 0) * 1000 + (num(duration, "nanos") ?? 0) / 1e6)
      : null,
    ...times,
  };
}

/**
 * One of 0.166.0's recorded `parsed_cmd` entries as the wire's `CommandAction`: 0.166.0 records read paths as
 * written and shows them resolved against the command's cwd.
 */
function commandAction(p: Json, cwd: string): gen0166.CommandAction {
  const command = str(p, "cmd") ?? "";
  if (p.type === "read")
    return { type: "read", command, name: str(p, "name") ?? "", path: absoluteIn(cwd, str(p, "path") ?? "") };
  if (p.type === "list_files") return { type: "listFiles", command, path: str(p, "path") };
  if (p.type === "search") return { type: "search", command, query: str(p, "query"), path: str(p, "path") };
  return { type: "unknown", command };
}

/** 0.166.0 records a command's cwd as a `file://` URL; the wire shows the path. */
function localPath(cwd: string): string {
  if (!cwd.startsWith("file://")) return cwd;
  try {
    return fileURLToPath(cwd);
  } catch {
    return cwd;
  }
}

function fileChanges(v: unknown): gen0166.FileUpdateChange[] {
  if (!isObj(v)) return [];
  return Object.entries(v).flatMap(([path, c]): gen0166.FileUpdateChange[] => {
    if (!isObj(c)) return [];
    if (c.type === "add") return [{ path, kind: { type: "add" }, diff: str(c, "content") ?? "" }];
    if (c.type === "delete") return [{ path, kind: { type: "delete" }, diff: str(c, "content") ?? "" }];
    return [
      {
        path,
        kind: { type: "update", move_path: str(c, "move_path") },
        diff: str(c, "unified_diff") ?? "",
      },
    ];
  });
}

function patchStatus(s: string | null): gen0166.PatchApplyStatus {
  const status = snakeToCamel(s ?? "completed");
  return status === "inProgress" || status === "failed" || status === "declined" ? status : "completed";
}

function mcpToolCall(id: string, item: Json, times: ItemTimes): ThreadItem0166 {
  const status = snakeToCamel(str(item, "status") ?? "completed");
  const error = isObj(item.error) ? { message: str(item.error, "message") ?? "" } : null;
  const result = isObj(item.result)
    ? {
        content: Array.isArray(item.result.content) ? item.result.content : [],
        structuredContent: item.result.structured_content ?? item.result.structuredContent ?? null,
      }
    : null;
  const duration = isObj(item.duration) ? item.duration : null;
  return {
    type: "mcpToolCall",
    id,
    server: str(item, "server") ?? "",
    tool: str(item, "tool") ?? "",
    status: status === "inProgress" || status === "failed" ? status : "completed",
    arguments: item.arguments ?? null,
    result,
    error,
    durationMs: duration
      ? Math.floor((num(duration, "secs") ?? 0) * 1000 + (num(duration, "nanos") ?? 0) / 1e6)
      : null,
    ...times,
  };
}
