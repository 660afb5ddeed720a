// Over 500 lines on purpose: EventMapper0166 is the one holder of a thread's 0.166 mapping state (the running turn,
// the open items, declined calls, client ids, streamed reasoning) that every event reads; what needs none of it is
// in the modules beside it (items-0166.ts, approvals-0166.ts, compaction-0166.ts, guardian-0166.ts, unified-exec-0166.ts…).

import { randomUUID } from "node:crypto";
import type { EventMsg, gen0166, RequestId, TurnItem } from "@codex-ts/app-server-protocol";
import { type CoreEvent, extensionEvent, type GuardianAssessmentEvent } from "@codex-ts/core";
import { mcpElicitationRequest, userInputRequest } from "./approvals-0166.js";
import { CompactionItems } from "./compaction-0166.js";
import { discardedItems, mcpProgress } from "./core-events.js";
import { guardianAssessment, guardianWarning, reviewNotification } from "./guardian-0166.js";
import {
  endedCommand,
  fileChangeItem,
  fileUpdateChanges,
  type ItemOf0166,
  imageViewItem,
  mcpToolCallDone,
  mcpToolCallItem,
  startedCommand,
  type ThreadItem0166,
  threadItem0166,
  webSearchAction0166,
} from "./items-0166.js";
import {
  commandOutputDelta,
  errorNotification,
  type Notification0166,
  rateLimitsUpdated,
  streamNotification,
  type TokenInfo,
  terminalInteraction,
  tokenUsageUpdated,
  turnError,
} from "./notifications-0166.js";
import { PlanModeMessages } from "./plan-mode-0166.js";
import { enteredReviewItem, exitedReviewItem, ReviewTurns } from "./review-0166.js";
import { ThreadStatus0166 } from "./thread-status-0166.js";
import { UnifiedExecItems0166 } from "./unified-exec-0166.js";

export type { Notification0166 } from "./notifications-0166.js";

type EventOf<T extends EventMsg["type"]> = Extract<EventMsg, { type: T }>;

/** The running turn, as far as the mapper follows it. */
interface TurnState {
  id: string;
  startedAtMs: number;
  /** The turn's last completed agent message: `turn/completed` lists it (0.166.0's `summary` view). */
  lastAgentMessage: ItemOf0166<"agentMessage"> | null;
  error: gen0166.TurnError | null;
  /** In 0.166's plan collaboration mode: the agent messages split into text and the proposed plan. */
  planMode: PlanModeMessages | null;
}

/** A running approval's kind: commands report their refusal when the core closes the command, patches at once. */
export type ApprovalKind = "command" | "fileChange";

/** An approval's outcome as the thread shows it: the command or patch runs, or it does not. */
export type ApprovalOutcome = "accepted" | "declined";

/**
 * Turns the core event stream of one thread into 0.166.0's notifications, in its order: `thread/status/changed`
 * (ThreadStatus0166), `turn/started` / `turn/completed` with 0.166's `Turn`, `item/started` / `item/completed` with
 * the item's times, the deltas, `thread/tokenUsage/updated` once per model response, plan and diff updates, `error`
 * and `warning`. Items a turn leaves open when it is interrupted stay open, as 0.166.0 leaves them. Items of a model
 * request that failed (and was sent again) or was cut short by new input are completed at once with what streamed
 * of them (0.166.0 leaves those open for good; see the README's differences). In plan mode the agent messages are
 * split by `PlanModeMessages`. (Over 400 lines: one state machine over the turn and its open items; what needs
 * none of that state lives in its own modules.)
 */
export class EventMapper0166 {
  private turn: TurnState | null = null;
  private lastTurnId: string | null = null;
  /** The latest turn that completed, failed or was interrupted (`thread/sample`'s source), live or stored. */
  private finishedTurn: string | null = null;
  private readonly status: ThreadStatus0166;
  private readonly open = new Map<string, ThreadItem0166>();
  /** Commands the user refused: their closing event completes them as `declined`. */
  private readonly declined = new Set<string>();
  /** The client's ids of user messages it sent (`turn/steer`'s `clientUserMessageId`), by item id. */
  private readonly clientIds = new Map<string, string>();
  private reasoning: { id: string; summaryIndex: number } | null = null;
  private lastTotal: number | null = null;
  private announcedLoad = false;
  private readonly compaction = new CompactionItems();
  private readonly review = new ReviewTurns();
  private readonly unifiedExec = new UnifiedExecItems0166();
  /** Web searches' actions (core `web_search_action`), by item id, until the search's item completes. */
  private readonly webSearchActions = new Map<string, gen0166.WebSearchAction | null>();

  /** `planMode`: whether the turn starting now runs in the plan collaboration mode (asked at each turn's start). */
  constructor(
    readonly threadId: string,
    private readonly now: () => number = Date.now,
    private readonly planMode: () => boolean = () => false,
  ) {
    this.status = new ThreadStatus0166(threadId);
  }

  /** The thread's status as last announced. */
  get threadStatus(): gen0166.ThreadStatus {
    return this.status.current;
  }

  /** The thread was loaded from its rollout (`thread/resume`): 0.166.0 announces its status once. */
  loaded(): Notification0166[] {
    if (this.announcedLoad) return [];
    this.announcedLoad = true;
    return [this.status.announce()];
  }

  /** The next turn to start is a compaction (`thread/compact/start`; see CompactionItems). */
  expectCompaction(): void {
    this.compaction.expect();
  }

  /** The next turn to start is a review (`review/start`; see ReviewTurns). */
  expectReview(): void {
    this.review.expect();
  }

  /** The user message item `itemId` carries the client's `clientId`. */
  noteClientId(itemId: string, clientId: string): void {
    this.clientIds.set(itemId, clientId);
  }

  map(event: CoreEvent): Notification0166[] {
    // A review's held start goes out before anything but the review's first item (ReviewTurns).
    if (this.review.holding && event.msg.type !== "entered_review_mode")
      return [...this.review.release(), ...this.mapEvent(event)];
    return this.mapEvent(event);
  }

  private mapEvent(event: CoreEvent): Notification0166[] {
    const msg = event.msg;
    const progress = mcpProgress(msg);
    if (progress)
      return this.withTurn((turnId) => [
        {
          method: "item/mcpToolCall/progress",
          params: { threadId: this.threadId, turnId, itemId: progress.callId, message: progress.message },
        },
      ]);
    const compacted = this.compaction.during(msg);
    if (compacted) return compacted === "drop" ? [] : this.completed(compacted, false);
    const discarded = discardedItems(msg);
    if (discarded) return discarded.flatMap((id) => this.finishItem(id, (item) => item, false));
    const collab = extensionEvent(msg, "collab_agent_tool_call");
    if (collab) {
      // A multi-agent tool call (core agents/): its item as the core shaped it, with this thread's times.
      const item = collab.item as ItemOf0166<"collabAgentToolCall">;
      return collab.phase === "begin" ? this.started(item) : this.completed(item);
    }
    const search = extensionEvent(msg, "web_search_action");
    if (search) {
      this.webSearchActions.set(search.item_id, webSearchAction0166(search.action));
      return [];
    }
    const warning = guardianWarning(this.threadId, msg);
    if (warning) return [warning];
    const review = guardianAssessment(msg);
    if (review)
      return this.withTurn((turnId) => [
        ...(review.status === "in_progress" ? this.reviewedItem(review) : []),
        reviewNotification(this.threadId, turnId, review),
      ]);
    const unified = this.unifiedExec.handle(msg);
    if (unified === "handled") return [];
    if (unified) {
      if ("start" in unified) return this.started(unified.start);
      if ("ran" in unified) return this.approvedRan(unified.ran, unified.processId);
      return this.declinedEnd(unified.rejected);
    }
    const background = this.unifiedExec.background(msg, this.threadId, this.now());
    if (background) return background;
    const planned = this.turn?.planMode?.handle(msg);
    if (planned) return planned;
    this.keepStreamed(msg);
    const turnId = this.turn?.id ?? this.lastTurnId;
    const summaryIndex =
      msg.type === "reasoning_content_delta" && this.reasoning?.id === msg.item_id
        ? this.reasoning.summaryIndex
        : 0;
    const simple =
      turnId === null
        ? null
        : (streamNotification(this.threadId, turnId, msg, summaryIndex) ??
          terminalInteraction(this.threadId, turnId, msg));
    if (simple) return [simple];
    if (userInputRequest(msg)) return this.status.userInputOpened();
    // 0.166.0 flags the thread `waitingOnApproval` while an MCP question is open, an approval or not.
    if (mcpElicitationRequest(msg)) return this.status.approvalOpened();
    switch (msg.type) {
      case "task_started": {
        const compaction = this.compaction.turnStarted();
        return this.review.turnStarted([
          ...this.startTurn(event.id),
          ...(compaction ? this.started(compaction) : []),
        ]);
      }
      case "entered_review_mode": {
        const item = enteredReviewItem(randomUUID(), msg.user_facing_hint);
        return [...this.started(item), ...this.completed(item), ...this.review.release()];
      }
      case "exited_review_mode": {
        const item = exitedReviewItem(randomUUID(), msg.review_output ?? null);
        return [...this.started(item), ...this.completed(item)];
      }
      case "item_started":
        return this.itemStarted(msg.item);
      case "item_completed":
        return this.itemCompleted(msg.item);
      case "agent_reasoning_section_break":
        if (this.reasoning) this.reasoning.summaryIndex += 1;
        return [];
      case "exec_command_begin":
        return this.open.has(msg.call_id) ? [] : this.started(startedCommand(msg));
      case "exec_command_output_delta":
        return this.commandOutput(msg);
      case "exec_command_end":
        return this.commandEnd(msg);
      case "exec_approval_request": {
        // A unified exec command's item starts here, before the flag, as 0.166.0 orders them; for a shell
        // command the core announced the command first (exec_command_begin) and 0.166.0 sets the flag before it.
        const unifiedItem = this.unifiedExec.item(msg.call_id, null, msg.cwd, "agent");
        if (unifiedItem) return [...this.started(unifiedItem), ...this.status.approvalOpened()];
        return [
          ...this.status.approvalOpened(),
          ...(this.open.has(msg.call_id) ? [] : this.started(startedCommand(msg))),
        ];
      }
      case "apply_patch_approval_request":
      case "patch_apply_begin": {
        const started = this.open.has(msg.call_id)
          ? []
          : this.started(fileChangeItem(msg.call_id, fileUpdateChanges(msg.changes), "inProgress"));
        return msg.type === "patch_apply_begin" ? started : [...started, ...this.status.approvalOpened()];
      }
      case "patch_apply_end":
        return this.finishItem(msg.call_id, (item) =>
          item.type === "fileChange" ? { ...item, status: msg.success ? "completed" : "failed" } : null,
        );
      case "mcp_tool_call_begin":
        return this.started(mcpToolCallItem(msg.call_id, msg.invocation));
      case "mcp_tool_call_end": {
        const open = this.open.get(msg.call_id);
        const base = open?.type === "mcpToolCall" ? open : mcpToolCallItem(msg.call_id, msg.invocation);
        return this.completed(mcpToolCallDone(base, msg));
      }
      case "view_image_tool_call": {
        const item = imageViewItem(msg.call_id, msg.path);
        return [...this.started(item), ...this.completed(item)];
      }
      case "token_count": {
        // A response's usage, then its rate limits (0.166.0's order); a repeated usage reports neither again.
        const usage = msg.info ? this.tokenUsage(msg.info) : [];
        const limits = usage.length > 0 ? rateLimitsUpdated(msg.rate_limits) : null;
        return limits ? [...usage, limits] : usage;
      }
      case "error":
        // A failure of the turn: the thread goes to `systemError` and the turn will complete as failed.
        if (this.turn) this.turn.error = turnError(msg.message);
        return [
          ...this.status.set({ type: "systemError" }),
          ...this.withTurn((turnId) => [errorNotification(this.threadId, turnId, msg.message, false)]),
        ];
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
    out.push(...this.status.approvalClosed());
    if (outcome === "declined")
      out.push(
        ...this.finishItem(callId, (item) =>
          item.type === "fileChange" ? { ...item, status: "declined" } : null,
        ),
      );
    return out;
  }

  /** The client answered (or the server abandoned) `request_user_input` question `requestId`. */
  userInputResolved(requestId: RequestId): Notification0166[] {
    return [
      { method: "serverRequest/resolved", params: { threadId: this.threadId, requestId } },
      ...(this.turn ? this.status.userInputClosed() : []),
    ];
  }

  /** The client answered (or the server abandoned) MCP question `requestId`. */
  mcpElicitationResolved(requestId: RequestId): Notification0166[] {
    return [
      { method: "serverRequest/resolved", params: { threadId: this.threadId, requestId } },
      ...(this.turn ? this.status.approvalClosed() : []),
    ];
  }

  /** The latest finished turn's id (null before any). */
  get latestFinishedTurn(): string | null {
    return this.finishedTurn;
  }

  /** The newest stored turn of a resumed thread, until a live one finishes. */
  restoredTurn(turnId: string): void {
    this.finishedTurn ??= turnId;
  }

  /** The thread's token usage as a resumed rollout left it (sent once after `thread/resume`). */
  restoredUsage(info: TokenInfo, turnId: string): Notification0166[] {
    this.lastTurnId ??= turnId;
    return this.tokenUsage(info);
  }

  /**
   * The usage again for a client rejoining the loaded thread with its turns (0.166.0 repeats it then, even when
   * nothing changed since the last report).
   */
  repeatedUsage(info: TokenInfo, turnId: string): Notification0166[] {
    this.lastTurnId ??= turnId;
    this.lastTotal = null;
    return this.tokenUsage(info);
  }

  /**
   * The item a review is about, started before the review as 0.166.0 orders them (no approval request announces
   * it): a unified exec command's, or a patch's file change.
   */
  private reviewedItem(review: GuardianAssessmentEvent): Notification0166[] {
    const target = review.target_item_id;
    if (target === null || this.open.has(target)) return [];
    const cwd = typeof review.action.cwd === "string" ? review.action.cwd : "";
    const command = this.unifiedExec.item(target, null, cwd);
    if (command) return this.started(command);
    if (review.patch_changes)
      return this.started(
        fileChangeItem(
          target,
          fileUpdateChanges(review.patch_changes as Parameters<typeof fileUpdateChanges>[0]),
          "inProgress",
        ),
      );
    return [];
  }

  private withTurn(build: (turnId: string) => Notification0166[]): Notification0166[] {
    const turnId = this.turn?.id ?? this.lastTurnId;
    return turnId === null ? [] : build(turnId);
  }

  /** 0.166's `Turn` for the running turn (times in unix seconds, as 0.166.0 reports them). */
  private turnObject(t: TurnState, status: gen0166.TurnStatus, endMs: number | null): gen0166.Turn {
    const completed = status === "completed";
    return {
      id: t.id,
      rootTurnId: t.id,
      items: completed && t.lastAgentMessage ? [t.lastAgentMessage] : [],
      itemsView: completed && t.lastAgentMessage ? "summary" : "notLoaded",
      status,
      error: t.error,
      startedAt: Math.floor(t.startedAtMs / 1000),
      completedAt: endMs === null ? null : Math.floor(endMs / 1000),
      durationMs: endMs === null ? null : endMs - t.startedAtMs,
    };
  }

  private startTurn(turnId: string): Notification0166[] {
    const turn: TurnState = {
      id: turnId,
      startedAtMs: this.now(),
      lastAgentMessage: null,
      error: null,
      planMode: this.planMode()
        ? new PlanModeMessages(this.threadId, turnId, {
            started: (item) => this.started(item),
            completed: (item) => this.completed(item),
          })
        : null,
    };
    this.turn = turn;
    this.lastTurnId = turnId;
    this.declined.clear();
    return [
      ...this.status.turnStarted(),
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
    this.finishedTurn = turn.id;
    this.compaction.turnEnded();
    this.unifiedExec.turnEnded(turn.id, this.open.values());
    this.open.clear();
    this.reasoning = null;
    return [
      ...this.status.turnEnded(status === "failed"),
      {
        method: "turn/completed",
        params: { threadId: this.threadId, turn: this.turnObject(turn, status, this.now()) },
      },
    ];
  }

  private started(item: ThreadItem0166): Notification0166[] {
    return this.withTurn((turnId) => {
      const startedAtMs = this.now();
      const withTimes = { ...item, startedAtMs, completedAtMs: null } as ThreadItem0166;
      // A copy: streamed text is added to the open item (keepStreamed), never to what was sent.
      this.open.set(item.id, { ...withTimes });
      return [
        { method: "item/started", params: { item: withTimes, threadId: this.threadId, turnId, startedAtMs } },
      ];
    });
  }

  /** `isAnswer`: an agent message completed here is the turn's answer so far (`turn/completed` lists it). */
  private completed(item: ThreadItem0166, isAnswer = true): Notification0166[] {
    return this.withTurn((turnId) => {
      const completedAtMs = this.now();
      const startedAtMs = this.open.get(item.id)?.startedAtMs ?? completedAtMs;
      this.open.delete(item.id);
      const done = { ...item, startedAtMs, completedAtMs } as ThreadItem0166;
      if (done.type === "agentMessage" && this.turn && isAnswer) this.turn.lastAgentMessage = done;
      return [
        { method: "item/completed", params: { item: done, threadId: this.threadId, turnId, completedAtMs } },
      ];
    });
  }

  /** Completes open item `id` with what `finish` makes of it (nothing when it is not open or not its kind). */
  private finishItem(
    id: string,
    finish: (item: ThreadItem0166) => ThreadItem0166 | null,
    isAnswer = true,
  ): Notification0166[] {
    const open = this.open.get(id);
    const done = open ? finish(open) : null;
    if (done && this.reasoning?.id === id) this.reasoning = null;
    return done ? this.completed(done, isAnswer) : [];
  }

  /** Streamed text is kept on its open item, so an item whose request is discarded completes with it. */
  private keepStreamed(msg: EventMsg): void {
    if (msg.type === "agent_message_content_delta") {
      const item = this.open.get(msg.item_id);
      if (item?.type === "agentMessage") item.text += msg.delta;
      return;
    }
    if (msg.type !== "reasoning_content_delta" && msg.type !== "reasoning_raw_content_delta") return;
    const item = this.open.get(msg.item_id);
    if (item?.type !== "reasoning") return;
    const summary = msg.type === "reasoning_content_delta";
    const parts = [...((summary ? item.summary : item.content) ?? [])];
    const at = summary && this.reasoning?.id === item.id ? this.reasoning.summaryIndex : 0;
    while (parts.length <= at) parts.push("");
    parts[at] += msg.delta;
    if (summary) item.summary = parts;
    else item.content = parts;
  }

  private itemStarted(item: TurnItem): Notification0166[] {
    const built = this.built(item);
    if (built.type === "reasoning") this.reasoning = { id: built.id, summaryIndex: 0 };
    return this.started(built);
  }

  private itemCompleted(item: TurnItem): Notification0166[] {
    const built = this.built(item);
    if ("UserMessage" in item) this.clientIds.delete(item.UserMessage.id);
    if ("WebSearch" in item) this.webSearchActions.delete(item.WebSearch.id);
    return this.completed(built);
  }

  /** A core turn item as 0.166 shows it, with what only this mapper knows of it (client id, web search action). */
  private built(item: TurnItem): ThreadItem0166 {
    const built = threadItem0166(item, { startedAtMs: null, completedAtMs: null }, this.clientIdOf(item));
    if (built.type === "webSearch") built.action = this.webSearchActions.get(built.id) ?? null;
    return built;
  }

  private clientIdOf(item: TurnItem): string | null {
    return "UserMessage" in item ? (this.clientIds.get(item.UserMessage.id) ?? null) : null;
  }

  private commandOutput(msg: EventOf<"exec_command_output_delta">): Notification0166[] {
    // A patch's output (apply_patch runs as a process) belongs to no command item: only open commands stream.
    if (this.open.get(msg.call_id)?.type !== "commandExecution") return [];
    return this.withTurn((turnId) => [commandOutputDelta(this.threadId, turnId, msg.call_id, msg.chunk)]);
  }

  /**
   * An approved unified exec command's process started: its open item (started by the approval as the model's
   * placeholder) is now the process's, completed with its source and process id as 0.166.0 does. Nothing is sent.
   */
  private approvedRan(callId: string, processId: string | null): Notification0166[] {
    const item = this.open.get(callId);
    if (item?.type === "commandExecution")
      this.open.set(callId, { ...item, source: "unifiedExecStartup", processId });
    return [];
  }

  /** The user refused the command: 0.166.0 completes it as declined, with nothing run, then clears the flag. */
  private declinedEnd(callId: string): Notification0166[] {
    this.declined.delete(callId);
    const done = this.finishItem(callId, (item) =>
      item.type === "commandExecution" ? { ...item, status: "declined" } : null,
    );
    return [...done, ...this.status.approvalClosed()];
  }

  private commandEnd(msg: EventOf<"exec_command_end">): Notification0166[] {
    if (this.declined.has(msg.call_id)) return this.declinedEnd(msg.call_id);
    return this.finishItem(msg.call_id, (item) =>
      item.type === "commandExecution" ? endedCommand(item, msg) : null,
    );
  }

  /** One `thread/tokenUsage/updated` per model response (the core repeats a usage with each rate-limit update). */
  private tokenUsage(info: TokenInfo): Notification0166[] {
    const total = info.total_token_usage.total_tokens;
    if (total === this.lastTotal) return [];
    this.lastTotal = total;
    return this.withTurn((turnId) => [tokenUsageUpdated(this.threadId, turnId, info)]);
  }
}
