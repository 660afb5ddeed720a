import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { CoreEvent, HistoryMode, RolloutItem } from "@codex-ts/core";
import type { Notification0166 } from "../events/v0166.js";
import { legacyItemEvent } from "./legacy-item-events.js";
import { coreItemRecord, exitedReviewRecord, snake } from "./stored-item-records.js";
import type { Json } from "./stored-items.js";

/**
 * Records a 0.166 thread's turns and items in its rollout as 0.166.0 records them: from what the thread's event
 * mapper tells the client, each turn becomes a `task_started` event, one `item_completed` event per finished item
 * (the item the live stream showed, with its times) and a `task_complete` (with the error of a failed turn) or
 * `turn_aborted`, each carrying the turn's id. `thread/read`, `thread/turns/list` and `thread/items/list` read them
 * back with the ids, times and kinds the live stream had: commands, patches, MCP calls, compactions.
 *
 * - In a legacy rollout (every thread this server starts, and 0.58.0's) the core keeps recording 0.58.0's events
 *   beside them, and its own `turn_aborted`: 0.58.0 reads the file as before, and 0.166.0, which rebuilds a legacy
 *   thread's turns from the task events and its items from events, shows the turns with their ids, status and
 *   times, the messages in them, and the patches, MCP calls and web searches whose events are written here beside
 *   their records (`legacy-item-events.ts`; README, "Stored history").
 * - In a paginated rollout (a thread 0.166.0 started, continued here) these records are the history (core
 *   `HistoryMode`), its lines numbered as 0.166.0 numbers them.
 *
 * Records go to the rollout while the core event that caused them is being handled (`record` is the conversation's
 * `recordToRollout`), so they land in order with the core's own lines. Items a turn leaves open when it is
 * interrupted are not recorded, as 0.166.0 records none.
 */
export class RolloutProjection0166 {
  /** The context window the running turn started with (the core's `task_started` carries it). */
  private contextWindow: number | null = null;
  /** A review's entry, waiting for the review's prompt (see `reviewOrder`). */
  private heldEntry: Json | null = null;

  constructor(
    private readonly threadId: string,
    private readonly record: (items: RolloutItem[]) => void,
    private readonly planMode: () => boolean,
    private readonly mode: HistoryMode,
  ) {}

  /** What one core event made the mapper send (`event`: that event; null for an approval's outcome). */
  observe(event: CoreEvent | null, sent: readonly Notification0166[]): void {
    if (event?.msg.type === "task_started") this.contextWindow = event.msg.model_context_window ?? null;
    const starts: Json[] = [];
    const rest: Json[] = [];
    for (const n of sent) {
      // A review that ends before its prompt was recorded keeps its entry all the same, inside the turn.
      if (n.method === "turn/completed" && this.heldEntry) rest.push(this.heldEntry);
      if (n.method === "turn/completed") this.heldEntry = null;
      const payload = this.payloadOf(n, event);
      if (!payload) continue;
      if (payload.type === "task_started") starts.push(payload);
      else rest.push(...this.reviewOrder(payload));
      const companion = this.legacyEvent(n);
      if (companion) rest.push(companion);
    }
    // A review's turn is announced after its first item (ReviewTurns): its start is recorded first all the same,
    // so that the item belongs to the turn.
    const records = [...starts, ...rest].map((payload) => ({ type: "event_msg", payload }) as RolloutItem);
    if (records.length > 0) this.record(records);
  }

  /** In a legacy rollout, the event 0.166.0 rebuilds a finished item from, after its record (legacy-item-events). */
  private legacyEvent(n: Notification0166): Json | null {
    if (this.mode !== "legacy" || n.method !== "item/completed") return null;
    return legacyItemEvent(n.params.item, n.params.turnId);
  }

  /**
   * A review's entry is shown live before the review's prompt (its user message), and recorded after it, as 0.166.0
   * records a review: the entry waits for the next record, and goes after it when that is the prompt.
   */
  private reviewOrder(payload: Json): Json[] {
    const item = payload.type === "item_completed" ? (payload.item as Json) : null;
    const held = this.heldEntry;
    this.heldEntry = null;
    if (item?.type === "EnteredReviewMode") {
      this.heldEntry = payload;
      return held ? [held] : [];
    }
    if (!held) return [payload];
    return item?.type === "UserMessage" ? [payload, held] : [held, payload];
  }

  private payloadOf(n: Notification0166, event: CoreEvent | null): Json | null {
    switch (n.method) {
      case "turn/started":
        return {
          type: "task_started",
          turn_id: n.params.turn.id,
          root_turn_id: n.params.turn.rootTurnId ?? n.params.turn.id,
          started_at: n.params.turn.startedAt ?? null,
          model_context_window: this.contextWindow,
          collaboration_mode_kind: this.planMode() ? "plan" : "default",
        };
      case "item/completed": {
        const item = this.itemRecord(n.params.item, event);
        if (!item) return null;
        return {
          type: "item_completed",
          thread_id: this.threadId,
          turn_id: n.params.turnId,
          item,
          started_at_ms: n.params.item.startedAtMs ?? null,
          completed_at_ms: n.params.item.completedAtMs ?? n.params.completedAtMs ?? null,
        };
      }
      case "turn/completed":
        // A legacy rollout has the core's own `turn_aborted` already (0.58.0's record of an interruption).
        if (this.mode === "legacy" && n.params.turn.status === "interrupted") return null;
        return turnEnd(n.params.turn, event);
      default:
        return null;
    }
  }

  /** A review's items are recorded from their core events: the exit keeps the review's output, not its text. */
  private itemRecord(item: gen0166.ThreadItem, event: CoreEvent | null): Json | null {
    if (item.type === "exitedReviewMode")
      return exitedReviewRecord(
        item.id,
        event?.msg.type === "exited_review_mode" ? event.msg.review_output : null,
      );
    return coreItemRecord(item);
  }
}

/** The record that ends a turn: `turn_aborted` when interrupted, else `task_complete` (with a failed turn's error). */
function turnEnd(turn: gen0166.Turn, event: CoreEvent | null): Json {
  const times = {
    started_at: turn.startedAt ?? null,
    completed_at: turn.completedAt ?? null,
    duration_ms: turn.durationMs ?? null,
  };
  const ids = { root_turn_id: turn.rootTurnId ?? turn.id, turn_id: turn.id };
  if (turn.status === "interrupted") {
    const reason = event?.msg.type === "turn_aborted" ? event.msg.reason : "interrupted";
    return { type: "turn_aborted", ...ids, reason, ...times };
  }
  const answer = turn.items.findLast((i) => i.type === "agentMessage");
  return {
    type: "task_complete",
    ...ids,
    last_agent_message: answer?.type === "agentMessage" ? answer.text : null,
    ...(turn.error
      ? {
          error: {
            message: turn.error.message,
            codex_error_info: errorInfoRecord(turn.error.codexErrorInfo),
          },
        }
      : {}),
    ...times,
  };
}

/** A turn error's `codexErrorInfo` as the core records it: snake_case names (`contextWindowExceeded`, …). */
function errorInfoRecord(info: gen0166.TurnError["codexErrorInfo"]): unknown {
  if (info == null) return null;
  if (typeof info === "string") return snake(info);
  return Object.fromEntries(
    Object.entries(info).map(([k, v]) => [
      snake(k),
      typeof v === "object" && v !== null
        ? Object.fromEntries(Object.entries(v).map(([ik, iv]) => [snake(ik), iv]))
        : v,
    ]),
  );
}
