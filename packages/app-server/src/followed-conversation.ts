import type { JsonRpcPeer, TurnAbortReason } from "@codex-ts/app-server-protocol";
import type { Conversation, CoreEvent, TaskKind } from "@codex-ts/core";
import { startsTask, TurnActivity } from "./turn-activity.js";

/** What the server uses of a core conversation (DESIGN.md `Conversation`). */
export type ConversationHandle = Pick<
  Conversation,
  | "id"
  | "rolloutPath"
  | "submit"
  | "subscribe"
  | "steer"
  | "activeTurn"
  | "sample"
  | "backgroundTerminals"
  | "mcpStartupStatuses"
  | "onMcpStartupStatus"
  | "startMcpServers"
  | "restartMcpServer"
  | "mcpServerConfig"
  | "callMcpTool"
  | "readMcpResource"
  | "enableMcpElicitation"
  | "recordToRollout"
  | "flushRollout"
  | "changeOutOfBandElicitations"
  | "useAgents"
  | "agentsConfig"
>;

/** The part of the connection's JSON-RPC peer that says whether the client keeps up with its output. */
export type OutputState = Pick<JsonRpcPeer, "outputBackedUp" | "outputRoom">;

/**
 * One core conversation as the server follows it, whatever protocol generation shows it (a v1/v2 conversation, a
 * 0.166 thread): its task-starting submissions counted (`TurnActivity`), so an interrupt can wait for the task it
 * is meant for; at most one core subscription, whose listener
 * - re-applies an interrupt that arrived before its task started, once it starts, and
 * - hands the client's backpressure to the core: while the connection's output is backed up it returns the
 *   promise of room, and the running turn waits for it before reading more of the model's stream.
 */
export class FollowedConversation {
  /** The conversation, with the submissions that start a task counted. */
  readonly conversation: ConversationHandle;
  private readonly activity = new TurnActivity();
  private unsubscribe: (() => void) | null = null;

  constructor(
    core: ConversationHandle,
    private readonly output: OutputState,
  ) {
    const activity = this.activity;
    this.conversation = {
      id: core.id,
      rolloutPath: core.rolloutPath,
      subscribe: (listener) => core.subscribe(listener),
      steer: (items, o) => core.steer(items, o),
      activeTurn: () => core.activeTurn(),
      sample: (text, signal) => core.sample(text, signal),
      get backgroundTerminals() {
        return core.backgroundTerminals;
      },
      mcpStartupStatuses: () => core.mcpStartupStatuses(),
      onMcpStartupStatus: (listener) => core.onMcpStartupStatus(listener),
      startMcpServers: () => core.startMcpServers(),
      restartMcpServer: (name) => core.restartMcpServer(name),
      mcpServerConfig: (name) => core.mcpServerConfig(name),
      callMcpTool: (call) => core.callMcpTool(call),
      readMcpResource: (server, uri) => core.readMcpResource(server, uri),
      enableMcpElicitation: () => core.enableMcpElicitation(),
      recordToRollout: (items) => core.recordToRollout(items),
      flushRollout: () => core.flushRollout(),
      changeOutOfBandElicitations: (change) => core.changeOutOfBandElicitations(change),
      useAgents: (control) => core.useAgents(control),
      agentsConfig: () => core.agentsConfig(),
      submit(op, id) {
        if (!startsTask(op, core.activeTurn() !== null)) return core.submit(op, id);
        activity.expectStart(id);
        // The core's own promise, returned as it is: an extra await here would let the turn's first events
        // overtake the caller (a `turn/start` announces its turn before them).
        const submitted = core.submit(op, id);
        submitted.catch(() => activity.cancelStart(id));
        return submitted;
      },
    };
  }

  /** Whether the core subscription is open. */
  get following(): boolean {
    return this.unsubscribe !== null;
  }

  /** Opens the core subscription (once): every event goes to `deliver`, in order. */
  follow(deliver: (event: CoreEvent) => void): void {
    this.unsubscribe ??= this.conversation.subscribe((event) => {
      if (this.activity.observe(event.id, event.msg))
        void this.conversation.submit({ type: "interrupt" }).catch(() => undefined);
      deliver(event);
      return this.output.outputBackedUp ? this.output.outputRoom() : undefined;
    });
  }

  /** Closes the core subscription; interrupts waiting for the end of a task are answered (see `releaseWaiters`). */
  unfollow(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.activity.releaseWaiters();
  }

  /**
   * The running task's id (`kind` says whether a user turn or a compaction), else the id of the turn submitted to
   * start next (a client may name it before the core has begun it), else null.
   */
  currentTask(): { id: string; kind: TaskKind } | null {
    const running = this.conversation.activeTurn();
    if (running) return running;
    const starting = this.activity.startingId;
    return starting === null ? null : { id: starting, kind: "regular" };
  }

  /**
   * Whether a task runs, is about to start, or has ended in the core without its end delivered yet: the core stops
   * reporting a task as running before it has flushed the rollout and sent `task_complete` (or `turn_aborted`), so
   * `currentTask` is null in that window while the client has yet to hear the turn is over.
   */
  get taskInProgress(): boolean {
    return this.activity.busy || this.conversation.activeTurn() !== null;
  }

  /** Resolves with the abort reason of the running (or starting) task; at once when there is none. */
  untilAborted(): Promise<TurnAbortReason> {
    return this.activity.untilAborted();
  }
}
