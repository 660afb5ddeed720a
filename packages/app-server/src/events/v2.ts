import type { CoreEvent, CoreRateLimitWindow, EventMsg, TokenUsage, TurnItem } from "./core-events.js";
import { shellJoin } from "./shell-join.js";

export type ThreadItem = { type: string; id: string } & Record<string, unknown>;
export type TurnStatus = "completed" | "interrupted" | "failed" | "inProgress";
export interface Turn {
  id: string;
  items: ThreadItem[];
  status: TurnStatus;
  error: { message: string } | null;
}
export interface Notification {
  method: string;
  params: unknown;
}
export interface Usage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

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
      text: (summary_text.length ? summary_text : raw_content).join("\n"),
    };
  }
  return { type: "webSearch", id: item.WebSearch.id, query: item.WebSearch.query };
}

/** Core `UserInput` (`image_url`, `local_image`) → v2 `UserInput` (`url`, `localImage`). */
export function userInputToV2(input: unknown): unknown {
  const i = input as Record<string, unknown>;
  if (i.type === "image") return { type: "image", url: i.image_url };
  if (i.type === "local_image") return { type: "localImage", path: i.path };
  return i;
}

/** `{secs, nanos}` (serde Duration) or a number of ms → whole milliseconds. */
function durationMs(d: unknown): number | null {
  if (typeof d === "number") return Math.round(d);
  if (d && typeof d === "object" && "secs" in d) {
    const { secs, nanos } = d as { secs: number; nanos?: number };
    return secs * 1000 + Math.round((nanos ?? 0) / 1e6);
  }
  return null;
}

function fileChanges(changes: unknown): { path: string; kind: string; diff: string }[] {
  return Object.entries((changes ?? {}) as Record<string, Record<string, Record<string, unknown>>>).map(
    ([path, change]) => {
      if (change.add) return { path, kind: "add", diff: String(change.add.content ?? "") };
      if (change.delete) return { path, kind: "delete", diff: String(change.delete.content ?? "") };
      return { path, kind: "update", diff: String(change.update?.unified_diff ?? "") };
    },
  );
}

function rateLimitWindow(w: CoreRateLimitWindow | null | undefined) {
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
  private turn: Turn | null = null;
  private usage: Usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  private readonly open = new Map<string, ThreadItem>();
  private plan: ThreadItem | null = null;
  private readonly pendingPatches = new Map<string, ReturnType<typeof fileChanges>>();
  /** The thread's running total at the last `token_count`, to tell a new response's usage from a repeat. */
  private lastTotal: number | null = null;
  private awaitingStart = false;

  /** The turn a `turn/start` response announced; its `turn/started` is sent by the caller right after. */
  beginTurn(turn: Turn): void {
    this.awaitingStart = false;
    if (this.turn && this.turn.id === turn.id) {
      // The core already started this turn while `turn/start` was in flight: keep what it produced.
      const known = new Set(turn.items.map((i) => i.id));
      this.turn = { ...turn, items: [...turn.items, ...this.turn.items.filter((i) => !known.has(i.id))] };
      return;
    }
    this.turn = { ...turn, items: [...turn.items] };
    this.usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
    this.plan = null;
  }

  /** A `turn/start` is in flight: its `turn/started` comes from the caller, not from `task_started`. */
  expectTurn(): void {
    this.awaitingStart = true;
  }

  get currentTurnId(): string | null {
    return this.turn?.id ?? null;
  }

  map(event: CoreEvent): Notification[] {
    const msg = event.msg;
    const out: Notification[] = [];
    switch (msg.type) {
      case "task_started":
        if (!this.turn || this.turn.id !== event.id) {
          const announce = !this.awaitingStart;
          this.beginTurn({ id: event.id, items: [], status: "inProgress", error: null });
          if (announce) out.push({ method: "turn/started", params: { turn: this.snapshot() } });
        }
        break;
      case "item_started":
        out.push(this.started(threadItemFromTurnItem(msg.item as TurnItem)));
        break;
      case "item_completed":
        out.push(this.completed(threadItemFromTurnItem(msg.item as TurnItem)));
        break;
      case "agent_message_content_delta": {
        // Kept on the open item so an interrupted message completes with what was streamed.
        const open = this.open.get(String(msg.item_id));
        if (open?.type === "agentMessage") open.text = `${open.text ?? ""}${msg.delta}`;
        out.push({ method: "item/agentMessage/delta", params: { itemId: msg.item_id, delta: msg.delta } });
        break;
      }
      case "exec_command_begin": {
        const item: ThreadItem = {
          type: "commandExecution",
          id: String(msg.call_id),
          command: shellJoin(msg.command as string[]),
          aggregated_output: "",
          exit_code: null,
          status: "inProgress",
          duration_ms: null,
        };
        out.push(this.started(item));
        break;
      }
      case "exec_command_output_delta":
        // A patch's output (0.58.0 runs apply_patch as a process) is not a command item's: only open commands stream.
        if (this.open.get(String(msg.call_id))?.type !== "commandExecution") break;
        out.push({
          method: "item/commandExecution/outputDelta",
          params: { itemId: msg.call_id, delta: Buffer.from(String(msg.chunk), "base64").toString("utf8") },
        });
        break;
      case "exec_command_end": {
        const base = this.open.get(String(msg.call_id)) ?? {
          type: "commandExecution",
          id: String(msg.call_id),
          command: "",
        };
        const exitCode = msg.exit_code as number;
        out.push(
          this.completed({
            ...base,
            aggregated_output: msg.aggregated_output,
            exit_code: exitCode,
            status: exitCode === 0 ? "completed" : "failed",
            duration_ms: durationMs(msg.duration),
          }),
        );
        break;
      }
      case "patch_apply_begin":
        // 0.58.0's `PatchApplyStatus` has no in-progress value, so the item is announced once the outcome is
        // known: started and completed together at `patch_apply_end`, as for image views.
        this.pendingPatches.set(String(msg.call_id), fileChanges(msg.changes));
        break;
      case "patch_apply_end": {
        const id = String(msg.call_id);
        const changes = this.pendingPatches.get(id) ?? fileChanges(msg.changes);
        this.pendingPatches.delete(id);
        const item = { type: "fileChange", id, changes, status: msg.success ? "completed" : "failed" };
        out.push(this.started(item), this.completed(item));
        break;
      }
      case "mcp_tool_call_begin": {
        const inv = msg.invocation as { server: string; tool: string; arguments?: unknown };
        out.push(
          this.started({
            type: "mcpToolCall",
            id: String(msg.call_id),
            server: inv.server,
            tool: inv.tool,
            status: "inProgress",
            arguments: inv.arguments ?? null,
            result: null,
            error: null,
          }),
        );
        break;
      }
      case "mcp_tool_call_end":
        out.push(this.completed(this.mcpEnd(msg)));
        break;
      case "mcp_tool_call_progress":
        out.push({
          method: "item/mcpToolCall/progress",
          params: { itemId: String(msg.call_id), message: String(msg.message) },
        });
        break;
      case "plan_update":
        out.push(...this.planUpdate(msg));
        break;
      case "view_image_tool_call": {
        const item = { type: "imageView", id: String(msg.call_id), path: String(msg.path) };
        out.push(this.started(item), this.completed(item));
        break;
      }
      case "token_count":
        out.push(...this.tokenCount(msg));
        break;
      case "error":
        if (this.turn) this.turn.error = { message: String(msg.message) };
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

  private snapshot(): Turn {
    const t = this.turn as Turn;
    return { id: t.id, items: [...t.items], status: t.status, error: t.error };
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

  private mcpEnd(msg: EventMsg): ThreadItem {
    const base = this.open.get(String(msg.call_id)) ?? {
      type: "mcpToolCall",
      id: String(msg.call_id),
      server: (msg.invocation as { server: string }).server,
      tool: (msg.invocation as { tool: string }).tool,
      arguments: (msg.invocation as { arguments?: unknown }).arguments ?? null,
    };
    const result = msg.result as { Ok?: Record<string, unknown>; Err?: string };
    if (result.Err !== undefined)
      return { ...base, status: "failed", result: null, error: { message: result.Err } };
    const ok = result.Ok ?? {};
    return {
      ...base,
      status: ok.isError ? "failed" : "completed",
      result: { content: ok.content ?? [], structuredContent: ok.structuredContent ?? null },
      error: null,
    };
  }

  /** The plan is one `todoList` item per turn: started at the first update, completed with the last at turn end. */
  private planUpdate(msg: EventMsg): Notification[] {
    const steps = (msg.plan ?? []) as { step: string; status: string }[];
    const items = steps.map((s, i) => ({ id: String(i), text: s.step, completed: s.status === "completed" }));
    if (this.plan) {
      this.plan = { ...this.plan, items };
      this.open.set(this.plan.id, this.plan);
      return [];
    }
    this.plan = { type: "todoList", id: `${this.turn?.id ?? "turn"}-plan`, items };
    return [this.started(this.plan)];
  }

  private tokenCount(msg: EventMsg): Notification[] {
    const info = msg.info as { last_token_usage?: TokenUsage; total_token_usage?: TokenUsage } | null;
    // Rate-limit updates repeat the previous response's usage; only a changed total means new usage.
    const total = info?.total_token_usage?.total_tokens ?? null;
    const fresh = total !== null && total !== this.lastTotal;
    if (total !== null) this.lastTotal = total;
    if (fresh && info?.last_token_usage) {
      this.usage.inputTokens += info.last_token_usage.input_tokens;
      this.usage.cachedInputTokens += info.last_token_usage.cached_input_tokens;
      this.usage.outputTokens += info.last_token_usage.output_tokens;
    }
    const limits = msg.rate_limits as {
      primary?: CoreRateLimitWindow | null;
      secondary?: CoreRateLimitWindow | null;
    } | null;
    if (!limits) return [];
    return [
      {
        method: "account/rateLimits/updated",
        params: {
          rateLimits: {
            primary: rateLimitWindow(limits.primary),
            secondary: rateLimitWindow(limits.secondary),
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
  private finish(status: TurnStatus): Notification[] {
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
