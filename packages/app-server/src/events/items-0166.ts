import { posix } from "node:path";
import type { EventMsg, FileChange, gen0166, TurnItem, UserInput } from "@codex-ts/app-server-protocol";
import { parseCommand0166, shlexJoin } from "@codex-ts/core";
import { durationMs, mcpOutcome } from "./core-events.js";

/**
 * 0.166.0's thread items, built from what the core reports (its events, its turn items, the payloads of its rollout
 * lines). The live event mapper (`v0166.ts`) and the turn history rebuilt from a rollout (`threads/stored-*.ts`)
 * both build items here, so an item looks the same whether it streamed or was read back.
 */
export type ThreadItem0166 = gen0166.ThreadItem;
export type ItemOf0166<T extends ThreadItem0166["type"]> = Extract<ThreadItem0166, { type: T }>;

/** When an item started and completed (ms since the epoch; null while unknown or still running). */
export interface ItemTimes {
  startedAtMs: number | null;
  completedAtMs: number | null;
}

const NO_TIMES: ItemTimes = { startedAtMs: null, completedAtMs: null };

/** Core `UserInput` → 0.166 `UserInput` (`text_elements` empty, as 0.166.0 sends for plain text). */
export function userInput0166(input: UserInput): gen0166.UserInput {
  // A selected skill (core user-input.ts): a kind only 0.166 clients send, outside the v1 UserInput type.
  const skill = input as UserInput | { type: "skill"; name: string; path: string };
  if (skill.type === "skill") return { type: "skill", name: skill.name, path: skill.path };
  if (input.type === "image") return { type: "image", url: input.image_url };
  if (input.type === "local_image") return { type: "localImage", path: input.path };
  return { type: "text", text: input.text, text_elements: [] };
}

export function userMessageItem(
  id: string,
  content: gen0166.UserInput[],
  clientId: string | null,
  times: ItemTimes = NO_TIMES,
): ItemOf0166<"userMessage"> {
  return { type: "userMessage", id, clientId, content, ...times };
}

export function agentMessageItem(
  id: string,
  text: string,
  times: ItemTimes = NO_TIMES,
): ItemOf0166<"agentMessage"> {
  return {
    type: "agentMessage",
    id,
    text,
    phase: null,
    memoryCitation: null,
    delivery: null,
    questions: null,
    ...times,
  };
}

export function reasoningItem(
  id: string,
  summary: string[],
  content: string[],
  times: ItemTimes = NO_TIMES,
): ItemOf0166<"reasoning"> {
  return { type: "reasoning", id, summary, content, ...times };
}

/**
 * A core turn item (`item_started` / `item_completed`) as 0.166 shows it; `clientId` is the client's id for a
 * user message it sent (`turn/steer`'s `clientUserMessageId`).
 */
export function threadItem0166(
  item: TurnItem,
  times: ItemTimes,
  clientId: string | null = null,
): ThreadItem0166 {
  if ("UserMessage" in item)
    return userMessageItem(item.UserMessage.id, item.UserMessage.content.map(userInput0166), clientId, times);
  if ("AgentMessage" in item) {
    const text = item.AgentMessage.content.map((c) => c.Text.text).join("");
    return agentMessageItem(item.AgentMessage.id, text, times);
  }
  if ("Reasoning" in item) {
    const r = item.Reasoning;
    return reasoningItem(r.id, r.summary_text, r.raw_content ?? [], times);
  }
  return webSearchItem(item.WebSearch.id, item.WebSearch.query, times);
}

export function webSearchItem(
  id: string,
  query: string,
  times: ItemTimes = NO_TIMES,
  action: gen0166.WebSearchAction | null = null,
): ItemOf0166<"webSearch"> {
  return { type: "webSearch", id, query, action, results: null, ...times };
}

const str = (o: Record<string, unknown>, k: string): string | null =>
  typeof o[k] === "string" ? (o[k] as string) : null;

/**
 * A web search's action as the 0.166 wire shows it, from the Responses API's (or a rollout's) snake_case form:
 * `search {query, queries}`, `openPage {url}`, `findInPage {url, pattern}`, else `other`. Null when there is none.
 */
export function webSearchAction0166(raw: unknown): gen0166.WebSearchAction | null {
  if (typeof raw !== "object" || raw === null) return null;
  const a = raw as Record<string, unknown>;
  switch (a.type) {
    case "search": {
      const queries = Array.isArray(a.queries) ? a.queries.filter((q) => typeof q === "string") : null;
      return { type: "search", query: str(a, "query"), queries };
    }
    case "open_page":
    case "openPage":
      return { type: "openPage", url: str(a, "url") };
    case "find_in_page":
    case "findInPage":
      return { type: "findInPage", url: str(a, "url"), pattern: str(a, "pattern") };
    default:
      return { type: "other" };
  }
}

/**
 * 0.166.0's `commandActions` for `argv` run in `cwd`: its parser's summary (not 0.58.0's, which the core's
 * `parsed_cmd` follows), with read paths made absolute against the cwd as 0.166.0 sends them (search and listing
 * paths stay as written).
 */
export function commandActions(argv: readonly string[], cwd: string): gen0166.CommandAction[] {
  return parseCommand0166(argv).map((p): gen0166.CommandAction => {
    if (p.type === "read")
      return { type: "read", command: p.cmd, name: p.name, path: absoluteIn(cwd, p.path) };
    if (p.type === "list_files") return { type: "listFiles", command: p.cmd, path: p.path ?? null };
    if (p.type === "search")
      return { type: "search", command: p.cmd, query: p.query ?? null, path: p.path ?? null };
    return { type: "unknown", command: p.cmd };
  });
}

/** A read action's path as 0.166.0 shows it: resolved against the command's cwd (when that is absolute). */
export function absoluteIn(cwd: string, path: string): string {
  return posix.isAbsolute(cwd) ? posix.resolve(cwd, path) : path;
}

/** What a command item says about its command and its outcome. */
export interface CommandState {
  id: string;
  command: string[];
  cwd: string;
  status: gen0166.CommandExecutionStatus;
  aggregatedOutput?: string | null;
  exitCode?: number | null;
  durationMs?: number | null;
  /** Who ran it: the model (`agent`, the default) or the user (`userShell`: `thread/shellCommand`). */
  source?: gen0166.CommandExecutionSource;
}

export function commandItem(c: CommandState, times: ItemTimes = NO_TIMES): ItemOf0166<"commandExecution"> {
  return {
    type: "commandExecution",
    id: c.id,
    pluginId: null,
    scriptPath: null,
    command: shlexJoin(c.command),
    cwd: c.cwd,
    processId: null,
    source: c.source ?? "agent",
    status: c.status,
    commandActions: commandActions(c.command, c.cwd),
    aggregatedOutput: c.aggregatedOutput ?? null,
    exitCode: c.exitCode ?? null,
    durationMs: c.durationMs ?? null,
    ...times,
  };
}

/**
 * A command item started by its `exec_command_begin` (or, when approval comes first, its `exec_approval_request`):
 * in progress, run by the model unless the event says the user ran it (`thread/shellCommand`).
 */
export function startedCommand(
  msg: Extract<EventMsg, { type: "exec_command_begin" } | { type: "exec_approval_request" }>,
): ItemOf0166<"commandExecution"> {
  const byUser = msg.type === "exec_command_begin" && msg.is_user_shell_command;
  return commandItem({
    id: msg.call_id,
    command: msg.command,
    cwd: msg.cwd,
    status: "inProgress",
    ...(byUser ? { source: "userShell" as const } : {}),
  });
}

/** A command item completed by its `exec_command_end`. */
export function endedCommand(
  item: ItemOf0166<"commandExecution">,
  msg: Extract<EventMsg, { type: "exec_command_end" }>,
): ItemOf0166<"commandExecution"> {
  return {
    ...item,
    status: msg.exit_code === 0 ? "completed" : "failed",
    // 0.166.0 reports a unified exec command that printed nothing with a null output.
    aggregatedOutput:
      msg.aggregated_output || (item.source === "unifiedExecStartup" ? null : (msg.aggregated_output ?? "")),
    exitCode: msg.exit_code,
    durationMs: durationMs(msg.duration),
  };
}

/** A patch's changes (path → core `FileChange`) as 0.166's `changes`. */
export function fileUpdateChanges(changes: Readonly<Record<string, FileChange>>): gen0166.FileUpdateChange[] {
  return Object.entries(changes).map(([path, change]): gen0166.FileUpdateChange => {
    if ("add" in change) return { path, kind: { type: "add" }, diff: change.add.content };
    if ("delete" in change) return { path, kind: { type: "delete" }, diff: change.delete.content };
    return {
      path,
      kind: { type: "update", move_path: change.update.move_path ?? null },
      diff: change.update.unified_diff,
    };
  });
}

export function fileChangeItem(
  id: string,
  changes: gen0166.FileUpdateChange[],
  status: gen0166.PatchApplyStatus,
  times: ItemTimes = NO_TIMES,
): ItemOf0166<"fileChange"> {
  return { type: "fileChange", id, changes, status, ...times };
}

export function imageViewItem(
  id: string,
  path: string,
  times: ItemTimes = NO_TIMES,
): ItemOf0166<"imageView"> {
  return { type: "imageView", id, path, ...times };
}

type McpEnd = Extract<EventMsg, { type: "mcp_tool_call_end" }>;

/** An MCP tool call as it starts. */
export function mcpToolCallItem(
  callId: string,
  invocation: McpEnd["invocation"],
  times: ItemTimes = NO_TIMES,
): ItemOf0166<"mcpToolCall"> {
  return {
    type: "mcpToolCall",
    id: callId,
    server: invocation.server,
    tool: invocation.tool,
    status: "inProgress",
    arguments: invocation.arguments ?? null,
    result: null,
    error: null,
    durationMs: null,
    ...times,
  };
}

/** `item` (the call as it started) with the outcome the core reported: its result, or its error as `failed`. */
export function mcpToolCallDone(item: ItemOf0166<"mcpToolCall">, end: McpEnd): ItemOf0166<"mcpToolCall"> {
  return { ...item, ...mcpOutcome(end.result), durationMs: durationMs(end.duration) };
}
