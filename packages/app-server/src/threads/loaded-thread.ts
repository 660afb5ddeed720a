import type { gen0166, Protocol0166, ProtocolPeer, TurnAbortReason } from "@codex-ts/app-server-protocol";
import {
  type CoreEvent,
  type ExecPolicyStore,
  type HistoryMode,
  type InputItem,
  type McpStartupStatus,
  type TaskKind,
  uuidV7,
} from "@codex-ts/core";
import type { OpenedConversation } from "../conversations.js";
import { ApprovalBridge0166 } from "../events/approvals-0166.js";
import { EventMapper0166, type Notification0166 } from "../events/v0166.js";
import { type ConversationHandle, FollowedConversation } from "../followed-conversation.js";
import type { GoalDriver } from "./goal-driver.js";
import type { QueueDriver } from "./queue-driver.js";
import { RolloutProjection0166 } from "./rollout-projection-0166.js";
import type { ThreadSettings0166 } from "./settings.js";
import { threadObject } from "./thread-object.js";

/** What the server records about a 0.166 thread besides its conversation. */
export interface ThreadMeta {
  /** Unix seconds. */
  createdAt: number;
  /** The first user message ("" until there is one). */
  preview: string;
  ephemeral: boolean;
  /** The client that opened the thread (`clientInfo.name`). */
  originator: string | null;
  cliVersion: string;
  /** The client's label for the thread (0.166's `threadSource`), as given or recorded in its session_meta. */
  threadSource?: string | null;
  /** The thread's workspace roots as given or recorded (0.166's `runtimeWorkspaceRoots`); absent: its cwd. */
  runtimeWorkspaceRoots?: string[] | null;
  /** How its rollout keeps its history (core `HistoryMode`); absent: legacy. */
  historyMode?: HistoryMode;
}

/**
 * One loaded thread of a 0.166 connection: a single core subscription (a `FollowedConversation`, as v1/v2
 * conversations have: turn activity, late interrupts, backpressure) feeding the 0.166 event mapper and the
 * approval bridge, the thread's settings as 0.166 reports them, and a hold that keeps the thread's notifications
 * back while a request that causes them is answered (0.166.0 writes `turn/start`'s response before any of the
 * turn's notifications).
 */
export class LoadedThread {
  readonly mapper: EventMapper0166;
  /** The thread's turn and item records (none for an ephemeral thread, which has no rollout). */
  private readonly projection: RolloutProjection0166 | null;
  private readonly bridge: ApprovalBridge0166;
  private held: Notification0166[] = [];
  private holds = 0;
  /** Waiting for the holds to be released (see `untilReleased`). */
  private releaseWaiters: Array<() => void> = [];
  private readonly followed: FollowedConversation;
  /**
   * Whether a stdio server's connection follows this thread's events (`thread/unsubscribe` stops, `thread/resume`
   * restarts; see `soleConnectionFollows`). A listening server leaves it true: its thread subscribers route each
   * notification to the connections following the thread.
   */
  subscribed = true;
  /**
   * The `outputSchema` (null: none) the latest `turn/start` started its turn with: a `turn/start` that would join
   * that turn while it runs must ask for the same one (0.166.0's ActiveTurnOutputSchemaMismatch).
   */
  lastTurnSchema: { turnId: string; schema: unknown } | null = null;

  /** The thread's goal at work (a stored thread on a server with a goals database). */
  goals: GoalDriver | undefined;
  /**
   * Records that a turn completed in the thread's read receipt (a stored thread on a server with a thread-state
   * database) and answers the read state it left; null when it could not be recorded.
   */
  turnCompletedReadState: ((turnId: string) => gen0166.ThreadReadState | null) | undefined;
  /** Whether the running turn carried a user message (a goal's continuation turn carries none). */
  private turnHasUserMessage = false;
  /** Whether the memory summary existed when the thread was loaded (`thread/memory/read` gives it only then). */
  hadMemorySummary = false;
  /** The thread's queued messages at work (a stored thread on a server with a queue database). */
  queue: QueueDriver | undefined;
  /** Ends the reports of MCP servers still starting (set once they are announced). */
  private stopMcpStatuses: (() => void) | undefined;

  constructor(
    readonly opened: OpenedConversation,
    private readonly peer: ProtocolPeer<Protocol0166>,
    public settings: ThreadSettings0166,
    readonly meta: ThreadMeta,
    log: (message: string) => void,
    execPolicy?: ExecPolicyStore,
  ) {
    const planMode = () => this.settings.collaborationMode.mode === "plan";
    this.mapper = new EventMapper0166(opened.conversationId, Date.now, planMode);
    this.projection = meta.ephemeral
      ? null
      : new RolloutProjection0166(
          opened.conversationId,
          (items) => opened.conversation.recordToRollout(items),
          planMode,
          meta.historyMode ?? "legacy",
        );
    this.followed = new FollowedConversation(opened.conversation, peer.peer);
    this.bridge = new ApprovalBridge0166(
      peer,
      opened.conversationId,
      (op) => opened.conversation.submit(op),
      (requestId, callId, kind, outcome) =>
        this.emit(null, this.mapper.approvalResolved(requestId, callId, kind, outcome)),
      (requestId) => this.emit(null, this.mapper.userInputResolved(requestId)),
      log,
      (requestId) => this.emit(null, this.mapper.mcpElicitationResolved(requestId)),
      execPolicy,
    );
    // A 0.166 client answers MCP elicitations: servers' elicitations and tool-call approvals are put to it.
    opened.conversation.enableMcpElicitation();
  }

  get id(): string {
    return this.opened.conversationId;
  }

  /** The conversation, with the submissions that start a task counted. */
  get conversation(): ConversationHandle {
    return this.followed.conversation;
  }

  /** Starts following the core conversation (once). */
  listen(): void {
    this.followed.follow((e) => this.onEvent(e));
  }

  /** Stops following it and abandons its open approvals. */
  close(): void {
    this.followed.unfollow();
    this.stopMcpStatuses?.();
    this.goals?.stop();
    this.queue?.stop();
    this.bridge.abandon("thread closed");
  }

  /** The running turn, else the one submitted to start next (see `FollowedConversation.currentTask`). */
  currentTask(): { id: string; kind: TaskKind } | null {
    return this.followed.currentTask();
  }

  /**
   * Starts a new user turn with `items`: the path every user turn takes (`turn/start`'s, a queued message's). Its
   * user message item carries `clientUserMessageId` (the client's id for it) when given; `outputSchema` (null or
   * absent: none) shapes this turn's answers only and goes to the model as given (0.166.0 checks nothing). Resolves
   * with the turn's id (UUIDv7, as 0.166.0 mints them) once the conversation took it.
   */
  async startUserTurn(
    items: InputItem[],
    o: { clientUserMessageId?: string | null | undefined; outputSchema?: unknown } = {},
  ): Promise<string> {
    const itemId = uuidV7();
    if (o.clientUserMessageId != null) this.mapper.noteClientId(itemId, o.clientUserMessageId);
    const turnId = await this.conversation.submit(
      { type: "user_turn", items, final_output_json_schema: o.outputSchema, item_id: itemId },
      uuidV7(),
    );
    this.lastTurnSchema = { turnId, schema: o.outputSchema ?? null };
    return turnId;
  }

  /** Holds this thread's notifications until `release` (only the first call of each hold counts). */
  hold(): { release(): void } {
    this.holds++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.holds--;
        if (this.holds > 0) return;
        for (const n of this.held.splice(0)) void this.peer.send(n);
        for (const resolve of this.releaseWaiters.splice(0)) resolve();
      },
    };
  }

  /** Resolves once no hold keeps notifications back (they have been sent); at once when none does. */
  private untilReleased(): Promise<void> {
    if (this.holds === 0) return Promise.resolve();
    return new Promise((resolve) => this.releaseWaiters.push(resolve));
  }

  /**
   * Ends the thread's work before it is archived, deleted or unloaded, as 0.166.0 does: its queued messages and its
   * goal start no further turn, and the running turn — or the one accepted but not begun yet — is interrupted; its
   * end (idle status, `turn/completed` as interrupted, the record in the rollout) goes out before the thread does.
   */
  async endRunningTurns(): Promise<void> {
    this.goals?.stop();
    this.queue?.stop();
    // Turns submitted before this (queued in the core behind the running one) each start and are ended in turn; a
    // turn the core just finished is waited for too (its end not delivered yet), or the client would never hear it
    // ended. A `turn/start` that took its hold before this began may submit its turn while we wait for the holds to
    // be released: so the holds are waited for inside the loop, and a turn found running after them is ended too.
    // Bounded all the same, for a client that keeps starting turns while the thread goes.
    for (let round = 0; round < 100; round++) {
      if (this.followed.taskInProgress) {
        const ended = this.untilAborted();
        await this.conversation.submit({ type: "interrupt" }).catch(() => undefined);
        await ended;
      } else if (this.holds > 0) await this.untilReleased();
      else return;
    }
    await this.untilReleased();
  }

  /**
   * Starts the thread's MCP servers and reports how they start, as 0.166.0 does once a thread is loaded (start,
   * resume, fork: after the answer, which their start must not delay): each `starting`, then each end as it comes.
   * `settledOnly`: only how each ended so far (after a reload, which restarts nothing here).
   */
  announceMcpStartup(settledOnly = false): void {
    if (!settledOnly) this.conversation.startMcpServers();
    for (const st of this.conversation.mcpStartupStatuses())
      if (!settledOnly || st.status !== "starting") this.sendMcpStatus(st);
    if (!settledOnly && !this.stopMcpStatuses)
      this.stopMcpStatuses = this.conversation.onMcpStartupStatus((st) => this.sendMcpStatus(st));
  }

  private sendMcpStatus(st: McpStartupStatus): void {
    this.send({
      method: "mcpServer/startupStatus/updated",
      params: {
        threadId: this.id,
        name: st.server,
        status: st.status,
        error: st.error,
        failureReason: st.failureReason ?? null,
      },
    });
  }

  send(n: Notification0166): void {
    if (!this.subscribed) return;
    if (this.holds > 0) this.held.push(n);
    else void this.peer.send(n);
  }

  /**
   * Resolves when the running (or starting) turn ends: `turn_aborted`, or `task_complete` when it finished before an
   * interrupt reached it; at once when there is none.
   */
  untilAborted(): Promise<TurnAbortReason> {
    return this.followed.untilAborted();
  }

  /** The thread as 0.166's `Thread`, with the given turns. */
  object(turns: gen0166.Turn[] = []): gen0166.Thread {
    return threadObject({
      id: this.id,
      cwd: this.settings.cwd,
      path: this.meta.ephemeral ? null : this.opened.rolloutPath,
      preview: this.meta.preview,
      modelProvider: this.settings.modelProvider,
      model: this.settings.model,
      reasoningEffort: this.settings.effort ?? null,
      createdAt: this.meta.createdAt,
      updatedAt: Math.floor(Date.now() / 1000),
      cliVersion: this.meta.cliVersion,
      originator: this.meta.originator,
      ephemeral: this.meta.ephemeral,
      historyMode: this.meta.historyMode ?? "legacy",
      threadSource: this.meta.threadSource ?? null,
      runtimeWorkspaceRoots: this.runtimeWorkspaceRoots(),
      status: this.mapper.threadStatus,
      turns,
    });
  }

  /** The workspace roots the thread reports: those given or recorded, else its cwd (as 0.166.0 reports them). */
  runtimeWorkspaceRoots(): string[] {
    return this.meta.runtimeWorkspaceRoots ?? [this.settings.cwd];
  }

  /**
   * What the mapper made of `event` (null: of an approval's outcome): recorded in the rollout, then sent. A turn's
   * end waits until its record is on disk (the core flushed its own before the event), so a client that reads the
   * thread when told the turn is over finds it over; what follows waits behind it, in order.
   */
  private emit(event: CoreEvent | null, sent: Notification0166[]): void {
    this.projection?.observe(event, sent);
    const ends = this.projection !== null && sent.some((n) => n.method === "turn/completed");
    const hold = ends ? this.hold() : null;
    if (ends) this.markUnread(sent);
    for (const n of sent) this.send(n);
    if (hold) void this.opened.conversation.flushRollout().finally(() => hold.release());
  }

  /**
   * A completed (or failed) turn leaves the thread unread (from that turn, unless unread already): 0.166.0 announces
   * the new read state first, before the thread goes idle and the turn's completion.
   */
  private markUnread(sent: Notification0166[]): void {
    const completed = sent.find((n) => n.method === "turn/completed");
    if (completed?.method !== "turn/completed" || !this.turnCompletedReadState) return;
    // An interrupted turn has no result to attend to, and a goal's continuation turn no question of the user's:
    // 0.166.0 leaves the read state as it was for both.
    if (completed.params.turn.status === "interrupted" || !this.turnHasUserMessage) return;
    const readState = this.turnCompletedReadState(completed.params.turn.id);
    if (!readState) return;
    const at = sent.findIndex((n) => n.method === "thread/status/changed" || n.method === "turn/completed");
    sent.splice(at, 0, { method: "thread/readState/changed", params: { threadId: this.id, readState } });
  }

  private onEvent(event: CoreEvent): void {
    const msg = event.msg;
    if (msg.type === "task_started") this.turnHasUserMessage = false;
    else if (msg.type === "user_message") this.turnHasUserMessage = true;
    // 0.166.0 keeps an ephemeral thread's preview empty (it has no stored first message to show).
    if (msg.type === "user_message" && this.meta.preview === "" && !this.meta.ephemeral)
      this.meta.preview = msg.message;
    this.goals?.before(event);
    this.emit(event, this.mapper.map(event));
    this.goals?.after(event);
    // After the goal's turn of its own is decided: a queued message goes first (a turn submitted counts at once).
    this.queue?.after(event);
    this.bridge.handle(event);
    // The core answered its open approvals `abort`; the client's requests are withdrawn after the turn ended.
    if (msg.type === "turn_aborted") this.bridge.abandon("turn interrupted");
  }
}
