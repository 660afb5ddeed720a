import {
  type EventMsg,
  type FileChange,
  type NotificationMessage,
  type Protocol058,
  RateLimitSnapshot,
  type RateLimitWindow,
  type TurnItem,
  type UserInput,
  type v2,
} from "@codex-ts/app-server-protocol";
import type { CoreEvent } from "@codex-ts/core";
import { discardedItems, durationMs, mcpOutcome, mcpProgress } from "./core-events.js";
import { shellJoin } from "./shell-join.js";

/** A 0.58.0 server notification (`{method, params}`), as the mapper produces them. */
export type Notification = NotificationMessage<Protocol058>;
type ThreadItem = v2.ThreadItem;
type ItemOf<T extends ThreadItem["type"]> = Extract<ThreadItem, { type: T }>;

/** Core `TurnItem` (externally tagged) → v2 `ThreadItem`, as 0.58.0 maps them. */
export function threadItemFromTurnItem(item: TurnItem): ThreadItem {
  if ("UserMessage" in item)
    return {
      type: "userMessage",
      id: item.UserMessage.id,
      content: item.UserMessage.content.map(userInputToV2),
    };
  if ("AgentMessage" in item) {
    return {
      type: "agentMessage",
      id: item.AgentMessage.id,
      text: item.AgentMessage.content.map((c) => c.Text.text).join(""),
    };
  }
  if ("Reasoning" in item) {
    // 0.58.0: the summary parts one per line, or the raw reasoning parts when there is no summary.
    const { summary_text, raw_content } = item.Reasoning;
    return {
      type: "reasoning",
      id: item.Reasoning.id,
      text: (summary_text.length ? summary_text : (raw_content ?? [])).join("\n"),
    };
  }
  return { type: "webSearch", id: item.WebSearch.id, query: item.WebSearch.query };
}

/** Core `UserInput` (`image_url`, `local_image`) → v2 `UserInput` (`url`, `localImage`). */
export function userInputToV2(input: UserInput): v2.UserInput {
  if (input.type === "image") return { type: "image", url: input.image_url };
  if (input.type === "local_image") return { type: "localImage", path: input.path };
  return input;
}

function fileChanges(changes: Record<string, FileChange>): v2.FileUpdateChange[] {
  return Object.entries(changes).map(([path, change]) => {
    if ("add" in change) return { path, kind: "add", diff: change.add.content };
    if ("delete" in change) return { path, kind: "delete", diff: change.delete.content };
    return { path, kind: "update", diff: change.update.unified_diff };
  });
}

/** A core rate-limit window in the v2 (camelCase) shape, shared by the 0.166 mapper (notifications-0166.ts). */
export function rateLimitWindow(w: RateLimitWindow | null | undefined): v2.RateLimitWindow | null {
  if (!w) return null;
  return {
    usedPercent: Math.round(w.used_percent),
    windowDurationMins: w.window_minutes ?? null,
    resetsAt: w.resets_at ?? null,
  };
}

/**
 * Turns the core event stream of one thread into v2 notifications. 0.58.0 sends only `turn/started`,
 * `item/*` for user/agent/reasoning/web-search items and `account/rateLimits/updated`; this mapper keeps all of
 * those and also sends what the schema declares but 0.58.0 leaves out: command, file-change, MCP, todo-list and
 * image-view items, the agent-message and command-output deltas, and `turn/completed` with status, error and usage.
 */
export class V2EventMapper {
  private turn: v2.Turn | null = null;
  private usage: v2.Usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  private readonly open = new Map<string, ThreadItem>();
  private plan: ItemOf<"todoList"> | null = null;
  private readonly pendingPatches = new Map<string, v2.FileUpdateChange[]>();
  /** The thread's running total at the last `token_count`, to tell a new response's usage from a repeat. */
  private lastTotal: number | null = null;

  /**
   * The turn a `turn/start` response announces (it sends `turn/started` for it itself). When the core started the
   * turn while the request was in flight, what it produced so far is kept.
   */
  beginTurn(turn: v2.Turn): void {
    if (this.turn && this.turn.id === turn.id) {
      const known = new Set(turn.items.map((i) => i.id));
      this.turn = { ...turn, items: [...turn.items, ...this.turn.items.filter((i) => !known.has(i.id))] };
      return;
    }
    this.turn = { ...turn, items: [...turn.items] };
    this.usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
    this.plan = null;
  }

  get currentTurnId(): string | null {
    return this.turn?.id ?? null;
  }

  map(event: CoreEvent): Notification[] {
    const msg = event.msg;
    const progress = mcpProgress(msg);
    if (progress) {
      return [
        {
          method: "item/mcpToolCall/progress",
          params: { itemId: progress.callId, message: progress.message },
        },
      ];
    }
    const discarded = discardedItems(msg);
    if (discarded) {
      // Dropped, not completed: no `item/completed` and not listed in `turn/completed` (the history never holds them).
      for (const id of discarded) this.open.delete(id);
      return [];
    }
    const out: Notification[] = [];
    switch (msg.type) {
      case "task_started":
        // A turn nobody announced yet (a v1 request started it, or the core did before `turn/start` answered).
        if (!this.turn || this.turn.id !== event.id) {
          this.beginTurn({ id: event.id, items: [], status: "inProgress", error: null });
          out.push({ method: "turn/started", params: { turn: this.snapshot() } });
        }
        break;
      case "item_started":
        out.push(this.started(threadItemFromTurnItem(msg.item)));
        break;
      case "item_completed":
        out.push(this.completed(threadItemFromTurnItem(msg.item)));
        break;
      case "agent_message_content_delta": {
        // Kept on the open item so an interrupted message completes with what was streamed.
        const open = this.open.get(msg.item_id);
        if (open?.type === "agentMessage") open.text = `${open.text}${msg.delta}`;
        out.push({ method: "item/agentMessage/delta", params: { itemId: msg.item_id, delta: msg.delta } });
        break;
      }
      case "exec_command_begin":
        out.push(
          this.started({
            type: "commandExecution",
            id: msg.call_id,
            command: shellJoin(msg.command),
            aggregated_output: "",
            exit_code: null,
            status: "inProgress",
            duration_ms: null,
          }),
        );
        break;
      case "exec_command_output_delta":
        // A patch's output (0.58.0 runs apply_patch as a process) is not a command item's: only open commands stream.
        if (this.open.get(msg.call_id)?.type !== "commandExecution") break;
        out.push({
          method: "item/commandExecution/outputDelta",
          params: { itemId: msg.call_id, delta: Buffer.from(msg.chunk, "base64").toString("utf8") },
        });
        break;
      case "exec_command_end": {
        const open = this.open.get(msg.call_id);
        const base: ItemOf<"commandExecution"> =
          open?.type === "commandExecution"
            ? open
            : {
                type: "commandExecution",
                id: msg.call_id,
                command: "",
                aggregated_output: "",
                status: "inProgress",
              };
        out.push(
          this.completed({
            ...base,
            aggregated_output: msg.aggregated_output ?? "",
            exit_code: msg.exit_code,
            status: msg.exit_code === 0 ? "completed" : "failed",
            duration_ms: durationMs(msg.duration),
          }),
        );
        break;
      }
      case "patch_apply_begin":
        // 0.58.0's `PatchApplyStatus` has no in-progress value, so the item is announced once the outcome is
        // known: started and completed together at `patch_apply_end`, as for image views.
        this.pendingPatches.set(msg.call_id, fileChanges(msg.changes));
        break;
      case "patch_apply_end": {
        const changes = this.pendingPatches.get(msg.call_id) ?? [];
        this.pendingPatches.delete(msg.call_id);
        const item: ThreadItem = {
          type: "fileChange",
          id: msg.call_id,
          changes,
          status: msg.success ? "completed" : "failed",
        };
        out.push(this.started(item), this.completed(item));
        break;
      }
      case "mcp_tool_call_begin":
        out.push(
          this.started({
            type: "mcpToolCall",
            id: msg.call_id,
            server: msg.invocation.server,
            tool: msg.invocation.tool,
            status: "inProgress",
            arguments: msg.invocation.arguments ?? null,
            result: null,
            error: null,
          }),
        );
        break;
      case "mcp_tool_call_end":
        out.push(this.completed(this.mcpEnd(msg)));
        break;
      case "plan_update":
        out.push(...this.planUpdate(msg.plan));
        break;
      case "view_image_tool_call": {
        const item: ThreadItem = { type: "imageView", id: msg.call_id, path: msg.path };
        out.push(this.started(item), this.completed(item));
        break;
      }
      case "token_count":
        out.push(...this.tokenCount(msg));
        break;
      case "error":
        if (this.turn) this.turn.error = { message: msg.message };
        break;
      case "task_complete":
        out.push(...this.finish(this.turn?.error ? "failed" : "completed"));
        break;
      case "turn_aborted":
        out.push(...this.finish("interrupted"));
        break;
    }
    return out;
  }

  private snapshot(): v2.Turn {
    const t = this.turn as v2.Turn;
    return { id: t.id, items: [...t.items], status: t.status, error: t.error ?? null };
  }

  private started(item: ThreadItem): Notification {
    this.open.set(item.id, { ...item });
    return { method: "item/started", params: { item } };
  }

  private completed(item: ThreadItem): Notification {
    this.open.delete(item.id);
    // A Chat provider's reply arrives as a new message while the one 0.58.0 announced for it stays open forever;
    // it is superseded, not cut short, so it is not completed at turn end (0.58.0 never completes it either).
    if (item.type === "agentMessage")
      for (const [id, open] of this.open) if (open.type === "agentMessage") this.open.delete(id);
    // The `turn/start` response already lists the user's input (under the turn id); the core's own
    // user-message item (fresh id) is announced but not listed twice in the turn.
    const listed = (i: ThreadItem) =>
      i.id === item.id || (item.type === "userMessage" && i.type === "userMessage");
    if (this.turn && !this.turn.items.some(listed)) this.turn.items.push(item);
    return { method: "item/completed", params: { item } };
  }

  private mcpEnd(msg: Extract<EventMsg, { type: "mcp_tool_call_end" }>): ThreadItem {
    const open = this.open.get(msg.call_id);
    const base: ItemOf<"mcpToolCall"> =
      open?.type === "mcpToolCall"
        ? open
        : {
            type: "mcpToolCall",
            id: msg.call_id,
            server: msg.invocation.server,
            tool: msg.invocation.tool,
            status: "inProgress",
            arguments: msg.invocation.arguments ?? null,
          };
    return { ...base, ...mcpOutcome(msg.result) };
  }

  /** The plan is one `todoList` item per turn: started at the first update, completed with the last at turn end. */
  private planUpdate(plan: readonly { step: string; status: string }[]): Notification[] {
    const items = plan.map((s, i) => ({ id: String(i), text: s.step, completed: s.status === "completed" }));
    if (this.plan) {
      this.plan = { ...this.plan, items };
      this.open.set(this.plan.id, this.plan);
      return [];
    }
    this.plan = { type: "todoList", id: `${this.turn?.id ?? "turn"}-plan`, items };
    return [this.started(this.plan)];
  }

  private tokenCount(msg: Extract<EventMsg, { type: "token_count" }>): Notification[] {
    const info = msg.info;
    // Rate-limit updates repeat the previous response's usage; only a changed total means new usage.
    const total = info?.total_token_usage.total_tokens ?? null;
    const fresh = total !== null && total !== this.lastTotal;
    if (total !== null) this.lastTotal = total;
    if (fresh && info) {
      this.usage.inputTokens += info.last_token_usage.input_tokens;
      this.usage.cachedInputTokens += info.last_token_usage.cached_input_tokens;
      this.usage.outputTokens += info.last_token_usage.output_tokens;
    }
    // 0.58.0's schema names the v2 (camelCase) snapshot here, but the event carries the core's snake_case one.
    const limits = RateLimitSnapshot.safeParse(msg.rate_limits);
    if (!msg.rate_limits || !limits.success) return [];
    return [
      {
        method: "account/rateLimits/updated",
        params: {
          rateLimits: {
            primary: rateLimitWindow(limits.data.primary),
            secondary: rateLimitWindow(limits.data.secondary),
          },
        },
      },
    ];
  }

  /**
   * Completes what is still open, then sends `turn/completed`: every started item gets its `item/completed`
   * before the turn ends (the plan always; others when the turn was cut short: a command or tool call that never
   * ended counts as failed, a message keeps the text streamed so far).
   */
  private finish(status: v2.TurnStatus): Notification[] {
    if (!this.turn) return [];
    const out: Notification[] = [];
    for (const item of [...this.open.values()]) {
      if (item.type === "commandExecution" || item.type === "mcpToolCall")
        out.push(this.completed({ ...item, status: "failed" }));
      else if (item.id !== this.plan?.id) out.push(this.completed(item));
    }
    if (this.plan) out.push(this.completed(this.open.get(this.plan.id) ?? this.plan));
    this.turn.status = status;
    out.push({ method: "turn/completed", params: { turn: this.snapshot(), usage: { ...this.usage } } });
    this.turn = null;
    this.plan = null;
    return out;
  }
}
