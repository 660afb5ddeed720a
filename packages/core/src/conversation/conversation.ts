import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname, isAbsolute, resolve } from "node:path";
import type { ReviewDecision, SandboxCommandAssessment } from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import type { ModelClient } from "../client/model-client.js";
import { autoCompactTokenLimit, modelContextWindow } from "../client/model-info.js";
import type { RateLimitSnapshot } from "../client/rate-limits.js";
import { normalizeResponseItem } from "../client/response-item.js";
import { ModelError, type Prompt, retryBackoffMs, type TokenUsage } from "../client/types.js";
import {
  type CompactionHost,
  DEFAULT_COMPACT_PROMPT,
  runCompaction,
  stillOverLimitMessage,
} from "../compact/index.js";
import { type CoreEvent, type CodexEventMsg as EventMsg, toEventMsg } from "../events/types.js";
import { parseCommand } from "../exec/parse-command.js";
import { runCommand, SandboxUnavailableError } from "../exec/run-command.js";
import { isKnownSafeCommand } from "../exec/safe-command.js";
import { commandEnvironment } from "../exec/shell-env.js";
import { type McpCallOutcome, mcpFunctionOutput } from "../mcp/call-output.js";
import { type McpConnectionManager, type McpProgress, progressMessage } from "../mcp/connection-manager.js";
import { MCP_RESOURCE_TOOL_NAMES, resourceToolCall } from "../mcp/resource-tools.js";
import type { RolloutItem } from "../rollout/line.js";
import type { RolloutRecorder } from "../rollout/recorder.js";
import { applyPatch, planChanges, toFileChanges } from "../tools/apply-patch.js";
import { EmptyPatchError, parsePatch } from "../tools/apply-patch-parser.js";
import { execCommandEnd, execToolOutput } from "../tools/exec-output.js";
import { jsonSyntaxError } from "../tools/json-syntax-error.js";
import { patchFromShellCommand } from "../tools/shell-apply-patch.js";
import { TurnDiffTracker } from "../tools/turn-diff.js";
import { environmentContext, initialContext, type TurnSettings, userMessage } from "./context.js";
import { reasoningFor, requestShape } from "./request-shape.js";
import { assessSandboxCommand, sandboxFailureMessage } from "./sandbox-assessment.js";
import { localShellArguments, shellCommandArguments, unofferedToolAnswer } from "./tool-call-gate.js";

/** v1 `InputItem` as the servers submit it. */
export type InputItem = { type: string; data: Record<string, unknown> };

/** What a conversation accepts (DESIGN.md `Op`). */
export type Op =
  | { type: "user_input"; items: InputItem[] }
  | ({ type: "user_turn"; items: InputItem[] } & Partial<TurnOpSettings>)
  | ({ type: "override_turn_context" } & Partial<TurnOpSettings>)
  | { type: "exec_approval"; id: string; decision: ReviewDecision }
  | { type: "patch_approval"; id: string; decision: ReviewDecision }
  | { type: "interrupt" }
  | { type: "compact" }
  | { type: "shutdown" };

interface TurnOpSettings {
  cwd: string;
  approval_policy: TurnSettings["approvalPolicy"];
  sandbox_policy: Record<string, unknown>;
  model: string;
  effort: string | null;
  summary: string;
}

type ResponseItemJson = Record<string, unknown>;

export interface ConversationDeps {
  id: string;
  config: Config;
  client: ModelClient;
  recorder: RolloutRecorder;
  instructions: string;
  /** History carried over from a resumed rollout (response items, in order). */
  history: ResponseItemJson[];
  settings: TurnSettings;
  /** The conversation's MCP servers (started by the manager); closed when the conversation shuts down. */
  mcp?: McpConnectionManager;
}

/** Codex gives shell commands a minute unless the model asks for another timeout. */
const DEFAULT_SHELL_TIMEOUT_MS = 60_000;

const ev = (msg: Record<string, unknown>) => msg as unknown as EventMsg;

/** Each streamed delta's item event (with thread, turn and item ids) and the legacy event that follows it. */
const DELTA_EVENTS = {
  text_delta: ["agent_message_content_delta", "agent_message_delta"],
  reasoning_summary_delta: ["reasoning_content_delta", "agent_reasoning_delta"],
  reasoning_content_delta: ["reasoning_raw_content_delta", "agent_reasoning_raw_content_delta"],
} as const;

/** Codex's sandbox policy object (v2 camel-case or core kebab-case) → the config-loader shape. */
/** A sandbox policy as clients send it (v1 kebab-case or v2 camelCase modes) → the core's policy. */
export function sandboxPolicyFromWire(raw: Record<string, unknown>): TurnSettings["sandboxPolicy"] {
  const mode = String(raw.mode ?? raw.type ?? "read-only")
    .replace(/([A-Z])/g, "-$1")
    .toLowerCase();
  if (mode === "workspace-write") {
    return {
      mode,
      writable_roots: ((raw.writable_roots ?? raw.writableRoots ?? []) as string[]).map((r) => resolve(r)),
      network_access: Boolean(raw.network_access ?? raw.networkAccess ?? false),
      exclude_tmpdir_env_var: Boolean(raw.exclude_tmpdir_env_var ?? raw.excludeTmpdirEnvVar ?? false),
      exclude_slash_tmp: Boolean(raw.exclude_slash_tmp ?? raw.excludeSlashTmp ?? false),
    };
  }
  return mode === "danger-full-access" ? { mode } : { mode: "read-only" };
}

function emptyUsage(): TokenUsage {
  return {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: 0,
  };
}

/** Ends the turn as interrupted; `output` is what the tool call being run reports to the model (if not the default). */
class TurnAborted extends Error {
  constructor(readonly output?: string) {
    super("turn aborted");
  }
}

/**
 * What a tool call reports when the turn is interrupted while it runs (or before it could run), as 0.58.0 words it:
 * shell calls with their wall time, others with the time in seconds.
 */
function abortedToolOutput(name: string, seconds: number): string {
  const secs = Math.max(0.1, seconds).toFixed(1);
  return name === "shell" || name === "container.exec" || name === "local_shell"
    ? `Wall time: ${secs} seconds\naborted by user`
    : `aborted by user after ${secs}s`;
}

/**
 * One conversation: a queue of submissions processed in order by one task, and a stream of events broadcast to
 * every subscriber. Approval answers and interrupts bypass the queue, since they act on the running turn.
 */
export class Conversation {
  readonly id: string;
  readonly rolloutPath: string;
  private readonly listeners = new Set<(e: CoreEvent) => void>();
  private nextSubmission = 0;
  private queue: Promise<void> = Promise.resolve();
  private running: AbortController | null = null;
  private currentTurn: string | null = null;
  private readonly approvals = new Map<string, (d: ReviewDecision) => void>();
  private readonly approvedForSession = new Set<string>();
  private history: ResponseItemJson[];
  private settings: TurnSettings;
  private lastSettingsSent: TurnSettings;
  private totalUsage = emptyUsage();
  private closed = false;
  /**
   * Events from before the first submission (MCP servers that failed to start), replayed to each subscriber
   * until then: they happen while the conversation is created, before anyone can have subscribed.
   */
  private startupEvents: CoreEvent[] = [];
  /** Files apply_patch changed in the running turn, for `turn_diff`. */
  private turnDiff = new TurnDiffTracker();

  constructor(private readonly d: ConversationDeps) {
    this.id = d.id;
    this.rolloutPath = d.recorder.path;
    this.history = d.history;
    this.settings = d.settings;
    this.lastSettingsSent = d.settings;
    for (const failure of d.mcp?.failures ?? []) {
      this.startupEvents.push({ id: "", msg: toEventMsg(ev({ type: "error", message: failure.message })) });
    }
  }

  subscribe(listener: (e: CoreEvent) => void): () => void {
    this.listeners.add(listener);
    for (const e of this.startupEvents) {
      try {
        listener(e);
      } catch {
        // a listener's failure must not stop the others
      }
    }
    return () => this.listeners.delete(listener);
  }

  /** One chunk of a command's (or patch's) output, base64 as Codex sends it. */
  private emitOutputDelta(turnId: string, callId: string, stream: "stdout" | "stderr", chunk: Buffer): void {
    this.emit(
      turnId,
      ev({ type: "exec_command_output_delta", call_id: callId, stream, chunk: chunk.toString("base64") }),
    );
  }

  private emit(id: string, msg: EventMsg): void {
    this.persist(msg);
    this.notify(id, msg);
  }

  private persist(msg: EventMsg): void {
    this.d.recorder.record([{ type: "event_msg", payload: msg } as RolloutItem]);
  }

  /**
   * Ends a task: its closing events are recorded and the rollout flushed before any subscriber hears that the
   * turn is over, so a client that reads (or resumes) the rollout right after `task_complete` sees the whole turn.
   */
  private async finishTask(id: string, closing: EventMsg[]): Promise<void> {
    this.running = null;
    for (const msg of closing) this.persist(msg);
    await this.d.recorder.flush().catch(() => undefined);
    for (const msg of closing) this.notify(id, msg);
  }

  private notify(id: string, msg: EventMsg): void {
    for (const l of [...this.listeners]) {
      try {
        l({ id, msg: toEventMsg(msg) });
      } catch {
        // a listener's failure must not stop the turn
      }
    }
  }

  private record(item: ResponseItemJson): void {
    this.history.push(item);
    this.d.recorder.record([{ type: "response_item", payload: item } as RolloutItem]);
  }

  /**
   * Queues `op` and returns its submission id. `id` lets a caller name the submission (the MCP server uses the
   * tools/call request id, as Codex does) and leaves the counter alone, as Codex's `submit_with_id` does.
   */
  async submit(op: Op, id: string = String(this.nextSubmission++)): Promise<string> {
    if (this.closed) throw new Error(`conversation ${this.id} is shut down`);
    this.startupEvents = [];
    switch (op.type) {
      case "exec_approval":
      case "patch_approval": {
        const resolveApproval = this.approvals.get(op.id);
        this.approvals.delete(op.id);
        resolveApproval?.(op.decision);
        return id;
      }
      case "interrupt":
        this.interrupt();
        return id;
      default:
        break;
    }
    this.queue = this.queue.then(() => this.handle(id, op)).catch(() => undefined);
    return id;
  }

  /** A retry notice from the model client, reported on the running turn. */
  streamError(message: string): void {
    this.emit(this.currentTurn ?? "", ev({ type: "stream_error", message }));
  }

  private interrupt(): void {
    this.running?.abort();
    for (const [callId, resolveApproval] of this.approvals) {
      this.approvals.delete(callId);
      resolveApproval("abort");
    }
  }

  private async handle(id: string, op: Op): Promise<void> {
    switch (op.type) {
      case "user_input":
        return this.runTurn(id, op.items);
      case "user_turn":
        this.applySettings(op);
        return this.runTurn(id, op.items);
      case "override_turn_context":
        this.applySettings(op);
        return;
      case "compact":
        return this.compact(id);
      case "shutdown":
        this.closed = true;
        await this.d.mcp?.close();
        await this.d.recorder.shutdown();
        this.emit(id, ev({ type: "shutdown_complete" }));
        return;
      default:
        return;
    }
  }

  private applySettings(o: Partial<TurnOpSettings>): void {
    this.settings = {
      ...this.settings,
      ...(o.cwd !== undefined ? { cwd: resolve(o.cwd) } : {}),
      ...(o.approval_policy !== undefined ? { approvalPolicy: o.approval_policy } : {}),
      ...(o.sandbox_policy !== undefined ? { sandboxPolicy: sandboxPolicyFromWire(o.sandbox_policy) } : {}),
      ...(o.model !== undefined ? { model: o.model } : {}),
      ...(o.effort !== undefined ? { effort: o.effort ?? undefined } : {}),
      ...(o.summary !== undefined ? { summary: o.summary } : {}),
    };
  }

  /** Shuts the conversation down: aborts the running turn and flushes the rollout. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.interrupt();
    await this.submit({ type: "shutdown" });
    await this.queue;
  }

  private async runTurn(id: string, items: InputItem[]): Promise<void> {
    const abort = new AbortController();
    this.running = abort;
    this.currentTurn = id;
    this.turnDiff = new TurnDiffTracker();
    this.emit(id, ev({ type: "task_started", model_context_window: modelContextWindow(this.d.config) }));
    const changed = environmentContext(this.settings, this.lastSettingsSent);
    if (changed) this.record(userMessage(changed));
    this.lastSettingsSent = this.settings;
    const { message, text, images } = await this.userInput(items);
    this.record(message);
    // 0.58.0 sends the item events first and `user_message` (the item's legacy form) after them.
    const userItem = { UserMessage: { id: randomUUID(), content: this.userInputs(items) } };
    this.emit(id, ev({ type: "item_started", thread_id: this.id, turn_id: id, item: userItem }));
    this.emit(id, ev({ type: "item_completed", thread_id: this.id, turn_id: id, item: userItem }));
    this.emit(id, ev({ type: "user_message", message: text, images }));
    let lastAgentMessage: string | null = null;
    let closing: EventMsg[] = [];
    const compactLimit = autoCompactTokenLimit(this.d.config);
    // Set while the request after an auto-compaction is pending: reaching the limit again then ends the turn.
    let justCompacted = false;
    try {
      for (;;) {
        const sampled = await this.sampleWithRetries(id, abort.signal);
        const { items, calls, lastMessage, contextTokens } = sampled;
        if (lastMessage !== null) lastAgentMessage = lastMessage;
        const { outputs, aborted } = await this.runTools(id, calls, abort.signal);
        // As 0.58.0 does, a response's items reach the history and the rollout only once the response has completed
        // and its tools have run (so after its token_count), each tool call followed by its output; a response
        // whose stream fails keeps none of them, one interrupted mid-stream the items it had completed (calls
        // with aborted outputs).
        for (const item of items) {
          this.record(item);
          for (const output of outputs.get(item) ?? []) this.record(output);
        }
        if (sampled.interrupted) throw new TurnAborted();
        // Interrupted while its tools ran: 0.58.0 has already begun the next request (its turn_context is written)
        // when it notices, and the turn ends there.
        if (aborted) {
          this.recordTurnContext();
          throw new TurnAborted();
        }
        // Codex repeats the turn's diff after every response once the turn has changed files.
        await this.emitTurnDiff(id);
        // Auto-compaction (0.58.0): once a response's total tokens reach the limit, its tool calls have run, and
        // the history is compacted; the next request then continues the turn from the summary.
        if (compactLimit !== null && contextTokens !== null && contextTokens >= compactLimit) {
          if (justCompacted) {
            this.emit(id, ev({ type: "error", message: stillOverLimitMessage(compactLimit, contextTokens) }));
            lastAgentMessage = null;
            break;
          }
          justCompacted = true;
          lastAgentMessage = null;
          await runCompaction(this.compactionHost(id), abort.signal);
          continue;
        }
        justCompacted = false;
        if (calls.length === 0) break;
      }
      closing = [ev({ type: "task_complete", last_agent_message: lastAgentMessage })];
    } catch (err) {
      if (abort.signal.aborted || err instanceof TurnAborted) {
        closing = [ev({ type: "turn_aborted", reason: "interrupted" })];
      } else {
        closing = [
          ev({ type: "error", message: (err as Error).message }),
          ev({ type: "task_complete", last_agent_message: lastAgentMessage }),
        ];
      }
    } finally {
      await this.finishTask(id, closing);
    }
  }

  private userInputs(items: InputItem[]): Record<string, unknown>[] {
    return items.map((i) =>
      i.type === "image"
        ? { type: "image", image_url: i.data.image_url }
        : i.type === "localImage"
          ? { type: "local_image", path: i.data.path }
          : { type: "text", text: String(i.data.text ?? "") },
    );
  }

  private async userInput(items: InputItem[]) {
    const content: Record<string, unknown>[] = [];
    const texts: string[] = [];
    const images: string[] = [];
    for (const item of items) {
      if (item.type === "text") {
        texts.push(String(item.data.text ?? ""));
        content.push({ type: "input_text", text: String(item.data.text ?? "") });
      } else if (item.type === "image") {
        images.push(String(item.data.image_url));
        content.push({ type: "input_image", image_url: String(item.data.image_url) });
      } else if (item.type === "localImage") {
        const url = await imageDataUrl(this.resolvePath(String(item.data.path)));
        images.push(url);
        content.push({ type: "input_image", image_url: url });
      }
    }
    return { message: { type: "message", role: "user", content }, text: texts.join("\n"), images };
  }

  private resolvePath(path: string): string {
    return isAbsolute(path) ? path : resolve(this.settings.cwd, path);
  }

  /** The reasoning settings of the next request (the turn's effort and summary); none for non-reasoning models. */
  private reasoning(): Prompt["reasoning"] {
    const s = this.settings;
    return reasoningFor(s.model, s.effort, s.summary, this.d.config);
  }

  private prompt(): Prompt {
    const s = this.settings;
    const shape = requestShape(this.d.config, s, this.d.instructions);
    return {
      model: s.model,
      instructions: shape.instructions,
      input: this.history,
      tools: [...shape.tools, ...(this.d.mcp?.toolSpecs() ?? [])],
      ...(shape.reasoning ? { reasoning: shape.reasoning } : {}),
      ...(shape.verbosity ? { verbosity: shape.verbosity } : {}),
      conversationId: this.id,
    };
  }

  /**
   * One model request of the turn, sent again (as a new request, with its own `turn_context` line) while it fails
   * with anything but a fatal error, up to the provider's `stream_max_retries`, each retry announced as
   * `stream_error "Reconnecting... n/N"` (0.58.0; the client has already re-sent HTTP failures silently).
   */
  private async sampleWithRetries(id: string, signal: AbortSignal) {
    const budget = this.d.client.streamMaxRetries;
    for (let retries = 0; ; ) {
      try {
        return await this.sample(id, signal);
      } catch (err) {
        if (signal.aborted || !(err instanceof ModelError) || err.fatal || retries >= budget) throw err;
        retries += 1;
        this.emit(id, ev({ type: "stream_error", message: `Reconnecting... ${retries}/${budget}` }));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, err.retryAfterMs ?? retryBackoffMs(retries));
          const stop = () => {
            clearTimeout(timer);
            resolve();
          };
          signal.addEventListener("abort", stop, { once: true });
        });
        if (signal.aborted) throw new TurnAborted();
      }
    }
  }

  /**
   * One model request: streams events and returns the response's output items (to be recorded by the caller) and
   * the tool calls among them.
   */
  private async sample(id: string, signal: AbortSignal) {
    this.recordTurnContext();
    const items: ResponseItemJson[] = [];
    const calls: ResponseItemJson[] = [];
    let lastMessage: string | null = null;
    let rateLimits: unknown = null;
    let contextTokens: number | null = null;
    let itemStarted = false;
    const info = () => this.tokenInfo();
    try {
      for await (const e of this.d.client.stream(this.prompt(), signal, { turnRetries: false })) {
        switch (e.type) {
          case "rate_limits":
            rateLimits = e.snapshot;
            this.emit(id, ev({ type: "token_count", info: info(), rate_limits: rateLimits }));
            break;
          case "item_added": {
            const turnItem = this.turnItem(e.item, true);
            if (turnItem) {
              itemStarted = true;
              this.emit(id, ev({ type: "item_started", thread_id: this.id, turn_id: id, item: turnItem }));
            }
            break;
          }
          // Deltas: the item event first, then its legacy form, as 0.58.0 sends them.
          case "text_delta":
          case "reasoning_summary_delta":
          case "reasoning_content_delta": {
            const [itemEvent, legacyEvent] = DELTA_EVENTS[e.type];
            const itemId = e.itemId ?? "";
            this.emit(
              id,
              ev({ type: itemEvent, thread_id: this.id, turn_id: id, item_id: itemId, delta: e.delta }),
            );
            this.emit(id, ev({ type: legacyEvent, delta: e.delta }));
            break;
          }
          case "reasoning_section_break":
            this.emit(id, ev({ type: "agent_reasoning_section_break" }));
            break;
          case "item_done": {
            const item = e.item;
            const type = item.type;
            // Stored without the Responses item id, as 0.58.0 stores (and later sends) it.
            const recorded = normalizeResponseItem(item);
            // 0.58.0 keeps a response's messages, reasoning and tool calls; a web search call it reports but drops.
            if (type !== "web_search_call") items.push(recorded);
            if (type === "function_call" || type === "custom_tool_call" || type === "local_shell_call")
              calls.push(recorded);
            // The item event first, then its legacy events (0.58.0 derives those from the item and sends them after).
            const turnItem = this.turnItem(item, false);
            // Any done item ends the started one; a message, reasoning or web search that was not started (a web
            // search always, Chat providers' aggregated items) is started and completed at once (0.58.0). A web
            // search gets no `web_search_begin`, only `web_search_end` after the item.
            if (!itemStarted && turnItem)
              this.emit(id, ev({ type: "item_started", thread_id: this.id, turn_id: id, item: turnItem }));
            itemStarted = false;
            if (turnItem)
              this.emit(id, ev({ type: "item_completed", thread_id: this.id, turn_id: id, item: turnItem }));
            if (type === "message") {
              const text = ((item.content as { text?: string }[]) ?? []).map((c) => c.text ?? "").join("");
              lastMessage = text;
              this.emit(id, ev({ type: "agent_message", message: text }));
            }
            if (type === "reasoning") {
              for (const part of (item.summary as { text?: string }[]) ?? []) {
                this.emit(id, ev({ type: "agent_reasoning", text: part.text ?? "" }));
              }
              // The raw reasoning only for `show_raw_agent_reasoning` (0.58.0).
              if (this.d.config.showRawAgentReasoning) {
                for (const part of (item.content as { text?: string }[] | null) ?? []) {
                  this.emit(id, ev({ type: "agent_reasoning_raw_content", text: part.text ?? "" }));
                }
              }
            }
            if (type === "web_search_call") {
              const query = String((item.action as { query?: string } | undefined)?.query ?? "");
              this.emit(id, ev({ type: "web_search_end", call_id: String(item.id ?? ""), query }));
            }
            break;
          }
          case "completed":
            if (e.usage) {
              this.lastUsage = e.usage;
              this.totalUsage = addUsage(this.totalUsage, e.usage);
              contextTokens = e.usage.total_tokens;
            }
            this.emit(id, ev({ type: "token_count", info: info(), rate_limits: rateLimits }));
            break;
        }
      }
    } catch (err) {
      // Interrupted mid-stream: what had completed is still the caller's to record.
      if (signal.aborted) return { items, calls, lastMessage, contextTokens, interrupted: true };
      throw err;
    }
    return { items, calls, lastMessage, contextTokens, interrupted: false };
  }

  /**
   * Runs a response's tool calls in order. Once the turn is interrupted (or the user answers `abort`), the call
   * being run and every later one report an aborted output instead (0.58.0 cancels them all), and `aborted` is set.
   */
  private async runTools(turnId: string, calls: ResponseItemJson[], signal: AbortSignal) {
    const outputs = new Map<ResponseItemJson, ResponseItemJson[]>();
    let aborted = false;
    for (const call of calls) {
      const started = Date.now();
      let abortOutput: string | undefined;
      if (!aborted && !signal.aborted) {
        try {
          outputs.set(call, [await this.runTool(turnId, call, signal)].flat());
          continue;
        } catch (err) {
          if (!(err instanceof TurnAborted) && !signal.aborted) throw err;
          if (err instanceof TurnAborted) abortOutput = err.output;
        }
      }
      aborted = true;
      const text = abortOutput ?? abortedToolOutput(String(call.name ?? ""), (Date.now() - started) / 1000);
      const type = call.type === "custom_tool_call" ? "custom_tool_call_output" : "function_call_output";
      outputs.set(call, [{ type, call_id: String(call.call_id ?? ""), output: text }]);
    }
    return { outputs, aborted };
  }

  /** Every model request gets a `turn_context` rollout line with the settings it was sent with. */
  private recordTurnContext(): void {
    const s = this.settings;
    this.d.recorder.record([
      {
        type: "turn_context",
        payload: {
          cwd: s.cwd,
          approval_policy: s.approvalPolicy,
          sandbox_policy: s.sandboxPolicy,
          model: s.model,
          ...(s.effort ? { effort: s.effort } : {}),
          summary: s.summary,
        },
      },
    ]);
  }

  /** `token_count.info`: the usage so far (null before any response reported usage). */
  private tokenInfo() {
    return this.totalUsage.total_tokens > 0
      ? {
          total_token_usage: this.totalUsage,
          last_token_usage: this.lastUsage,
          model_context_window: modelContextWindow(this.d.config),
        }
      : null;
  }

  private lastUsage = emptyUsage();

  /** The conversation as a compaction sees it (compact/run.ts); `turnId` is the task its events belong to. */
  private compactionHost(turnId: string): CompactionHost {
    return {
      client: this.d.client,
      prompt: () => this.prompt(),
      history: () => this.history,
      replaceHistory: (items) => {
        this.history = items;
      },
      initialContext: () =>
        initialContext(this.settings, this.d.config.developerInstructions, this.d.config.userInstructions),
      compactPrompt: () => this.d.config.compactPrompt ?? DEFAULT_COMPACT_PROMPT,
      recordTurnContext: () => this.recordTurnContext(),
      tokenCount: (rateLimits: RateLimitSnapshot | null, usage?: TokenUsage | null) => {
        if (usage) {
          this.lastUsage = usage;
          this.totalUsage = addUsage(this.totalUsage, usage);
        }
        const snapshot = rateLimits ?? { primary: null, secondary: null };
        this.emit(turnId, ev({ type: "token_count", info: this.tokenInfo(), rate_limits: snapshot }));
      },
      estimateContext: (tokens) => {
        this.lastUsage = { ...emptyUsage(), total_tokens: tokens };
      },
      recordCompacted: (message) => this.d.recorder.record([{ type: "compacted", payload: { message } }]),
      emit: (msg) => this.emit(turnId, msg),
    };
  }

  private turnItem(item: ResponseItemJson, starting: boolean): Record<string, unknown> | null {
    const id = String(item.id ?? randomUUID());
    if (item.type === "message" && item.role === "assistant") {
      const text = starting
        ? ""
        : ((item.content as { text?: string }[]) ?? []).map((c) => c.text ?? "").join("");
      return { AgentMessage: { id, content: starting ? [] : [{ Text: { text } }] } };
    }
    if (item.type === "reasoning") {
      const texts = (parts: unknown) =>
        starting ? [] : ((parts as { text?: string }[]) ?? []).map((p) => p.text ?? "");
      return { Reasoning: { id, summary_text: texts(item.summary), raw_content: texts(item.content) } };
    }
    if (item.type === "web_search_call" && !starting) {
      return {
        WebSearch: { id, query: String((item.action as { query?: string } | undefined)?.query ?? "") },
      };
    }
    return null;
  }

  private async runTool(
    turnId: string,
    call: ResponseItemJson,
    signal: AbortSignal,
  ): Promise<ResponseItemJson | ResponseItemJson[]> {
    // A local_shell_call (codex-mini-latest) may carry only its item id; it runs as the shell function.
    const callId = String(call.call_id ?? call.id ?? "");
    const name = call.type === "local_shell_call" ? "shell" : String(call.name ?? "");
    const output = (text: string) =>
      call.type === "custom_tool_call"
        ? { type: "custom_tool_call_output", call_id: callId, output: text }
        : { type: "function_call_output", call_id: callId, output: text };
    const mcp = this.d.mcp;
    const mcpTool = call.type === "function_call" ? mcp?.resolve(name) : undefined;
    if (mcp && mcpTool)
      return output(
        await this.mcpToolCall(mcp, turnId, callId, mcpTool, String(call.arguments ?? ""), signal),
      );
    if (call.type === "function_call" && MCP_RESOURCE_TOOL_NAMES.has(name))
      return output(await this.resourceToolCall(turnId, callId, name, String(call.arguments ?? "")));
    const refused = unofferedToolAnswer(call, this.prompt().tools);
    if (refused !== null) return output(refused);
    let args: Record<string, unknown> = call.type === "local_shell_call" ? localShellArguments(call) : {};
    if (call.type === "function_call") {
      try {
        args = JSON.parse(String(call.arguments ?? "{}")) as Record<string, unknown>;
      } catch (err) {
        // serde_json's words and position, as 0.58.0 reports them.
        const syntax = jsonSyntaxError(String(call.arguments ?? "{}")) ?? (err as Error).message;
        return output(`failed to parse function arguments: ${syntax}`);
      }
    }
    switch (name) {
      case "shell":
      case "container.exec": {
        const patch = Array.isArray(args.command) ? patchFromShellCommand(args.command.map(String)) : null;
        if (patch !== null) {
          const cwd = args.workdir ? this.resolvePath(String(args.workdir)) : this.settings.cwd;
          return output(await this.applyPatchTool(turnId, callId, patch, signal, cwd));
        }
        return output(await this.shell(turnId, callId, args, signal));
      }
      case "shell_command": {
        const shellArgs = shellCommandArguments(args);
        if (shellArgs === null)
          return output("failed to parse function arguments: invalid type: `command` must be a string");
        return output(await this.shell(turnId, callId, shellArgs, signal));
      }
      case "update_plan": {
        this.emit(
          turnId,
          ev({ type: "plan_update", explanation: args.explanation ?? null, plan: args.plan ?? [] }),
        );
        return output("Plan updated");
      }
      case "apply_patch":
        return output(
          await this.applyPatchTool(
            turnId,
            callId,
            call.type === "custom_tool_call" ? String(call.input ?? "") : String(args.input ?? ""),
            signal,
          ),
        );
      case "view_image": {
        const path = this.resolvePath(String(args.path ?? ""));
        let url: string;
        try {
          url = await imageDataUrl(path);
        } catch (err) {
          return output(`unable to read image at ${path}: ${(err as Error).message}`);
        }
        this.emit(turnId, ev({ type: "view_image_tool_call", call_id: callId, path }));
        return [
          output("attached local image path"),
          { type: "message", role: "user", content: [{ type: "input_image", image_url: url }] },
        ];
      }
      default:
        return output(`unsupported call: ${name}`);
    }
  }

  /** Runs an MCP tool between `mcp_tool_call_begin` and `mcp_tool_call_end`; returns the model's output text. */
  private async mcpToolCall(
    mcp: McpConnectionManager,
    turnId: string,
    callId: string,
    target: { server: string; tool: string },
    rawArguments: string,
    signal: AbortSignal,
  ): Promise<string> {
    let args: Record<string, unknown> | null = null;
    if (rawArguments.trim() !== "") {
      try {
        args = JSON.parse(rawArguments) as Record<string, unknown>;
      } catch (err) {
        return `err: ${(err as Error).message}`;
      }
    }
    const invocation = { server: target.server, tool: target.tool, arguments: args };
    this.emit(turnId, ev({ type: "mcp_tool_call_begin", call_id: callId, invocation }));
    const started = process.hrtime.bigint();
    let result: McpCallOutcome;
    try {
      // Progress is an extension event (see extension-events.ts): passed on, not recorded, for v2's
      // `item/mcpToolCall/progress`, which 0.58.0 declares but never sends.
      const onProgress = (p: McpProgress) =>
        this.notify(
          turnId,
          ev({ type: "mcp_tool_call_progress", call_id: callId, message: progressMessage(p) }),
        );
      result = { Ok: await mcp.callTool(target.server, target.tool, args, signal, onProgress) };
    } catch (err) {
      if (signal.aborted) throw new TurnAborted();
      result = { Err: `tool call error: ${(err as Error).message}` };
    }
    const elapsed = process.hrtime.bigint() - started;
    const duration = { secs: Number(elapsed / 1_000_000_000n), nanos: Number(elapsed % 1_000_000_000n) };
    this.emit(turnId, ev({ type: "mcp_tool_call_end", call_id: callId, invocation, duration, result }));
    return mcpFunctionOutput(result);
  }

  /** list_mcp_resources / list_mcp_resource_templates / read_mcp_resource, between MCP call begin/end events. */
  private async resourceToolCall(turnId: string, callId: string, tool: string, rawArguments: string) {
    const call = resourceToolCall(this.d.mcp, tool, rawArguments);
    if (call.kind === "invalid") return call.output;
    const { invocation } = call;
    this.emit(turnId, ev({ type: "mcp_tool_call_begin", call_id: callId, invocation }));
    const started = process.hrtime.bigint();
    const outcome = await call.run();
    const elapsed = process.hrtime.bigint() - started;
    const duration = { secs: Number(elapsed / 1_000_000_000n), nanos: Number(elapsed % 1_000_000_000n) };
    const result =
      "Ok" in outcome ? { Ok: { content: [{ type: "text", text: outcome.Ok }], isError: false } } : outcome;
    this.emit(turnId, ev({ type: "mcp_tool_call_end", call_id: callId, invocation, duration, result }));
    return "Ok" in outcome ? outcome.Ok : outcome.Err;
  }

  private askApproval(
    turnId: string,
    callId: string,
    msg: EventMsg,
    signal: AbortSignal,
  ): Promise<ReviewDecision> {
    if (signal.aborted) return Promise.resolve("abort");
    return new Promise((resolveDecision) => {
      this.approvals.set(callId, resolveDecision);
      this.emit(turnId, msg);
    });
  }

  private async shell(
    turnId: string,
    callId: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<string> {
    const command = Array.isArray(args.command) ? args.command.map(String) : [];
    if (command.length === 0)
      return "failed to parse function arguments: `command` must be a non-empty array of strings";
    const cwd = args.workdir ? this.resolvePath(String(args.workdir)) : this.settings.cwd;
    const parsed = parseCommand(command);
    const s = this.settings;
    const key = JSON.stringify(command);
    const escalate = args.with_escalated_permissions === true;
    this.emit(
      turnId,
      ev({
        type: "exec_command_begin",
        call_id: callId,
        command,
        cwd,
        parsed_cmd: parsed,
        is_user_shell_command: false,
      }),
    );
    const request = (reason: string | null, risk: SandboxCommandAssessment | null = null) =>
      this.askApproval(
        turnId,
        callId,
        ev({
          type: "exec_approval_request",
          call_id: callId,
          command,
          cwd,
          parsed_cmd: parsed,
          reason,
          risk,
        }),
        signal,
      );
    let sandbox: TurnSettings["sandboxPolicy"] | null =
      s.sandboxPolicy.mode === "danger-full-access" ? null : s.sandboxPolicy;
    const sessionApproved = this.approvedForSession.has(key);
    const needsAsk =
      !sessionApproved &&
      ((s.approvalPolicy === "untrusted" && !isKnownSafeCommand(command)) ||
        (s.approvalPolicy === "on-request" && escalate));
    // Whether the user has approved this command (now or for the session): a sandbox failure then re-runs it
    // unconfined without asking a second time, as 0.58.0 does.
    let approved = sessionApproved;
    if (needsAsk) {
      const risk = await this.assessCommand(command, null, signal);
      if (signal.aborted) throw new TurnAborted();
      const reason = escalate ? ((args.justification as string | undefined) ?? null) : null;
      const decision = await request(reason, risk);
      if (decision === "abort") this.abortedByUser(turnId, callId, signal);
      if (decision === "denied") return this.rejected(turnId, callId);
      if (decision === "approved_for_session") this.approvedForSession.add(key);
      approved = true;
      if (escalate) sandbox = null;
    }
    const run = async (policy: typeof sandbox) => {
      try {
        return await runCommand({
          command,
          cwd,
          env: commandEnvironment(this.d.config.shellEnvironmentPolicy, s.sandboxPolicy),
          sandbox: policy,
          signal,
          timeoutMs: typeof args.timeout_ms === "number" ? args.timeout_ms : DEFAULT_SHELL_TIMEOUT_MS,
          onOutput: (stream, chunk) => this.emitOutputDelta(turnId, callId, stream, chunk),
        });
      } catch (err) {
        if (err instanceof SandboxUnavailableError) {
          return {
            exitCode: 1,
            stdout: "",
            stderr: `${err.message}\n`,
            aggregatedOutput: `${err.message}\n`,
            durationMs: 0,
            timedOut: false,
            sandboxDenied: false,
          };
        }
        throw err;
      }
    };
    let result = await run(sandbox);
    if (signal.aborted) throw new TurnAborted();
    if (result.sandboxDenied && (s.approvalPolicy === "on-failure" || s.approvalPolicy === "untrusted")) {
      let retry = approved;
      if (!retry) {
        const risk = await this.assessCommand(command, sandboxFailureMessage(result), signal);
        if (signal.aborted) throw new TurnAborted();
        const decision = await request("command failed; retry without sandbox?", risk);
        if (decision === "abort") this.abortedByUser(turnId, callId, signal);
        // Refusing the unconfined re-run is a rejection like any other: the model is told so, not shown the
        // sandbox failure (0.58.0).
        if (decision === "denied") return this.rejected(turnId, callId);
        if (decision === "approved_for_session") this.approvedForSession.add(key);
        retry = true;
      }
      if (retry) {
        result = await run(null);
        if (signal.aborted) throw new TurnAborted();
      }
    }
    const { end, forHistory } = execCommandEnd(result);
    this.emit(turnId, ev({ type: "exec_command_end", call_id: callId, ...end }));
    return forHistory;
  }

  /**
   * The model's risk verdict for an exec approval request, when the assessment feature is on; null when it is off
   * or the assessment fails. As in 0.58.0 every exec approval is assessed: the first one a policy asks for (no
   * failure message) and the retry after a sandbox failure (with it).
   */
  private async assessCommand(
    command: string[],
    failureMessage: string | null,
    signal: AbortSignal,
  ): Promise<SandboxCommandAssessment | null> {
    if (this.d.config.features?.experimental_sandbox_command_assessment !== true) return null;
    const s = this.settings;
    const reasoning = this.reasoning();
    return assessSandboxCommand({
      client: this.d.client,
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

  /**
   * The user answered `abort`: the command is closed as rejected (unless an interrupt already ended the turn, which
   * closes what is open itself) and the turn ends as interrupted, as 0.58.0 does.
   */
  private abortedByUser(turnId: string, callId: string, signal: AbortSignal): never {
    if (signal.aborted) throw new TurnAborted();
    throw new TurnAborted(this.rejected(turnId, callId));
  }

  private rejected(turnId: string, callId: string): string {
    const text = "exec command rejected by user";
    this.emit(
      turnId,
      ev({
        type: "exec_command_end",
        call_id: callId,
        stdout: "",
        stderr: text,
        aggregated_output: text,
        exit_code: -1, // 0.58.0 reports a command the user rejected with exit code -1
        duration: { secs: 0, nanos: 0 },
        formatted_output: text,
      }),
    );
    return text;
  }

  private async applyPatchTool(
    turnId: string,
    callId: string,
    input: string,
    signal: AbortSignal,
    cwd = this.settings.cwd,
  ): Promise<string> {
    const s = this.settings;
    let planned: Awaited<ReturnType<typeof planChanges>>;
    try {
      planned = await planChanges(parsePatch(input), cwd);
    } catch (err) {
      if (err instanceof EmptyPatchError) return "patch rejected: empty patch";
      return `apply_patch verification failed: ${(err as Error).message}`;
    }
    const changes = toFileChanges(planned);
    const paths = Object.keys(changes);
    const roots =
      s.sandboxPolicy.mode === "workspace-write" ? [s.cwd, ...s.sandboxPolicy.writable_roots] : [s.cwd];
    const inside = paths.every((p) => roots.some((r) => p === r || p.startsWith(`${r}/`)));
    // `untrusted` asks for every edit; otherwise edits inside the writable roots (or anywhere, with full
    // access) go through, and anything else needs the user's approval.
    const autoApproved =
      s.approvalPolicy !== "untrusted" &&
      (s.sandboxPolicy.mode === "danger-full-access" ||
        (s.sandboxPolicy.mode === "workspace-write" && inside));
    if (!autoApproved) {
      if (s.approvalPolicy === "never")
        return "patch rejected: writing outside the writable roots is not allowed";
      const decision = await this.askApproval(
        turnId,
        callId,
        ev({
          type: "apply_patch_approval_request",
          call_id: callId,
          changes,
          reason: null,
          grant_root: null,
        }),
        signal,
      );
      if (decision === "abort") throw new TurnAborted();
      if (decision === "denied") return "patch rejected by user";
    }
    await this.turnDiff.beforePatch(planned);
    this.emit(
      turnId,
      ev({ type: "patch_apply_begin", call_id: callId, auto_approved: autoApproved, changes }),
    );
    const started = Date.now();
    const result = await applyPatch(input, cwd);
    // 0.58.0 runs the patch as a child process, whose output reaches clients as output deltas before the end event.
    for (const [stream, text] of [
      ["stdout", result.stdout],
      ["stderr", result.stderr],
    ] as const) {
      if (text) this.emitOutputDelta(turnId, callId, stream, Buffer.from(text));
    }
    this.emit(
      turnId,
      ev({
        type: "patch_apply_end",
        call_id: callId,
        stdout: result.stdout,
        stderr: result.stderr,
        success: result.success,
      }),
    );
    await this.emitTurnDiff(turnId);
    return execToolOutput({
      aggregatedOutput: result.success ? result.stdout : result.stderr,
      exitCode: result.success ? 0 : 1,
      durationMs: Date.now() - started,
    }).forHistory;
  }

  private async emitTurnDiff(turnId: string): Promise<void> {
    const unifiedDiff = await this.turnDiff.unifiedDiff().catch(() => null);
    if (unifiedDiff) this.emit(turnId, ev({ type: "turn_diff", unified_diff: unifiedDiff }));
  }

  /**
   * The `compact` op: a task of its own around the same compaction a turn runs when it reaches the auto-compact
   * limit (compact/run.ts). A failed request has already been reported as `error`; the task still completes.
   */
  private async compact(id: string): Promise<void> {
    this.emit(id, ev({ type: "task_started", model_context_window: modelContextWindow(this.d.config) }));
    const abort = new AbortController();
    this.running = abort;
    this.currentTurn = id;
    let closing: EventMsg[] = [];
    try {
      await runCompaction(this.compactionHost(id), abort.signal);
      closing = [ev({ type: "task_complete", last_agent_message: null })];
    } catch (err) {
      closing = abort.signal.aborted
        ? [ev({ type: "turn_aborted", reason: "interrupted" })]
        : [
            ev({ type: "error", message: (err as Error).message }),
            ev({ type: "task_complete", last_agent_message: null }),
          ];
    } finally {
      await this.finishTask(id, closing);
    }
  }
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    reasoning_output_tokens: a.reasoning_output_tokens + b.reasoning_output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

const MIME: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

async function imageDataUrl(path: string): Promise<string> {
  const data = await readFile(path);
  return `data:${MIME[extname(path).toLowerCase()] ?? "application/octet-stream"};base64,${data.toString("base64")}`;
}
