import type {
  EventMsg,
  gen0166,
  NotificationMessage,
  Protocol0166,
  RequestId,
  TokenUsage,
  TurnItem,
} from "@codex-ts/app-server-protocol";
import type { CoreEvent } from "@codex-ts/core";
import { durationMs, mcpProgress } from "./core-events.js";
import {
  commandItem,
  fileChangeItem,
  fileUpdateChanges,
  type ItemOf0166,
  imageViewItem,
  type ThreadItem0166,
  threadItem0166,
} from "./items-0166.js";

/** A 0.166.0 server notification (`{method, params}`), as the mapper produces them. */
export type Notification0166 = NotificationMessage<Protocol0166>;
type EventOf<T extends EventMsg["type"]> = Extract<EventMsg, { type: T }>;

/** The running turn, as far as the mapper follows it. */
interface TurnState {
  id: string;
  startedAtMs: number;
  /** The turn's last completed agent message: `turn/completed` lists it (0.166.0's `summary` view). */
  lastAgentMessage: ItemOf0166<"agentMessage"> | null;
  error: gen0166.TurnError | null;
}

/** A running approval's kind: commands report their refusal when the core closes the command, patches at once. */
export type ApprovalKind = "command" | "fileChange";

/** An approval's outcome as the thread shows it: the command or patch runs, or it does not. */
export type ApprovalOutcome = "accepted" | "declined";

const PLAN_STATUS: Record<string, gen0166.TurnPlanStepStatus> = {
  pending: "pending",
  in_progress: "inProgress",
  completed: "completed",
};

function usageBreakdown(u: TokenUsage): gen0166.TokenUsageBreakdown {
  return {
    totalTokens: u.total_tokens,
    inputTokens: u.input_tokens,
    cachedInputTokens: u.cached_input_tokens,
    cacheWriteInputTokens: 0,
    outputTokens: u.output_tokens,
    reasoningOutputTokens: u.reasoning_output_tokens,
  };
}

/**
 * Turns the core event stream of one thread into 0.166.0's notifications, in its order: `thread/status/changed`
 * (active when a turn starts, `waitingOnApproval` while an approval is open, idle — or `systemError` after a
 * failure — when it ends), `turn/started` / `turn/completed` with 0.166's `Turn`, `item/started` / `item/completed`
 * with the item's times, the deltas, `thread/tokenUsage/updated` once per model response, plan and diff updates,
 * `error` and `warning`. Items a turn leaves open when it is interrupted stay open, as 0.166.0 leaves them.
 */
export class EventMapper0166 {
  private turn: TurnState | null = null;
  private lastTurnId: string | null = null;
  private status: gen0166.ThreadStatus = { type: "idle" };
  private readonly open = new Map<string, ThreadItem0166>();
  private openApprovals = 0;
  /** Commands the user refused: their closing event completes them as `declined`. */
  private readonly declined = new Set<string>();
  /** The client's ids of user messages it sent (`turn/steer`'s `clientUserMessageId`), by item id. */
  private readonly clientIds = new Map<string, string>();
  private reasoning: { id: string; summaryIndex: number } | null = null;
  private lastTotal: number | null = null;
  private announcedLoad = false;

  constructor(
    readonly threadId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The thread's status as last announced. */
  get threadStatus(): gen0166.ThreadStatus {
    return this.status;
  }

  /** The thread was loaded from its rollout (`thread/resume`): 0.166.0 announces its status once. */
  loaded(): Notification0166[] {
    if (this.announcedLoad) return [];
    this.announcedLoad = true;
    return [{ method: "thread/status/changed", params: { threadId: this.threadId, status: this.status } }];
  }

  /** The user message item `itemId` carries the client's `clientId`. */
  noteClientId(itemId: string, clientId: string): void {
    this.clientIds.set(itemId, clientId);
  }

  map(event: CoreEvent): Notification0166[] {
    const progress = mcpProgress(event.msg);
    if (progress) return this.mcpProgress(progress.callId, progress.message);
    const msg = event.msg;
    switch (msg.type) {
      case "task_started":
        return this.startTurn(event.id);
      case "item_started":
        return this.itemStarted(msg.item);
      case "item_completed":
        return this.itemCompleted(msg.item);
      case "agent_message_content_delta":
        return this.withTurn((turnId) => [
          {
            method: "item/agentMessage/delta",
            params: { threadId: this.threadId, turnId, itemId: msg.item_id, delta: msg.delta },
          },
        ]);
      case "reasoning_content_delta":
        return this.withTurn((turnId) => [
          {
            method: "item/reasoning/summaryTextDelta",
            params: {
              threadId: this.threadId,
              turnId,
              itemId: msg.item_id,
              delta: msg.delta,
              summaryIndex: this.reasoning?.id === msg.item_id ? this.reasoning.summaryIndex : 0,
            },
          },
        ]);
      case "agent_reasoning_section_break":
        if (this.reasoning) this.reasoning.summaryIndex += 1;
        return [];
      case "reasoning_raw_content_delta":
        return this.withTurn((turnId) => [
          {
            method: "item/reasoning/textDelta",
            params: {
              threadId: this.threadId,
              turnId,
              itemId: msg.item_id,
              delta: msg.delta,
              contentIndex: 0,
            },
          },
        ]);
      case "exec_command_begin":
        return this.open.has(msg.call_id) ? [] : this.started(this.commandStarted(msg));
      case "exec_command_output_delta":
        return this.commandOutput(msg);
      case "exec_command_end":
        return this.commandEnd(msg);
      case "exec_approval_request":
        return [
          ...this.approvalOpened(),
          ...(this.open.has(msg.call_id) ? [] : this.started(this.commandStarted(msg))),
        ];
      case "apply_patch_approval_request":
      case "patch_apply_begin": {
        const started = this.open.has(msg.call_id)
          ? []
          : this.started(fileChangeItem(msg.call_id, fileUpdateChanges(msg.changes), "inProgress"));
        return msg.type === "patch_apply_begin" ? started : [...started, ...this.approvalOpened()];
      }
      case "patch_apply_end":
        return this.finishItem(msg.call_id, (item) =>
          item.type === "fileChange" ? { ...item, status: msg.success ? "completed" : "failed" } : null,
        );
      case "mcp_tool_call_begin":
        return this.started(this.mcpStarted(msg));
      case "mcp_tool_call_end":
        return this.mcpEnd(msg);
      case "view_image_tool_call": {
        const item = imageViewItem(msg.call_id, msg.path);
        return [...this.started(item), ...this.completed(item)];
      }
      case "plan_update":
        return this.withTurn((turnId) => [
          {
            method: "turn/plan/updated",
            params: {
              threadId: this.threadId,
              turnId,
              explanation: msg.explanation ?? null,
              plan: msg.plan.map((s) => ({ step: s.step, status: PLAN_STATUS[s.status] ?? "pending" })),
            },
          },
        ]);
      case "turn_diff":
        return this.withTurn((turnId) => [
          {
            method: "turn/diff/updated",
            params: { threadId: this.threadId, turnId, diff: msg.unified_diff },
          },
        ]);
      case "token_count":
        return msg.info ? this.tokenUsage(msg.info) : [];
      case "error":
        return this.error(msg.message);
      case "stream_error":
        return this.errorNotice(msg.message, true);
      case "warning":
        return [{ method: "warning", params: { threadId: this.threadId, message: msg.message } }];
      case "task_complete":
        return this.finishTurn(this.turn?.error ? "failed" : "completed");
      case "turn_aborted":
        return this.finishTurn("interrupted");
      default:
        return [];
    }
  }

  /**
   * The client answered (or the server abandoned) approval `requestId` of call `callId`: `serverRequest/resolved`,
   * then, while the turn runs, what the answer changes. A refused patch is completed as `declined` at once (the
   * core reports nothing more for it); a refused command when the core closes it.
   */
  approvalResolved(
    requestId: RequestId,
    callId: string,
    kind: ApprovalKind,
    outcome: ApprovalOutcome,
  ): Notification0166[] {
    const out: Notification0166[] = [
      { method: "serverRequest/resolved", params: { threadId: this.threadId, requestId } },
    ];
    if (!this.turn) return out;
    if (kind === "command" && outcome === "declined") {
      this.declined.add(callId);
      return out;
    }
    out.push(...this.approvalClosed());
    if (outcome === "declined")
      out.push(
        ...this.finishItem(callId, (item) =>
          item.type === "fileChange" ? { ...item, status: "declined" } : null,
        ),
      );
    return out;
  }

  /** The thread's token usage as a resumed rollout left it (sent once after `thread/resume`). */
  restoredUsage(info: NonNullable<EventOf<"token_count">["info"]>, turnId: string): Notification0166[] {
    this.lastTurnId ??= turnId;
    return this.tokenUsage(info);
  }

  private withTurn(build: (turnId: string) => Notification0166[]): Notification0166[] {
    const turnId = this.turn?.id ?? this.lastTurnId;
    return turnId === null ? [] : build(turnId);
  }

  private setStatus(status: gen0166.ThreadStatus): Notification0166[] {
    if (JSON.stringify(status) === JSON.stringify(this.status)) return [];
    this.status = status;
    return [{ method: "thread/status/changed", params: { threadId: this.threadId, status } }];
  }

  private activeStatus(): gen0166.ThreadStatus {
    return { type: "active", activeFlags: this.openApprovals > 0 ? ["waitingOnApproval"] : [] };
  }

  private approvalOpened(): Notification0166[] {
    this.openApprovals += 1;
    return this.turn ? this.setStatus(this.activeStatus()) : [];
  }

  private approvalClosed(): Notification0166[] {
    this.openApprovals = Math.max(0, this.openApprovals - 1);
    return this.turn ? this.setStatus(this.activeStatus()) : [];
  }

  /** 0.166's `Turn` for the running turn (times in unix seconds, as 0.166.0 reports them). */
  private turnObject(t: TurnState, status: gen0166.TurnStatus, endMs: number | null): gen0166.Turn {
    const completed = status === "completed";
    return {
      id: t.id,
      rootTurnId: t.id,
      items: completed && t.lastAgentMessage ? [t.lastAgentMessage] : [],
      itemsView: completed ? "summary" : "notLoaded",
      status,
      error: t.error,
      startedAt: Math.floor(t.startedAtMs / 1000),
      completedAt: endMs === null ? null : Math.floor(endMs / 1000),
      durationMs: endMs === null ? null : endMs - t.startedAtMs,
    };
  }

  private startTurn(turnId: string): Notification0166[] {
    const turn: TurnState = { id: turnId, startedAtMs: this.now(), lastAgentMessage: null, error: null };
    this.turn = turn;
    this.lastTurnId = turnId;
    this.openApprovals = 0;
    this.declined.clear();
    return [
      ...this.setStatus(this.activeStatus()),
      {
        method: "turn/started",
        params: { threadId: this.threadId, turn: this.turnObject(turn, "inProgress", null) },
      },
    ];
  }

  private finishTurn(status: gen0166.TurnStatus): Notification0166[] {
    const turn = this.turn;
    if (!turn) return [];
    this.turn = null;
    this.open.clear();
    this.reasoning = null;
    this.openApprovals = 0;
    // A failed turn leaves the thread in `systemError` (set with the error), as 0.166.0 does.
    const out = status === "failed" ? [] : this.setStatus({ type: "idle" });
    out.push({
      method: "turn/completed",
      params: { threadId: this.threadId, turn: this.turnObject(turn, status, this.now()) },
    });
    return out;
  }

  private started(item: ThreadItem0166): Notification0166[] {
    return this.withTurn((turnId) => {
      const startedAtMs = this.now();
      const withTimes = { ...item, startedAtMs, completedAtMs: null } as ThreadItem0166;
      this.open.set(item.id, withTimes);
      return [
        { method: "item/started", params: { item: withTimes, threadId: this.threadId, turnId, startedAtMs } },
      ];
    });
  }

  private completed(item: ThreadItem0166): Notification0166[] {
    return this.withTurn((turnId) => {
      const completedAtMs = this.now();
      const startedAtMs = this.open.get(item.id)?.startedAtMs ?? completedAtMs;
      this.open.delete(item.id);
      const done = { ...item, startedAtMs, completedAtMs } as ThreadItem0166;
      if (done.type === "agentMessage" && this.turn) this.turn.lastAgentMessage = done;
      return [
        { method: "item/completed", params: { item: done, threadId: this.threadId, turnId, completedAtMs } },
      ];
    });
  }

  /** Completes open item `id` with what `finish` makes of it (nothing when it is not open or not its kind). */
  private finishItem(
    id: string,
    finish: (item: ThreadItem0166) => ThreadItem0166 | null,
  ): Notification0166[] {
    const open = this.open.get(id);
    const done = open ? finish(open) : null;
    return done ? this.completed(done) : [];
  }

  private itemStarted(item: TurnItem): Notification0166[] {
    const built = threadItem0166(item, { startedAtMs: null, completedAtMs: null }, this.clientIdOf(item));
    if (built.type === "reasoning") this.reasoning = { id: built.id, summaryIndex: 0 };
    return this.started(built);
  }

  private itemCompleted(item: TurnItem): Notification0166[] {
    const built = threadItem0166(item, { startedAtMs: null, completedAtMs: null }, this.clientIdOf(item));
    if ("UserMessage" in item) this.clientIds.delete(item.UserMessage.id);
    return this.completed(built);
  }

  private clientIdOf(item: TurnItem): string | null {
    return "UserMessage" in item ? (this.clientIds.get(item.UserMessage.id) ?? null) : null;
  }

  private commandStarted(
    msg: EventOf<"exec_command_begin"> | EventOf<"exec_approval_request">,
  ): ThreadItem0166 {
    return commandItem({
      id: msg.call_id,
      command: msg.command,
      cwd: msg.cwd,
      parsed: msg.parsed_cmd,
      status: "inProgress",
    });
  }

  private commandOutput(msg: EventOf<"exec_command_output_delta">): Notification0166[] {
    // A patch's output (apply_patch runs as a process) belongs to no command item: only open commands stream.
    if (this.open.get(msg.call_id)?.type !== "commandExecution") return [];
    const delta = Buffer.from(msg.chunk, "base64").toString("utf8");
    return this.withTurn((turnId) => [
      {
        method: "item/commandExecution/outputDelta",
        params: { threadId: this.threadId, turnId, itemId: msg.call_id, delta },
      },
    ]);
  }

  private commandEnd(msg: EventOf<"exec_command_end">): Notification0166[] {
    if (this.declined.delete(msg.call_id)) {
      // The user refused it: 0.166.0 completes the command as declined, with nothing run, then clears the flag.
      const done = this.finishItem(msg.call_id, (item) =>
        item.type === "commandExecution" ? { ...item, status: "declined" } : null,
      );
      return [...done, ...this.approvalClosed()];
    }
    return this.finishItem(msg.call_id, (item) =>
      item.type === "commandExecution"
        ? {
            ...item,
            status: msg.exit_code === 0 ? "completed" : "failed",
            aggregatedOutput: msg.aggregated_output ?? "",
            exitCode: msg.exit_code,
            durationMs: durationMs(msg.duration),
          }
        : null,
    );
  }

  private mcpStarted(msg: EventOf<"mcp_tool_call_begin">): ItemOf0166<"mcpToolCall"> {
    return {
      type: "mcpToolCall",
      id: msg.call_id,
      server: msg.invocation.server,
      tool: msg.invocation.tool,
      status: "inProgress",
      arguments: msg.invocation.arguments ?? null,
      result: null,
      error: null,
      durationMs: null,
    };
  }

  private mcpEnd(msg: EventOf<"mcp_tool_call_end">): Notification0166[] {
    const base = this.open.get(msg.call_id);
    const item =
      base?.type === "mcpToolCall" ? base : this.mcpStarted({ ...msg, type: "mcp_tool_call_begin" });
    const took = durationMs(msg.duration);
    if ("Err" in msg.result)
      return this.completed({
        ...item,
        status: "failed",
        result: null,
        error: { message: msg.result.Err },
        durationMs: took,
      });
    const ok = msg.result.Ok;
    return this.completed({
      ...item,
      status: ok.isError ? "failed" : "completed",
      result: { content: ok.content ?? [], structuredContent: ok.structuredContent ?? null },
      error: null,
      durationMs: took,
    });
  }

  private mcpProgress(callId: string, message: string): Notification0166[] {
    return this.withTurn((turnId) => [
      {
        method: "item/mcpToolCall/progress",
        params: { threadId: this.threadId, turnId, itemId: callId, message },
      },
    ]);
  }

  /** One `thread/tokenUsage/updated` per model response (the core repeats a usage with each rate-limit update). */
  private tokenUsage(info: NonNullable<EventOf<"token_count">["info"]>): Notification0166[] {
    const total = info.total_token_usage.total_tokens;
    if (total === this.lastTotal) return [];
    this.lastTotal = total;
    return this.withTurn((turnId) => [
      {
        method: "thread/tokenUsage/updated",
        params: {
          threadId: this.threadId,
          turnId,
          tokenUsage: {
            total: usageBreakdown(info.total_token_usage),
            last: usageBreakdown(info.last_token_usage),
            modelContextWindow: info.model_context_window ?? null,
          },
        },
      },
    ]);
  }

  /** A failure of the turn: the thread goes to `systemError` and the turn will complete as failed. */
  private error(message: string): Notification0166[] {
    const turnError: gen0166.TurnError = {
      message,
      codexErrorInfo: null,
      additionalDetails: null,
      misalignment: null,
    };
    if (this.turn) this.turn.error = turnError;
    return [...this.setStatus({ type: "systemError" }), ...this.errorNotice(message, false)];
  }

  private errorNotice(message: string, willRetry: boolean): Notification0166[] {
    return this.withTurn((turnId) => [
      {
        method: "error",
        params: {
          error: { message, codexErrorInfo: null, additionalDetails: null, misalignment: null },
          willRetry,
          threadId: this.threadId,
          turnId,
        },
      },
    ]);
  }
}
