// Over 500 lines on purpose: Session is the one holder of a conversation's state (history, settings, events and
// their listeners, pending approvals and questions, the running task), and its methods are the narrow interface
// tasks and tool handlers use. Each method delegates its logic to a module of its own (request-shape.ts,
// compact/, mcp-elicitations.ts, sandbox-assessment.ts, skills-context.ts…); splitting the class would split
// that state.

import { isAbsolute, resolve } from "node:path";
import type { ReviewDecision, SandboxCommandAssessment } from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import { type AgentControl, offersAgentTools } from "../agents/control.js";
import type { ModelClient } from "../client/model-client.js";
import { type ModelFamily, type ModelGeneration, modelFamily } from "../client/model-family.js";
import { modelContextWindow } from "../client/model-info.js";
import { outputSchemaTextFormat } from "../client/output-schema.js";
import type { Prompt, ResponseItemJson, ToolSpec } from "../client/types.js";
import * as ev from "../events/constructors.js";
import type { UserInputAnswers, UserInputQuestion } from "../events/extension.js";
import {
  type CodexEventMsg,
  type CoreEvent,
  type CoreEventListener,
  type CoreEventMsg,
  toEventMsg,
} from "../events/types.js";
import { GoalStore } from "../goals/store.js";
import type { GuardianAction } from "../guardian/index.js";
import type { McpConnectionManager } from "../mcp/connection-manager.js";
import type { McpElicitationRequest, McpElicitationResponse } from "../mcp/types.js";
import { type RolloutItem, responseItemLine } from "../rollout/line.js";
import type { RolloutRecorder } from "../rollout/recorder.js";
import type { SkillCatalog } from "../skills/index.js";
import { UnifiedExecManager } from "../unified-exec/manager.js";
import type { ApprovalRequest } from "./approval-request.js";
import {
  developerMessage,
  environmentContext,
  initialContext,
  type TurnSettings,
  userMessage,
} from "./context.js";
import { type GuardianAnswer, reviewApproval, routesToGuardian } from "./guardian-approval.js";
import { GuardianRollout } from "./guardian-rollout.js";
import { McpElicitations } from "./mcp-elicitations.js";
import { OutOfBandElicitations } from "./out-of-band-elicitations.js";
import { chosenSummary, type RequestShape, reasoningFor, requestShape } from "./request-shape.js";
import { assessSandboxCommand } from "./sandbox-assessment.js";
import { Steering, type TaskKind } from "./steering.js";
import { TokenUsageTracker } from "./token-usage.js";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/** Resolves when `promise` settles or `signal` aborts, whichever is first; the abort listener is removed either way. */
function settledOrAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    promise.then(done, done);
  });
}

export interface ConversationDeps {
  id: string;
  config: Config;
  client: ModelClient;
  recorder: RolloutRecorder;
  instructions: string;
  /** History carried over from a resumed rollout (response items, in order). */
  history: ResponseItemJson[];
  /**
   * A resumed rollout's history read when the conversation first needs it (its first turn or compaction), instead
   * of `history`: resuming then answers without reading the rollout (ConversationManager.resumeConversation).
   */
  deferredHistory?: () => Promise<ResponseItemJson[]>;
  settings: TurnSettings;
  /** The conversation's MCP servers (started by the manager); closed when the conversation shuts down. */
  mcp?: McpConnectionManager;
  /** A 0.166 thread's skills (the server's catalog): mentions in its input add the skills' files to the turn. */
  skills?: SkillCatalog | undefined;
  /** The `<skills_instructions>` section its initial context opens with (null or absent: none). */
  skillsInstructions?: string | null | undefined;
  /** Whose requests its model gets (a 0.166 connection's thread: `0.166`; default `0.58`). */
  generation?: ModelGeneration | undefined;
}

export type { ApprovalRequest } from "./approval-request.js";

/**
 * A conversation's state and the one way each thing happens to it: events are emitted (recorded per the rollout
 * policy, then broadcast to every subscriber), history items recorded, approvals asked and answered, the running
 * task started, interrupted and finished. Tasks (tasks/) and tools (tools/) act on the conversation through it.
 */
export class Session {
  readonly id: string;
  readonly config: Config;
  readonly client: ModelClient;
  readonly mcp: McpConnectionManager | undefined;
  readonly skills: SkillCatalog | undefined;
  /**
   * The conversation's unified exec sessions. They outlive turns and interrupts, as in 0.58.0 (a model starts a
   * server in one turn and queries it in the next); `close` ends them.
   */
  /** The client's out-of-band elicitations (0.166's `thread/increment_elicitation`): while any, yield times stop. */
  readonly outOfBandElicitations = new OutOfBandElicitations();
  readonly unifiedExec = new UnifiedExecManager({ pause: this.outOfBandElicitations.gate });
  /** The turn settings; `user_turn` and `override_turn_context` ops replace them between tasks. */
  settings: TurnSettings;
  /**
   * The running turn's JSON schema for the model's answer (a `user_turn`'s `final_output_json_schema`), sent with
   * each of its requests; unset between turns, so it applies to that turn only (as in 0.166.0).
   */
  turnOutputSchema: unknown;
  /** What the model saw last: a turn whose settings differ from these first records what changed. */
  private lastSettingsSent: TurnSettings;
  private history: ResponseItemJson[];
  /** Set until a deferred history (ConversationDeps.deferredHistory) has been read; the read in progress. */
  private deferredHistory: (() => Promise<ResponseItemJson[]>) | null;
  private historyRead: Promise<void> | null = null;
  readonly usage: TokenUsageTracker;
  /** The model's context window as `task_started` and `token_count` report it (null when unknown). */
  readonly contextWindow: number | null;
  /** Commands (argv as JSON) the user approved for the rest of the session. */
  readonly approvedForSession = new Set<string>();
  private readonly approvals = new Map<string, (d: ReviewDecision) => void>();
  /** The automatic reviewer's refusals not yet reported to the model, by call id. */
  private readonly guardianRejections = new Map<string, string>();
  /** MCP questions (server elicitations, tool-call approvals) waiting for the user, and the tools allowed. */
  readonly mcpElicitations = new McpElicitations();
  /** `request_user_input` calls waiting for the user's answers, by call id. */
  private readonly userInputs = new Map<string, (answers: UserInputAnswers | null) => void>();
  private readonly listeners = new Set<CoreEventListener>();
  /** The last promise each subscriber answered an event with, until the turn waits for it (`drained`). */
  private readonly unsettled = new Map<CoreEventListener, Promise<unknown>>();
  /**
   * Events from before the first submission (MCP servers that failed to start), replayed to each subscriber
   * until then: they happen while the conversation is created, before anyone can have subscribed.
   */
  private startupEvents: CoreEvent[] = [];
  private running: AbortController | null = null;
  /** A review's reviewer while it runs: answers to its approvals and interrupts reach it through this session. */
  private delegate: Session | null = null;
  private currentTurn: string | null = null;
  /** The running task's kind, the input added to it while it runs, and its streaming model request. */
  readonly steering = new Steering();

  constructor(private readonly d: ConversationDeps) {
    this.id = d.id;
    this.config = d.config;
    this.client = d.client;
    this.mcp = d.mcp;
    this.skills = d.skills;
    this.history = d.history;
    this.deferredHistory = d.deferredHistory ?? null;
    this.settings = d.settings;
    this.lastSettingsSent = d.settings;
    this.contextWindow = modelContextWindow(d.config);
    this.usage = new TokenUsageTracker(this.contextWindow);
    this.guardianRollout = new GuardianRollout({
      id: d.id,
      rolloutPath: d.recorder.path,
      codexHome: d.config.codexHome,
      cwd: d.config.cwd,
    });
    // 0.58.0 tells of a server that did not start with an error event; 0.166.0 only with its startup status.
    if (d.mcp?.wording === "0.58")
      for (const failure of d.mcp.failures)
        this.startupEvents.push({ id: "", msg: toEventMsg(ev.error(failure.message)) });
  }

  subscribe(listener: CoreEventListener): () => void {
    this.listeners.add(listener);
    for (const e of this.startupEvents) this.deliver(listener, e);
    return () => {
      this.listeners.delete(listener);
      this.unsettled.delete(listener);
    };
  }

  /** The first submission arrived: later subscribers no longer get the startup events. */
  endStartup(): void {
    this.startupEvents = [];
  }

  /** Records `msg` (if the rollout policy keeps it) and broadcasts it as an event of submission `id`. */
  emit(id: string, msg: CodexEventMsg): void {
    this.persist(msg);
    this.notify(id, msg);
  }

  /** Broadcasts without recording: extension events, and closing events that `finishTask` recorded first. */
  notify(id: string, msg: CoreEventMsg): void {
    for (const l of [...this.listeners]) this.deliver(l, { id, msg: toEventMsg(msg) });
  }

  /** Hands one event to one subscriber; its failure (thrown or rejected) must not stop the turn or the others. */
  private deliver(listener: CoreEventListener, e: CoreEvent): void {
    try {
      const result = listener(e);
      if (isThenable(result))
        this.unsettled.set(
          listener,
          Promise.resolve(result).catch(() => undefined),
        );
    } catch {
      // a listener's failure must not stop the turn
    }
  }

  /**
   * Backpressure: resolves once every subscriber that answered an event with a promise (e.g. "written to the
   * client") has settled it, or when `signal` aborts, so an interrupt is never held up by a stalled client.
   * Undefined when nothing is pending, so the hot path (a stream of deltas) awaits only when a subscriber asks it
   * to. The turn waits here after each model event it has turned into events.
   */
  drained(signal: AbortSignal): Promise<void> | undefined {
    if (this.unsettled.size === 0 || signal.aborted) return undefined;
    const pending = Promise.all(this.unsettled.values());
    this.unsettled.clear();
    return settledOrAborted(pending, signal);
  }

  /** Records `msg` (if the rollout policy keeps it) without broadcasting it: one already announced. */
  recordEvent(msg: CodexEventMsg): void {
    this.persist(msg);
  }

  /** Appends records to the rollout without the persistence policy (`Conversation.recordToRollout`). */
  recordAsIs(items: readonly RolloutItem[]): void {
    this.d.recorder.recordAsIs(items);
  }

  flushRollout(): Promise<void> {
    return this.d.recorder.flush().catch(() => undefined);
  }

  private persist(msg: CodexEventMsg): void {
    this.d.recorder.record([{ type: "event_msg", payload: msg }]);
  }

  /** A retry notice from the model client, reported on the running turn. */
  streamError(message: string): void {
    this.emit(this.currentTurn ?? "", ev.streamError(message));
  }

  /**
   * Resolves once the history is in memory: at once, unless it was deferred and not read yet. Tasks await it before
   * they touch the history; a failed read rejects (the task reports it) and the next task tries again.
   */
  historyReady(): Promise<void> {
    const read = this.deferredHistory;
    if (!read) return Promise.resolve();
    this.historyRead ??= read().then(
      (items) => {
        this.history = items;
        this.deferredHistory = null;
      },
      (err: unknown) => {
        this.historyRead = null;
        throw err;
      },
    );
    return this.historyRead;
  }

  /** Appends an item to the history and the rollout. */
  record(item: ResponseItemJson): void {
    this.history.push(item);
    this.d.recorder.record([responseItemLine(item)]);
  }

  /** The automatic reviewer's own rollout (created at the first review). */
  readonly guardianRollout: GuardianRollout;

  /** The items of the response whose tools are running (set by the turn's sampling loop; for the reviewer). */
  inFlightItems: readonly ResponseItemJson[] = [];

  currentHistory(): ResponseItemJson[] {
    return this.history;
  }

  /** After a compaction: the history is the compacted one from now on (the rollout gets `compacted` instead). */
  replaceHistory(items: ResponseItemJson[]): void {
    this.history = items;
  }

  recordCompacted(message: string): void {
    this.d.recorder.record([{ type: "compacted", payload: { message } }]);
  }

  /**
   * Every model request gets a `turn_context` rollout line with the settings it was sent with. The sandbox policy
   * carries its mode under both tags, 0.58.0's `mode` and 0.166.0's `type` (each ignores the other), so that both
   * parse the line: 0.166.0 then resumes the thread with the model it last ran with instead of its config's.
   */
  recordTurnContext(): void {
    const s = this.settings;
    this.d.recorder.record([
      {
        type: "turn_context",
        payload: {
          cwd: s.cwd,
          approval_policy: s.approvalPolicy,
          // 0.166.0 records the thread's reviewer here; kept only when it is not the user, the default it assumes.
          ...(s.approvalsReviewer && s.approvalsReviewer !== "user"
            ? { approvals_reviewer: s.approvalsReviewer }
            : {}),
          sandbox_policy: { ...s.sandboxPolicy, type: s.sandboxPolicy.mode },
          model: s.model,
          ...(s.effort ? { effort: s.effort } : {}),
          summary: s.summary,
        },
      },
    ]);
  }

  /**
   * At the start of a turn: the `<environment_context>` of what changed since the model last saw the settings,
   * and the collaboration mode's developer message when the mode changed.
   */
  recordSettingsChange(): void {
    const changed = environmentContext(this.settings, this.lastSettingsSent);
    if (changed) this.record(userMessage(changed));
    const mode = this.settings.collaborationInstructions;
    if (mode && mode !== this.lastSettingsSent.collaborationInstructions) this.record(developerMessage(mode));
    this.lastSettingsSent = this.settings;
  }

  /** Developer instructions, AGENTS.md instructions and `<environment_context>` for the current settings. */
  initialContext(): ResponseItemJson[] {
    return initialContext(
      this.settings,
      this.config.developerInstructions,
      this.config.userInstructions,
      this.d.skillsInstructions,
    );
  }

  resolvePath(path: string): string {
    return isAbsolute(path) ? path : resolve(this.settings.cwd, path);
  }

  private goalStore: GoalStore | undefined;

  /**
   * The thread goals of this conversation's CODEX_HOME (0.166.0's goals database, opened on first use), null for a
   * thread that keeps none: an ephemeral one (no rollout) has no goal.
   */
  goals(): GoalStore | null {
    if (this.d.recorder.path === "" || !this.config.codexHome) return null;
    this.goalStore ??= new GoalStore(this.config.codexHome);
    return this.goalStore;
  }

  /**
   * Whose family the model has: 0.166.0's on a 0.166 thread, except on a Chat Completions provider (0.166.0 no
   * longer supports `wire_api = "chat"`, so such a thread keeps 0.58.0's requests).
   */
  generation(): ModelGeneration {
    return this.d.generation === "0.166" && this.config.modelProvider.wireApi !== "chat" ? "0.166" : "0.58";
  }

  /** The current model's family (model-family.ts) in this thread's generation. */
  family(): ModelFamily {
    return modelFamily(this.settings.model, { generation: this.generation() });
  }

  /** The next model request: the history under the current settings, with the built-in and MCP tools. */
  prompt(): Prompt {
    const s = this.settings;
    const shape = this.requestShape();
    return {
      model: s.model,
      instructions: shape.instructions,
      input: this.history,
      tools: shape.tools,
      ...(shape.reasoning ? { reasoning: shape.reasoning } : {}),
      ...(shape.verbosity ? { verbosity: shape.verbosity } : {}),
      ...(shape.parallelToolCalls ? { parallelToolCalls: true } : {}),
      ...(shape.omitEmptyTools ? { omitEmptyTools: true } : {}),
      toolOutputLimit: shape.toolOutputLimit,
      ...(this.turnOutputSchema != null ? { textFormat: outputSchemaTextFormat(this.turnOutputSchema) } : {}),
      conversationId: this.id,
    };
  }

  /**
   * The tools the turn's router answers: those the request offers, or the ones 0.166.0 registers for a model that
   * is sent none (`RequestShape.routable`).
   */
  routableTools(): ToolSpec[] {
    const shape = this.requestShape();
    return shape.routable ?? shape.tools;
  }

  /** The thread's place among its root thread's agents (the app server's sub-agent host sets it); null: none. */
  private agentControl: AgentControl | null = null;

  useAgents(control: AgentControl | null): void {
    this.agentControl = control;
  }

  /**
   * The multi-agent tools' view of this thread, when it is offered them: a host runs its agents, it is above the
   * depth limit, and `[features] multi_agent` is not turned off (0.166.0's stable feature, on by default).
   */
  agents(): AgentControl | null {
    // `[agents] enabled = false` turns them off too (0.166.0 reads both).
    const on =
      this.config.features.multi_agent !== false &&
      this.config.agents?.enabled !== false &&
      offersAgentTools(this.agentControl);
    return on ? this.agentControl : null;
  }

  private requestShape(): RequestShape {
    return requestShape(this.config, this.settings, this.d.instructions, {
      goals: this.goals() !== null,
      multiAgent: this.agents() !== null,
      mcp: this.mcp ?? undefined,
      generation: this.generation(),
    });
  }

  /** The running task is `id`; interrupts abort the returned controller. */
  beginTask(id: string, kind: TaskKind): AbortController {
    const abort = new AbortController();
    this.running = abort;
    this.currentTurn = id;
    this.steering.begin(id, kind);
    return abort;
  }

  /**
   * Ends a task: its closing events are recorded and the rollout flushed before any subscriber hears that the
   * turn is over, so a client that reads (or resumes) the rollout right after `task_complete` sees the whole turn.
   */
  async finishTask(id: string, closing: CodexEventMsg[]): Promise<void> {
    this.running = null;
    this.steering.end();
    for (const msg of closing) this.persist(msg);
    await this.d.recorder.flush().catch(() => undefined);
    for (const msg of closing) this.notify(id, msg);
  }

  /** The running task's abort signal (null between tasks): work that joins the task ends with it. */
  runningSignal(): AbortSignal | null {
    return this.running?.signal ?? null;
  }

  /** While `delegate` runs (a review's reviewer), approval answers and interrupts are passed on to it. */
  delegateTo(delegate: Session | null): void {
    this.delegate = delegate;
  }

  /** Aborts the running task, answers every pending approval `abort` and every pending user input none. */
  interrupt(): void {
    this.running?.abort();
    this.delegate?.interrupt();
    this.steering.close();
    for (const [callId, resolveApproval] of this.approvals) {
      this.approvals.delete(callId);
      resolveApproval("abort");
    }
    for (const [callId, resolveAnswers] of this.userInputs) {
      this.userInputs.delete(callId);
      resolveAnswers(null);
    }
    this.mcpElicitations.cancelAll();
  }

  /**
   * A client that answers MCP elicitations is attached (a 0.166 thread): from now on the MCP servers'
   * elicitations are put to the user (declined under approval policy `never`, as 0.166.0 does) and tool calls
   * that need approval ask for it.
   */
  enableMcpElicitation(): void {
    if (this.mcpElicitations.enabled) return;
    this.mcpElicitations.enabled = true;
    this.mcp?.onElicitation(async (server, request, signal) => {
      if (this.settings.approvalPolicy === "never") return { action: "decline" };
      const answer = await this.askMcpElicitation(this.currentTurn ?? "", server, request, signal);
      // Unanswered (interrupted, or the server gave up on it): the server hears a cancellation.
      return answer ?? { action: "cancel" };
    });
  }

  /** Puts an MCP question to the user and waits for the answer (null: none, e.g. the turn was interrupted). */
  askMcpElicitation(
    turnId: string,
    server: string,
    request: McpElicitationRequest,
    signal: AbortSignal,
  ): Promise<McpElicitationResponse | null> {
    return this.mcpElicitations.ask((event) => this.notify(turnId, event), server, request, signal);
  }

  /**
   * Emits the question and waits for the answer to call `callId` (`abort` at once when the turn is over). With
   * `review` (what the reviewer is shown) and settings that route approvals to the automatic reviewer, the reviewer
   * answers instead of the user; what the model is told of its refusal is kept for `takeGuardianRejection`.
   */
  async askApproval(
    turnId: string,
    callId: string,
    request: ApprovalRequest,
    signal: AbortSignal,
    review?: GuardianAction,
  ): Promise<ReviewDecision> {
    if (signal.aborted) return "abort";
    if (review !== undefined && routesToGuardian(this.settings)) {
      const answer = await reviewApproval(this, turnId, callId, review, signal, request);
      if (answer.rejection !== undefined) this.guardianRejections.set(callId, answer.rejection);
      return answer.decision;
    }
    return new Promise((resolveDecision) => {
      this.approvals.set(callId, resolveDecision);
      this.emit(turnId, request);
    });
  }

  /**
   * Announces `request_user_input` call `callId` (an extension event: only 0.166 clients can answer it) and waits
   * for a `user_input_answer` op; null at once when the turn is over, or when it is interrupted meanwhile.
   */
  askUserInput(
    turnId: string,
    callId: string,
    questions: UserInputQuestion[],
    signal: AbortSignal,
  ): Promise<UserInputAnswers | null> {
    if (signal.aborted) return Promise.resolve(null);
    return new Promise((resolveAnswers) => {
      this.userInputs.set(callId, resolveAnswers);
      this.notify(turnId, { type: "request_user_input", call_id: callId, questions });
    });
  }

  /** A `user_input_answer` op: answers the pending `request_user_input` call `callId`, if any. */
  answerUserInput(callId: string, answers: UserInputAnswers | null): void {
    const resolveAnswers = this.userInputs.get(callId);
    this.userInputs.delete(callId);
    resolveAnswers?.(answers);
  }

  /** Has the automatic reviewer decide call `callId` of turn `turnId` (an MCP tool call; see ToolContext). */
  reviewByGuardian(
    turnId: string,
    callId: string,
    action: GuardianAction,
    signal: AbortSignal,
  ): Promise<GuardianAnswer> {
    return reviewApproval(this, turnId, callId, action, signal);
  }

  /** What the model is told of the reviewer's refusal of call `callId` (once; undefined: the user answered). */
  takeGuardianRejection(callId: string): string | undefined {
    const rejection = this.guardianRejections.get(callId);
    this.guardianRejections.delete(callId);
    return rejection;
  }

  /** An `exec_approval` / `patch_approval` op: answers the pending question of call `callId`, if any. */
  answerApproval(callId: string, decision: ReviewDecision): void {
    const resolveApproval = this.approvals.get(callId);
    if (!resolveApproval) {
      this.delegate?.answerApproval(callId, decision);
      return;
    }
    this.approvals.delete(callId);
    resolveApproval(decision);
  }

  /**
   * The model's risk verdict for an exec approval request, when the assessment feature is on; null when it is off
   * or the assessment fails. As in 0.58.0 every exec approval is assessed: the first one a policy asks for (no
   * failure message) and the retry after a sandbox failure (with it).
   */
  async assessCommand(
    command: string[],
    failureMessage: string | null,
    signal: AbortSignal,
  ): Promise<SandboxCommandAssessment | null> {
    if (this.config.features?.experimental_sandbox_command_assessment !== true) return null;
    const s = this.settings;
    const reasoning = reasoningFor(s.model, s.effort, chosenSummary(s), this.config, this.generation());
    return assessSandboxCommand({
      client: this.client,
      conversationId: this.id,
      model: s.model,
      ...(reasoning ? { reasoning } : {}),
      command,
      cwd: s.cwd,
      policy: s.sandboxPolicy,
      failureMessage,
      signal,
    });
  }

  /** Ends the unified exec sessions, closes the MCP servers and the rollout (flushed first). */
  async close(): Promise<void> {
    await this.unifiedExec.terminateAll();
    await this.mcp?.close();
    await this.d.recorder.shutdown();
    await this.guardianRollout.shutdown();
    this.goalStore?.close();
  }
}
