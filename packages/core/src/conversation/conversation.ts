import { randomUUID } from "node:crypto";
import type { AgentsConfig, McpServerConfig } from "@codex-ts/config-loader";
import type { AgentControl } from "../agents/control.js";
import * as ev from "../events/constructors.js";
import type { CoreEventListener } from "../events/types.js";
import { McpConnectionManager, type McpStartupStatus } from "../mcp/connection-manager.js";
import { callToolDirectly, readResourceDirectly } from "../mcp/direct-calls.js";
import type { McpCallToolResult } from "../mcp/types.js";
import type { RolloutItem } from "../rollout/line.js";
import type { BackgroundTerminals } from "../unified-exec/background.js";
import { type InputItem, type Op, withTurnOpSettings } from "./op.js";
import { type SampleResult, sampleOnce } from "./sample.js";
import { type ConversationDeps, Session } from "./session.js";
import type { TaskKind } from "./steering.js";
import { runCompactTask } from "./tasks/compact.js";
import { runContextTurn, runRegularTurn } from "./tasks/regular-turn.js";
import { runReviewTask } from "./tasks/review.js";
import { runUserShellInTask, runUserShellTask } from "./tasks/user-shell.js";

/**
 * One conversation: a queue of submissions processed in order by one task, and a stream of events broadcast to
 * every subscriber. Approval answers and interrupts bypass the queue, since they act on the running turn. The
 * conversation's state lives in its `Session`; turns and compactions are tasks (tasks/) run against it.
 */
export class Conversation {
  readonly id: string;
  readonly rolloutPath: string;
  private readonly session: Session;
  private nextSubmission = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set by `shutdown`: submissions still queued behind the running one are dropped, not run. */
  private shuttingDown = false;

  constructor(deps: ConversationDeps) {
    this.session = new Session(deps);
    this.id = deps.id;
    this.rolloutPath = deps.recorder.path;
  }

  /**
   * Every event of the conversation, from now on (plus startup errors until the first submission). A listener may
   * return a promise (e.g. settled once the event is written to its client): the running turn then waits for it
   * before reading more of the model's stream (backpressure; an interrupt never waits).
   */
  /** Lets this thread's multi-agent tools act on its root thread's agents (see agents/); null takes them away. */
  useAgents(control: AgentControl | null): void {
    this.session.useAgents(control);
  }

  /** The thread's resolved `[agents]` settings (the sub-agent host takes a root thread's limits from them). */
  agentsConfig(): AgentsConfig | undefined {
    return this.session.config.agents;
  }

  subscribe(listener: CoreEventListener): () => void {
    return this.session.subscribe(listener);
  }

  /**
   * Queues `op` and returns its submission id. `id` lets a caller name the submission (the MCP server uses the
   * tools/call request id, as Codex does) and leaves the counter alone, as Codex's `submit_with_id` does.
   */
  async submit(op: Op, id: string = String(this.nextSubmission++)): Promise<string> {
    if (this.closed) throw new Error(`conversation ${this.id} is shut down`);
    this.session.endStartup();
    // Servers whose start waited for the caller (a 0.166 thread's) start by now at the latest.
    this.startMcpServers();
    switch (op.type) {
      case "exec_approval":
      case "patch_approval":
        this.session.answerApproval(op.id, op.decision);
        return id;
      case "user_input_answer":
        this.session.answerUserInput(op.id, op.response);
        return id;
      case "mcp_elicitation_answer":
        this.session.mcpElicitations.answer(op.id, op.response);
        return id;
      case "interrupt":
        this.session.interrupt();
        return id;
      case "inject_items":
        await this.session.historyReady();
        for (const item of op.items) if (!this.session.steering.addRecord(item)) this.session.record(item);
        return id;
      case "user_shell_command": {
        // A running task takes the command at once (0.166.0 runs it beside the turn); otherwise it queues.
        const running = this.session.steering.running;
        const signal = this.session.runningSignal();
        if (running && signal) {
          void runUserShellInTask(this.session, running.id, op.command, op.timeout_ms, signal).catch(
            () => undefined,
          );
          return running.id;
        }
        break;
      }
      default:
        break;
    }
    this.queue = this.queue.then(() => this.handle(id, op)).catch(() => undefined);
    return id;
  }

  /**
   * One model request on the conversation's context plus `text` as a user message, answered and forgotten (0.166's
   * `thread/sample`; see `sampleOnce`). Callers check that no task runs: the context is the one the last turn left.
   */
  async sample(text: string, signal: AbortSignal = new AbortController().signal): Promise<SampleResult> {
    if (this.closed) throw new Error(`conversation ${this.id} is shut down`);
    await this.session.historyReady();
    return sampleOnce(this.session.client, this.session.prompt(), text, signal);
  }

  /**
   * The running task (`regular` turn or `compact`), or null between tasks. A submission still queued behind
   * another is not running yet.
   */
  activeTurn(): { id: string; kind: TaskKind } | null {
    return this.session.steering.running;
  }

  /**
   * Adds input to the running turn (Codex's `steer_input`): it joins the history before the turn's next model
   * request, and a request streaming now is cut short so the model sees it. Returns the turn's id; throws
   * `SteerError` when there is no running turn, it is not `expectedTurnId`, it is not a user turn, or the input is
   * empty. `itemId` names the user-message item the input is announced as (a fresh one by default).
   */
  steer(items: InputItem[], o: { expectedTurnId?: string; itemId?: string } = {}): string {
    if (this.closed) throw new Error(`conversation ${this.id} is shut down`);
    return this.session.steering.steer(items, o.itemId ?? randomUUID(), o.expectedTurnId);
  }

  /**
   * 0.166's background terminals: the commands its exec_command left running (`list`), and ending one (`terminate`,
   * false when there is no such running one) or all (`clean`); each end is reported on the turn that started it.
   */
  get backgroundTerminals(): Pick<BackgroundTerminals, "list" | "terminate" | "clean"> {
    return this.session.unifiedExec.background;
  }

  /**
   * 0.166's out-of-band elicitation counter: one more (`increment`) or one fewer (`decrement`, refused at zero with
   * `ElicitationCountError`) question a client shows the user outside the app server's requests. Returns the count
   * after the change; while it is above zero the conversation's command yield times do not run.
   */
  changeOutOfBandElicitations(change: "increment" | "decrement"): number {
    const counter = this.session.outOfBandElicitations;
    return change === "increment" ? counter.increment() : counter.decrement();
  }

  /** How the conversation's MCP servers started (0.166's `mcpServer/startupStatus/updated`; empty without any). */
  mcpStartupStatuses(): readonly McpStartupStatus[] {
    return this.session.mcp?.startupStatuses ?? [];
  }

  /**
   * Starts the MCP servers of a conversation whose servers wait for it (a 0.166 thread's: after its request was
   * answered); a no-op otherwise, and after the first call.
   */
  startMcpServers(): void {
    this.session.mcp?.begin();
  }

  /** The configuration of one of the conversation's MCP servers (its own config's, overrides included). */
  mcpServerConfig(name: string): McpServerConfig | undefined {
    return this.session.mcp?.serverConfig(name);
  }

  /** Starts one of the conversation's MCP servers again (after an OAuth login to it); resolves once it ended. */
  restartMcpServer(name: string): Promise<void> {
    return this.session.mcp?.restartServer(name) ?? Promise.resolve();
  }

  /**
   * A client's own call of a tool of one of the conversation's MCP servers (0.166's `mcpServer/tool/call`), on the
   * conversation's connections: not a turn's, so nothing is recorded, announced or approved (`callToolDirectly`).
   */
  callMcpTool(call: {
    server: string;
    tool: string;
    arguments?: unknown;
    meta?: unknown;
  }): Promise<McpCallToolResult> {
    return callToolDirectly(this.mcpServers(), this.id, call);
  }

  /** A client's read of a resource of one of the conversation's MCP servers (0.166's `mcpServer/resource/read`). */
  readMcpResource(server: string, uri: string): Promise<{ contents: Record<string, unknown>[] }> {
    return readResourceDirectly(this.mcpServers(), server, uri);
  }

  /** The conversation's MCP servers; none (every server unknown) for a conversation without any. */
  private mcpServers(): McpConnectionManager {
    return this.session.mcp ?? McpConnectionManager.empty();
  }

  /**
   * Calls `listener` with each MCP startup status reported from now on (servers still starting in the background,
   * a 0.166 thread's); returns the unsubscribe.
   */
  onMcpStartupStatus(listener: (status: McpStartupStatus) => void): () => void {
    return this.session.mcp?.onStartupStatus(listener) ?? (() => {});
  }

  /**
   * A client that answers MCP elicitations follows this conversation (a 0.166 thread): MCP servers' elicitations
   * and tool-call approvals are put to it (`mcp_elicitation_request` events, `mcp_elicitation_answer` ops) instead
   * of being declined, and tool calls are approved as 0.166.0 approves them (see `Session.enableMcpElicitation`).
   */
  enableMcpElicitation(): void {
    this.session.enableMcpElicitation();
  }

  /**
   * Appends records to the rollout as given, in order with the conversation's own: a paginated thread's turn and
   * item records, which the app server's 0.166 event mapper makes from this conversation's events (line.ts,
   * HistoryMode). Called from a subscriber while it handles an event, they land right after that event's records.
   */
  recordToRollout(items: readonly RolloutItem[]): void {
    this.session.recordAsIs(items);
  }

  /** Resolves once everything recorded so far is written and synced (a failed write is the next flush's to report). */
  flushRollout(): Promise<void> {
    return this.session.flushRollout();
  }

  /** A retry notice from the model client, reported on the running turn. */
  streamError(message: string): void {
    this.session.streamError(message);
  }

  private async handle(id: string, op: Op): Promise<void> {
    // Turns queued behind the one a shutdown interrupted would each still run (and against an unreachable model,
    // retry for minutes) before the shutdown's own turn came; 0.58.0 ends the conversation at once.
    if (this.shuttingDown && op.type !== "shutdown") return;
    switch (op.type) {
      case "user_input":
        return runRegularTurn(this.session, id, op.items);
      case "user_turn":
        this.session.settings = withTurnOpSettings(this.session.settings, op);
        return runRegularTurn(this.session, id, op.items, op.final_output_json_schema, op.item_id);
      case "context_turn":
        return runContextTurn(this.session, id, op.text);
      case "override_turn_context":
        this.session.settings = withTurnOpSettings(this.session.settings, op);
        return;
      case "compact":
        return runCompactTask(this.session, id);
      case "review":
        return runReviewTask(this.session, id, op.review_request);
      case "user_shell_command":
        return runUserShellTask(this.session, id, op.command, op.timeout_ms);
      case "shutdown":
        this.closed = true;
        await this.session.close();
        this.session.emit(id, ev.shutdownComplete());
        return;
      default:
        return;
    }
  }

  /** Shuts the conversation down: aborts the running turn, drops the queued ones and flushes the rollout. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.shuttingDown = true;
    this.session.interrupt();
    await this.submit({ type: "shutdown" });
    await this.queue;
  }
}
