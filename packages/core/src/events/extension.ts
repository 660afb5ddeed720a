import type { ParsedCommand } from "@codex-ts/app-server-protocol";
import type { ThreadGoalRow } from "../goals/store.js";
import type { McpElicitationRequest } from "../mcp/types.js";

/**
 * Core events that 0.58.0's `EventMsg` union has no variant for. They exist only to feed v2 notifications that
 * 0.58.0 declares but never sends (e.g. `item/mcpToolCall/progress`), are never recorded in a rollout, and must
 * not reach clients that decode every `codex/event` against 0.58.0's union (v1 listeners, MCP clients).
 */

/** One `notifications/progress` of a running MCP tool call (v2 `item/mcpToolCall/progress`). */
// A type alias, not an interface: like the protocol's zod-inferred variants it then fits `Record<string, unknown>`.
export type McpToolCallProgressEvent = {
  type: "mcp_tool_call_progress";
  call_id: string;
  message: string;
};

/**
 * A model request of the turn failed after it had started items (`item_started` of an agent message or reasoning)
 * that will now never complete: emitted just before the turn's `stream_error "Reconnecting... n/N"` (or its final
 * `error`). 0.58.0 sends nothing here (its v1 clients see those items stay open, then the retry's items); a v2
 * mapper drops them (no `item/completed`, not listed in `turn/completed`), as the history and the rollout never
 * hold a failed request's items.
 */
export type StreamItemsDiscardedEvent = {
  type: "stream_items_discarded";
  item_ids: string[];
};

/**
 * A `write_stdin` call fed a unified exec session (sent after the call's own events). 0.58.0 has no such event; later
 * Codex sends it as `EventMsg::TerminalInteraction`, which the 0.166 protocol reports as
 * `item/commandExecution/terminalInteraction {itemId: call_id, processId: process_id, stdin}`. `call_id` is the
 * exec_command call that started the session (the command item's id), `process_id` the session id as a string.
 */
export type TerminalInteractionEvent = {
  type: "terminal_interaction";
  call_id: string;
  process_id: string;
  stdin: string;
};

/**
 * An `exec_command` call of 0.166.0's unified exec (the `gpt-5.5` tools), in phases: `announced` just before the
 * call's `exec_command_begin` (whose `command` is the bare `cmd`, as 0.58.0 shows it), `started` with the process
 * id once the command runs, `rejected` when the user refused it (0.58.0 sends no `exec_command_end` then). The 0.166
 * protocol's command item starts at `started`, showing the shell's argv joined, the process id and `source:
 * unifiedExecStartup`, as 0.166.0 reports it; `rejected` completes it as declined. `parsed_cmd` is from the argv.
 */
export type UnifiedExecCommandEvent = {
  type: "unified_exec_command";
  phase: "announced" | "started" | "rejected";
  call_id: string;
  command: string[];
  parsed_cmd: ParsedCommand[];
  process_id: string | null;
};

/**
 * A goal tool changed the thread's goal (`create_goal`, `update_goal`): the 0.166 protocol reports it as
 * `thread/goal/updated` with the turn's id, as 0.166.0's `EventMsg::ThreadGoalUpdated`. The goal as stored.
 */
export type ThreadGoalUpdatedEvent = {
  type: "thread_goal_updated";
  goal: ThreadGoalRow;
};

/** One question of a `request_user_input` call, as the model asked it (every question gets a free-form "Other"). */
export type UserInputQuestion = {
  id: string;
  header: string;
  question: string;
  is_other: boolean;
  is_secret: boolean;
  options: { label: string; description: string }[] | null;
};

/** The user's answers to a `request_user_input` call, by question id (the 0.166 protocol's response shape). */
export type UserInputAnswers = { answers: Record<string, { answers: string[] }> };

/**
 * A `request_user_input` call (0.166.0's plan-mode questions) waits for the user: a 0.166 client is asked with
 * `item/tool/requestUserInput {itemId: call_id}` and its answer comes back as a `user_input_answer` op. 0.58.0 has
 * no such tool; later Codex sends `EventMsg::RequestUserInput`.
 */
export type RequestUserInputEvent = {
  type: "request_user_input";
  call_id: string;
  questions: UserInputQuestion[];
};

/**
 * A question for the user about MCP (0.166 threads, whose client answers `mcpServer/elicitation/request`): an MCP
 * server's own elicitation during a tool call, or Codex's approval of a tool call (a message-only form whose
 * `_meta.codex_approval_kind` is `mcp_tool_call`). The answer comes back as an `mcp_elicitation_answer` op.
 */
export type McpElicitationRequestEvent = {
  type: "mcp_elicitation_request";
  id: string;
  server_name: string;
  request: McpElicitationRequest;
};

/**
 * The action of a web search the model made (its `web_search_call`'s `action`, as the Responses API sends it:
 * `{type: "search", query?, queries?}`, `open_page {url?}`, `find_in_page {url?, pattern?}`), sent just before the
 * search's item events. 0.58.0's web search item has only its query; the 0.166 protocol shows the action too.
 */
export type WebSearchActionEvent = {
  type: "web_search_action";
  /** The web search item's id. */
  item_id: string;
  action: Record<string, unknown>;
};

/**
 * A multi-agent tool call (`spawn_agent`, `send_input`, `resume_agent`, `wait_agent`, `close_agent`), as the 0.166
 * protocol's `collabAgentToolCall` item shows it on the calling thread: `begin` when it starts, `end` with its
 * outcome. 0.166.0 sends them as its `CollabAgent*` events; the item is already in the protocol's shape.
 */
export type CollabAgentToolCallEvent = {
  type: "collab_agent_tool_call";
  phase: "begin" | "end";
  item: CollabAgentToolCallItem;
};

/** The 0.166 protocol's `collabAgentToolCall` item, without its times. */
export type CollabAgentToolCallItem = {
  type: "collabAgentToolCall";
  id: string;
  tool: "spawnAgent" | "sendInput" | "resumeAgent" | "wait" | "closeAgent";
  status: "inProgress" | "completed" | "failed";
  senderThreadId: string;
  receiverThreadIds: string[];
  prompt: string | null;
  model: string | null;
  reasoningEffort: string | null;
  agentsStates: Record<string, { status: string; message: string | null }>;
};

/**
 * The automatic approval reviewer (src/guardian/) took up or decided an approval (0.166.0's
 * `EventMsg::GuardianAssessment`): `in_progress` when it starts, then its verdict. The 0.166 protocol reports them
 * as `item/autoApprovalReview/started` / `completed`. `action` is already in the protocol's shape.
 */
export type GuardianAssessmentEvent = {
  type: "guardian_assessment";
  id: string;
  target_item_id: string | null;
  started_at_ms: number;
  completed_at_ms: number | null;
  status: "in_progress" | "approved" | "denied" | "timed_out" | "aborted";
  risk_level: string | null;
  user_authorization: string | null;
  rationale: string | null;
  action: Record<string, unknown>;
  /**
   * A reviewed patch's changes (as `apply_patch_approval_request` carries them): 0.166.0 shows its file change
   * item before the review, and no approval request announces it here.
   */
  patch_changes?: Record<string, unknown>;
};

/** A message from the automatic approval reviewer for the user (0.166's `guardianWarning`). */
export type GuardianWarningEvent = {
  type: "guardian_warning";
  message: string;
};

/** Every extension event. */
export type ExtensionEventMsg =
  | WebSearchActionEvent
  | McpToolCallProgressEvent
  | StreamItemsDiscardedEvent
  | TerminalInteractionEvent
  | ThreadGoalUpdatedEvent
  | UnifiedExecCommandEvent
  | RequestUserInputEvent
  | McpElicitationRequestEvent
  | CollabAgentToolCallEvent
  | GuardianAssessmentEvent
  | GuardianWarningEvent;

const EXTENSION_EVENT_TYPES: ReadonlySet<string> = new Set<ExtensionEventMsg["type"]>([
  "web_search_action",
  "mcp_tool_call_progress",
  "stream_items_discarded",
  "terminal_interaction",
  "thread_goal_updated",
  "unified_exec_command",
  "request_user_input",
  "mcp_elicitation_request",
  "collab_agent_tool_call",
  "guardian_assessment",
  "guardian_warning",
]);

/**
 * `msg` as extension event `type`, or null. Core events reach subscribers typed as 0.58.0's `EventMsg` (the
 * protocol's union, which has no extension kinds), so a subscriber finds an extension event by its type.
 */
export function extensionEvent<T extends ExtensionEventMsg["type"]>(
  msg: { type: string },
  type: T,
): Extract<ExtensionEventMsg, { type: T }> | null {
  return msg.type === type ? (msg as unknown as Extract<ExtensionEventMsg, { type: T }>) : null;
}

/** Whether an event type belongs to 0.58.0's event stream (and so may be sent as `codex/event`). */
export function isCodexWireEvent(type: string): boolean {
  return !EXTENSION_EVENT_TYPES.has(type);
}
