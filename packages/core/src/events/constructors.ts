import type {
  Duration,
  ExecOutputStream,
  FileChange,
  McpInvocation,
  ParsedCommand,
  PlanItemArg,
  RateLimitSnapshot,
  Result_of_CallToolResult_or_String,
  ReviewOutputEvent,
  SandboxCommandAssessment,
  TokenUsageInfo,
  TurnItem,
} from "@codex-ts/app-server-protocol";
import type {
  McpToolCallProgressEvent,
  StreamItemsDiscardedEvent,
  TerminalInteractionEvent,
  UnifiedExecCommandEvent,
  WebSearchActionEvent,
} from "./extension.js";
import type { CodexEventOf as Of } from "./types.js";

// Every event the core emits is built here, typed by the protocol's `EventMsg` variant it is. Keys are listed in the
// order they reach rollout files and clients (0.58.0's order), so keep it when adding fields.

export const error = (message: string): Of<"error"> => ({ type: "error", message });

export const warning = (message: string): Of<"warning"> => ({ type: "warning", message });

/** A retry notice (`Reconnecting... n/N`). */
export const streamError = (message: string): Of<"stream_error"> => ({ type: "stream_error", message });

export const taskStarted = (modelContextWindow: number | null): Of<"task_started"> => ({
  type: "task_started",
  model_context_window: modelContextWindow,
});

export const taskComplete = (lastAgentMessage: string | null): Of<"task_complete"> => ({
  type: "task_complete",
  last_agent_message: lastAgentMessage,
});

/** The running task was interrupted (the only reason the core reports). */
export const turnAborted = (): Of<"turn_aborted"> => ({ type: "turn_aborted", reason: "interrupted" });

export const shutdownComplete = (): Of<"shutdown_complete"> => ({ type: "shutdown_complete" });

export const tokenCount = (
  info: TokenUsageInfo | null,
  rateLimits: RateLimitSnapshot | null,
): Of<"token_count"> => ({ type: "token_count", info, rate_limits: rateLimits });

export const userMessage = (message: string, images: string[]): Of<"user_message"> => ({
  type: "user_message",
  message,
  images,
});

export const agentMessage = (message: string): Of<"agent_message"> => ({ type: "agent_message", message });

/**
 * A review started (0.58.0's `entered_review_mode`: its `ReviewRequest` flattened). `target` is what 0.166.0's
 * `ReviewRequest` reads back from a rollout in place of `prompt`; both are kept, so each version reads the line.
 */
export const enteredReviewMode = (r: {
  target: unknown;
  prompt: string;
  user_facing_hint: string;
}): Of<"entered_review_mode"> =>
  ({
    type: "entered_review_mode",
    target: r.target,
    prompt: r.prompt,
    user_facing_hint: r.user_facing_hint,
  }) as Of<"entered_review_mode">;

/** A review ended; its parsed output, or null when the reviewer gave none (interrupted, failed, empty). */
export const exitedReviewMode = (output: ReviewOutputEvent | null): Of<"exited_review_mode"> => ({
  type: "exited_review_mode",
  review_output: output,
});

export const agentReasoning = (text: string): Of<"agent_reasoning"> => ({ type: "agent_reasoning", text });

export const agentReasoningRawContent = (text: string): Of<"agent_reasoning_raw_content"> => ({
  type: "agent_reasoning_raw_content",
  text,
});

export const agentReasoningSectionBreak = (): Of<"agent_reasoning_section_break"> => ({
  type: "agent_reasoning_section_break",
});

/** Where a turn item belongs: the conversation (thread) and the submission (turn). */
export interface TurnRef {
  threadId: string;
  turnId: string;
}

export const itemStarted = (at: TurnRef, item: TurnItem): Of<"item_started"> => ({
  type: "item_started",
  thread_id: at.threadId,
  turn_id: at.turnId,
  item,
});

export const itemCompleted = (at: TurnRef, item: TurnItem): Of<"item_completed"> => ({
  type: "item_completed",
  thread_id: at.threadId,
  turn_id: at.turnId,
  item,
});

/** Each streamed delta's item event (with thread, turn and item ids) and the legacy event that follows it. */
const DELTA_EVENTS = {
  text_delta: ["agent_message_content_delta", "agent_message_delta"],
  reasoning_summary_delta: ["reasoning_content_delta", "agent_reasoning_delta"],
  reasoning_content_delta: ["reasoning_raw_content_delta", "agent_reasoning_raw_content_delta"],
} as const;

/** The model-stream delta kinds that become events. */
export type StreamedDelta = keyof typeof DELTA_EVENTS;

/** A streamed delta as 0.58.0 sends it: the item event first, then its legacy form. */
export function deltaEvents(
  kind: StreamedDelta,
  at: TurnRef,
  itemId: string,
  delta: string,
): [Of<(typeof DELTA_EVENTS)[StreamedDelta][0]>, Of<(typeof DELTA_EVENTS)[StreamedDelta][1]>] {
  const [itemEvent, legacyEvent] = DELTA_EVENTS[kind];
  return [
    { type: itemEvent, thread_id: at.threadId, turn_id: at.turnId, item_id: itemId, delta },
    { type: legacyEvent, delta },
  ];
}

export const webSearchEnd = (callId: string, query: string): Of<"web_search_end"> => ({
  type: "web_search_end",
  call_id: callId,
  query,
});

/** What a command event says about the command: its argv, working directory and summary. */
export interface CommandView {
  command: string[];
  cwd: string;
  parsedCmd: ParsedCommand[];
}

export const execCommandBegin = (callId: string, c: CommandView): Of<"exec_command_begin"> => ({
  type: "exec_command_begin",
  call_id: callId,
  command: c.command,
  cwd: c.cwd,
  parsed_cmd: c.parsedCmd,
  is_user_shell_command: false,
});

/** One chunk of a command's (or patch's) output, base64 as Codex sends it. */
export const execCommandOutputDelta = (
  callId: string,
  stream: ExecOutputStream,
  chunk: Buffer,
): Of<"exec_command_output_delta"> => ({
  type: "exec_command_output_delta",
  call_id: callId,
  stream,
  chunk: chunk.toString("base64"),
});

/** The `exec_command_end` fields after `call_id` (tools/exec-output.ts `ExecEndFields`). */
export type ExecEnd = Omit<Of<"exec_command_end">, "type" | "call_id">;

export const execCommandEnd = (callId: string, end: ExecEnd): Of<"exec_command_end"> => ({
  type: "exec_command_end",
  call_id: callId,
  ...end,
});

export const execApprovalRequest = (
  callId: string,
  c: CommandView,
  reason: string | null,
  risk: SandboxCommandAssessment | null,
): Of<"exec_approval_request"> => ({
  type: "exec_approval_request",
  call_id: callId,
  command: c.command,
  cwd: c.cwd,
  parsed_cmd: c.parsedCmd,
  // 0.58.0 leaves these keys out when they are none (its serde `skip_serializing_if`).
  ...(reason !== null ? { reason } : {}),
  ...(risk !== null ? { risk } : {}),
});

export const applyPatchApprovalRequest = (
  callId: string,
  changes: Record<string, FileChange>,
): Of<"apply_patch_approval_request"> => ({
  type: "apply_patch_approval_request",
  call_id: callId,
  changes,
  reason: null,
  grant_root: null,
});

export const patchApplyBegin = (
  callId: string,
  autoApproved: boolean,
  changes: Record<string, FileChange>,
): Of<"patch_apply_begin"> => ({
  type: "patch_apply_begin",
  call_id: callId,
  auto_approved: autoApproved,
  changes,
});

export const patchApplyEnd = (
  callId: string,
  r: { stdout: string; stderr: string; success: boolean },
): Of<"patch_apply_end"> => ({
  type: "patch_apply_end",
  call_id: callId,
  stdout: r.stdout,
  stderr: r.stderr,
  success: r.success,
});

export const backgroundEvent = (message: string): Of<"background_event"> => ({
  type: "background_event",
  message,
});

export const turnDiff = (unifiedDiff: string): Of<"turn_diff"> => ({
  type: "turn_diff",
  unified_diff: unifiedDiff,
});

export const planUpdate = (explanation: string | null, plan: PlanItemArg[]): Of<"plan_update"> => ({
  type: "plan_update",
  explanation,
  plan,
});

export const viewImageToolCall = (callId: string, path: string): Of<"view_image_tool_call"> => ({
  type: "view_image_tool_call",
  call_id: callId,
  path,
});

export const mcpToolCallBegin = (callId: string, invocation: McpInvocation): Of<"mcp_tool_call_begin"> => ({
  type: "mcp_tool_call_begin",
  call_id: callId,
  invocation,
});

export const mcpToolCallEnd = (
  callId: string,
  invocation: McpInvocation,
  duration: Duration,
  result: Result_of_CallToolResult_or_String,
): Of<"mcp_tool_call_end"> => ({ type: "mcp_tool_call_end", call_id: callId, invocation, duration, result });

/** An extension event (extension.ts): transient, never recorded. */
export const mcpToolCallProgress = (callId: string, message: string): McpToolCallProgressEvent => ({
  type: "mcp_tool_call_progress",
  call_id: callId,
  message,
});

export const webSearchAction = (itemId: string, action: Record<string, unknown>): WebSearchActionEvent => ({
  type: "web_search_action",
  item_id: itemId,
  action,
});

export const streamItemsDiscarded = (itemIds: string[]): StreamItemsDiscardedEvent => ({
  type: "stream_items_discarded",
  item_ids: itemIds,
});

export const terminalInteraction = (i: {
  callId: string;
  processId: string;
  stdin: string;
}): TerminalInteractionEvent => ({
  type: "terminal_interaction",
  call_id: i.callId,
  process_id: i.processId,
  stdin: i.stdin,
});

export const unifiedExecCommand = (c: {
  phase: UnifiedExecCommandEvent["phase"];
  callId: string;
  command: string[];
  parsedCmd: ParsedCommand[];
  processId: string | null;
}): UnifiedExecCommandEvent => ({
  type: "unified_exec_command",
  phase: c.phase,
  call_id: c.callId,
  command: c.command,
  parsed_cmd: c.parsedCmd,
  process_id: c.processId,
});
