import type { ReviewDecision, SandboxCommandAssessment } from "@codex-ts/app-server-protocol";
import type { AgentControl } from "../../agents/control.js";
import type { ModelFamily } from "../../client/model-family.js";
import type { ResponseItemJson, ToolSpec } from "../../client/types.js";
import type { ExtensionEventMsg, UserInputAnswers, UserInputQuestion } from "../../events/extension.js";
import type { CodexEventMsg } from "../../events/types.js";
import type { GoalStore } from "../../goals/store.js";
import type { GuardianAction } from "../../guardian/index.js";
import type { McpConnectionManager } from "../../mcp/connection-manager.js";
import type { McpElicitationRequest, McpElicitationResponse } from "../../mcp/types.js";
import type { TurnDiffTracker } from "../../tools/turn-diff.js";
import type { UnifiedExecManager } from "../../unified-exec/manager.js";
import type { TurnSettings } from "../context.js";
import type { GuardianAnswer } from "../guardian-approval.js";
import type { McpElicitations } from "../mcp-elicitations.js";
import type { ApprovalRequest } from "../session.js";

/**
 * What a tool handler may do to the conversation while it runs one call of the turn — kept narrow, as
 * `CompactionHost` is, so handlers stay independent of the session's internals. Events go to the running turn.
 */
export interface ToolContext {
  /** Aborted when the turn is interrupted. */
  readonly signal: AbortSignal;
  /** The thread's goals (the goal tools), null on a thread that keeps none (ephemeral). */
  readonly goals?: { threadId: string; store: GoalStore } | null;
  /** The thread's sub-agents, when it is offered the multi-agent tools (agents/); null otherwise. */
  readonly agents?: AgentControl | null;
  /** The conversation's MCP servers, if any. */
  readonly mcp: McpConnectionManager | undefined;
  /** The conversation's unified exec sessions (exec_command / write_stdin). */
  readonly unifiedExec: UnifiedExecManager;
  /**
   * Records the turn's ghost snapshot once it is taken (or settles when it cannot be): every tool call waits for it,
   * so no tool changes a file before the state it changes was saved (0.58.0's `tool_call_gate`). Never rejects.
   */
  snapshotRecorded(): Promise<void>;
  /** Files apply_patch changed in this turn, for `turn_diff`. */
  readonly turnDiff: TurnDiffTracker;
  /** Commands (argv as JSON) the user approved for the rest of the session. */
  readonly approvedForSession: Set<string>;
  /** The turn's settings (cwd, approval and sandbox policy, model). */
  settings(): TurnSettings;
  /** The turn's model family in the thread's generation (what it was offered, how its outputs are cut). */
  family(): ModelFamily;
  /** CODEX_HOME: its credential files are never read for the model (view_image). */
  readonly codexHome: string;
  /** A path the model named, against the turn's cwd. */
  resolvePath(path: string): string;
  /**
   * The tools the router answers this turn: those the request offered (built-in and MCP), or for 0.166.0's
   * code-mode models, which are sent none, the ones 0.166.0 registers for them (`RequestShape.routable`).
   */
  offeredTools(): readonly ToolSpec[];
  /** Emits (and records, per the rollout policy) an event of the turn. */
  emit(msg: CodexEventMsg): void;
  /** Broadcasts an extension event of the turn (never recorded). */
  notify(msg: ExtensionEventMsg): void;
  /**
   * Emits the question and waits for the user's answer (`abort` at once when the turn is already over); with
   * `review`, the automatic reviewer answers instead when the turn's settings route approvals to it.
   */
  askApproval(callId: string, request: ApprovalRequest, review?: GuardianAction): Promise<ReviewDecision>;
  /**
   * Has the automatic reviewer decide call `callId`'s action, whatever the settings (the caller checks
   * `routesToGuardian`): for approvals that are not an `ApprovalRequest` (MCP tool calls).
   */
  reviewByGuardian(callId: string, action: GuardianAction): Promise<GuardianAnswer>;
  /** What the model is told of the automatic reviewer's refusal of call `callId` (undefined: the user refused). */
  takeGuardianRejection(callId: string): string | undefined;
  /** Asks the user `questions` for call `callId` and waits for the answers (null: none, e.g. interrupted). */
  askUserInput(callId: string, questions: UserInputQuestion[]): Promise<UserInputAnswers | null>;
  /** MCP questions to the user: whether anyone is asked (0.166 threads), and the tools allowed for the session. */
  readonly mcpElicitations: McpElicitations;
  /** Puts an MCP question (a tool-call approval) to the user; null: no answer (e.g. interrupted). */
  askMcpElicitation(server: string, request: McpElicitationRequest): Promise<McpElicitationResponse | null>;
  /** The model's risk verdict for an exec approval, or null (feature off, or the assessment failed). */
  assessCommand(command: string[], failureMessage: string | null): Promise<SandboxCommandAssessment | null>;
  /** The environment a command of this turn runs with (`shell_environment_policy`, sandbox network flag). */
  commandEnvironment(): Record<string, string>;
  /** Emits `turn_diff` when the turn has changed files. */
  emitTurnDiff(): Promise<void>;
}

/** One tool call as the router hands it to a handler. */
export interface ToolInvocation {
  callId: string;
  /** The call item as the model sent it (function, custom or local shell call). */
  call: ResponseItemJson;
  /** The parsed function arguments (a local shell call's action as `shell` arguments; `{}` for custom calls). */
  args: Record<string, unknown>;
}

/** What a handler answers: the output text, and items that follow the output in the history (view_image). */
export type ToolResult = string | { output: string; followUp: ResponseItemJson[] };

export type ToolHandler = (ctx: ToolContext, invocation: ToolInvocation) => Promise<ToolResult>;
