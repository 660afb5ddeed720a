import { shellJoin } from "@codex-ts/app-server";
import {
  type EventOf,
  type ExecEvent,
  type ExecOutput,
  mcpCallSucceeded,
  type SessionInfo,
} from "./events.js";

/** One line of `codex exec --json`, in codex 0.58.0's shape (`exec_events.rs`). */
type ThreadEvent = Record<string, unknown> & { type: string };
type Item = Record<string, unknown> & { id: string; type: string };

interface Usage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
}

/**
 * An MCP call's end as 0.58.0's `mcp_tool_call` item reports it: the tool's content and structured content, or the
 * error text of a call that did not reach a result. A result flagged `isError` is `failed` with its content.
 */
function mcpOutcome(result: EventOf<"mcp_tool_call_end">["result"]): Record<string, unknown> {
  const status = mcpCallSucceeded(result) ? "completed" : "failed";
  if (typeof result === "object" && result !== null && "Ok" in result) {
    const ok = result.Ok as { content?: unknown[]; structuredContent?: unknown } | null | undefined;
    return {
      result: {
        content: (ok?.content ?? []).map(alphabetized),
        structured_content: ok?.structuredContent ?? null,
      },
      error: null,
      status,
    };
  }
  const message = typeof result === "object" && result !== null && "Err" in result ? String(result.Err) : "";
  return { result: null, error: { message }, status };
}

/** A content block with its keys in the order 0.58.0 writes them (its MCP types' fields are alphabetical). */
function alphabetized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(alphabetized);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, alphabetized(v)]));
}

/**
 * `codex exec --json`: the core's events turned into codex 0.58.0's JSONL thread events (`thread.started`,
 * `turn.started`, `item.started|updated|completed`, `turn.completed|failed`, `error`), one per line on stdout.
 * Item ids are `item_<n>` in the order items appear; events 0.58.0 does not show (deltas, background events,
 * approvals) are left out.
 */
export class JsonlOutput implements ExecOutput {
  private nextItem = 0;
  private readonly running = new Map<string, Item>();
  private readonly patches = new Map<string, EventOf<"patch_apply_begin">["changes"]>();
  private todo: Item | null = null;
  private usage: Usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 };
  private error: string | null = null;
  private last: string | null = null;

  constructor(private readonly write: (line: string) => void) {}

  sessionStarted(info: SessionInfo): void {
    this.emit({ type: "thread.started", thread_id: info.sessionId });
  }

  interrupted(): void {}

  lastMessage(): string | null {
    return this.last;
  }

  failed(): boolean {
    return this.error !== null;
  }

  event(msg: ExecEvent): void {
    switch (msg.type) {
      case "task_started":
        this.error = null;
        this.emit({ type: "turn.started" });
        return;
      case "agent_message":
        this.last = msg.message;
        this.completed({ type: "agent_message", text: msg.message });
        return;
      case "agent_reasoning":
        this.completed({ type: "reasoning", text: msg.text });
        return;
      case "exec_command_begin":
        this.started(msg.call_id, {
          type: "command_execution",
          command: shellJoin(msg.command),
          aggregated_output: "",
          exit_code: null,
          status: "in_progress",
        });
        return;
      case "exec_command_end":
        this.finished(msg.call_id, {
          aggregated_output: msg.aggregated_output ?? "",
          exit_code: msg.exit_code,
          status: msg.exit_code === 0 ? "completed" : "failed",
        });
        return;
      case "patch_apply_begin":
        this.patches.set(msg.call_id, msg.changes);
        return;
      case "patch_apply_end":
        this.patchApplied(msg);
        return;
      case "mcp_tool_call_begin":
        this.started(msg.call_id, {
          type: "mcp_tool_call",
          server: msg.invocation.server,
          tool: msg.invocation.tool,
          arguments: msg.invocation.arguments ?? null,
          result: null,
          error: null,
          status: "in_progress",
        });
        return;
      case "mcp_tool_call_end":
        this.finished(msg.call_id, mcpOutcome(msg.result));
        return;
      case "web_search_end":
        this.completed({ type: "web_search", query: msg.query });
        return;
      case "plan_update":
        this.planUpdated(msg);
        return;
      case "token_count":
        if (msg.info) {
          const total = msg.info.total_token_usage;
          this.usage = {
            input_tokens: total.input_tokens,
            cached_input_tokens: total.cached_input_tokens,
            output_tokens: total.output_tokens,
          };
        }
        return;
      case "warning":
        this.completed({ type: "error", message: msg.message });
        return;
      case "stream_error":
        this.emit({ type: "error", message: msg.message });
        return;
      case "error":
        this.error = msg.message;
        this.emit({ type: "error", message: msg.message });
        return;
      case "task_complete":
        this.turnEnded();
        return;
      default:
        return;
    }
  }

  private emit(event: ThreadEvent): void {
    this.write(`${JSON.stringify(event)}\n`);
  }

  private newId(): string {
    return `item_${this.nextItem++}`;
  }

  private completed(details: Record<string, unknown> & { type: string }): void {
    this.emit({ type: "item.completed", item: { id: this.newId(), ...details } });
  }

  private started(callId: string, details: Record<string, unknown> & { type: string }): void {
    const item: Item = { id: this.newId(), ...details };
    this.running.set(callId, item);
    this.emit({ type: "item.started", item });
  }

  private finished(callId: string, update: Record<string, unknown>): void {
    const item = this.running.get(callId);
    if (!item) return;
    this.running.delete(callId);
    this.emit({ type: "item.completed", item: { ...item, ...update } });
  }

  private patchApplied(msg: EventOf<"patch_apply_end">): void {
    const changes = this.patches.get(msg.call_id) ?? {};
    this.patches.delete(msg.call_id);
    this.completed({
      type: "file_change",
      changes: Object.entries(changes).map(([path, change]) => ({
        path,
        kind: "add" in change ? "add" : "delete" in change ? "delete" : "update",
      })),
      status: msg.success ? "completed" : "failed",
    });
  }

  private planUpdated(msg: EventOf<"plan_update">): void {
    const items = msg.plan.map((step) => ({ text: step.step, completed: step.status === "completed" }));
    if (this.todo) {
      this.todo = { ...this.todo, items };
      this.emit({ type: "item.updated", item: this.todo });
    } else {
      this.todo = { id: this.newId(), type: "todo_list", items };
      this.emit({ type: "item.started", item: this.todo });
    }
  }

  private turnEnded(): void {
    if (this.todo) {
      this.emit({ type: "item.completed", item: this.todo });
      this.todo = null;
    }
    if (this.error !== null) this.emit({ type: "turn.failed", error: { message: this.error } });
    else this.emit({ type: "turn.completed", usage: this.usage });
  }
}
