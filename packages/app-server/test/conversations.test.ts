import { PassThrough } from "node:stream";
import type { CoreEvent, Op } from "@codex-ts/core";
import { connectInProcess, errorOf, type Message } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { AppServer, type ConversationHandle, createHandlerTables, runAppServer } from "../src/index.js";

const CONV_0 = "00000000-0000-4000-8000-000000000000";
const CONV_X = "00000000-0000-4000-8000-0000000000ff";
const UNKNOWN = "00000000-0000-4000-8000-0000000000aa";
const SETTINGS = {
  cwd: "/w",
  approvalPolicy: "on-request",
  sandboxPolicy: { mode: "read-only" },
  model: "mock-model",
  summary: "auto",
} as const;

/**
 * An in-memory stand-in for the core conversation (the DESIGN.md `Conversation` contract): a user turn runs a
 * shell command that needs approval, waits for the approval op, then answers; an interrupt aborts the turn.
 */
class ScriptedConversation implements ConversationHandle {
  readonly rolloutPath = "/sessions/rollout.jsonl";
  readonly ops: Op[] = [];
  private readonly listeners = new Set<(e: CoreEvent) => void>();
  private nextSubmission = 0;
  private approval: ((decision: string) => void) | null = null;

  constructor(readonly id: string) {}

  /** 0.58 connections never steer or ask for the running turn. */
  activeTurn(): null {
    return null;
  }

  steer(): string {
    throw new Error("not used by 0.58 connections");
  }

  sample(): never {
    throw new Error("not used by 0.58 connections");
  }

  useAgents(): void {}

  agentsConfig(): undefined {
    return undefined;
  }
  changeOutOfBandElicitations(): never {
    throw new Error("not used by 0.58 connections");
  }
  /** No MCP servers here: nothing to ask about. */
  enableMcpElicitation(): void {}
  recordToRollout(): void {}
  async flushRollout(): Promise<void> {}

  get backgroundTerminals(): never {
    throw new Error("not used by 0.58 connections");
  }

  mcpStartupStatuses(): never {
    throw new Error("not used by 0.58 connections");
  }

  onMcpStartupStatus(): never {
    throw new Error("not used by 0.58 connections");
  }

  startMcpServers(): never {
    throw new Error("not used by 0.58 connections");
  }

  mcpServerConfig(): never {
    throw new Error("not used by 0.58 connections");
  }

  restartMcpServer(): never {
    throw new Error("not used by 0.58 connections");
  }

  callMcpTool(): never {
    throw new Error("not used by 0.58 connections");
  }

  readMcpResource(): never {
    throw new Error("not used by 0.58 connections");
  }

  subscribe(listener: (e: CoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(id: string, msg: CoreEvent["msg"]): void {
    for (const l of this.listeners) l({ id, msg });
  }

  async submit(op: Op): Promise<string> {
    const id = String(this.nextSubmission++);
    this.ops.push(op);
    if (op.type === "user_input") void this.runTurn(id);
    if (op.type === "exec_approval") this.approval?.(op.decision);
    if (op.type === "interrupt") this.approval?.("abort");
    return id;
  }

  private async runTurn(id: string): Promise<void> {
    this.emit(id, { type: "task_started", model_context_window: null });
    this.emit(id, {
      type: "exec_command_begin",
      call_id: "call_1",
      command: ["touch", "x"],
      cwd: "/w",
      parsed_cmd: [],
    });
    const decision = await new Promise<string>((resolve) => {
      this.approval = resolve;
      this.emit(id, {
        type: "exec_approval_request",
        call_id: "call_1",
        command: ["touch", "x"],
        cwd: "/w",
        reason: null,
        risk: null,
        parsed_cmd: [],
      });
    });
    if (decision === "abort") {
      this.emit(id, { type: "turn_aborted", reason: "interrupted" });
      return;
    }
    this.emit(id, {
      type: "exec_command_end",
      call_id: "call_1",
      aggregated_output: "",
      exit_code: 0,
      duration: { secs: 0, nanos: 0 },
      formatted_output: "",
      stdout: "",
      stderr: "",
    });
    this.emit(id, {
      type: "item_completed",
      thread_id: this.id,
      turn_id: id,
      item: { AgentMessage: { id: "msg_1", content: [{ Text: { text: `${decision}!` } }] } },
    });
    this.emit(id, { type: "task_complete", last_agent_message: `${decision}!` });
  }
}

function start() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const conversations: ScriptedConversation[] = [];
  const open = async () => {
    const c = new ScriptedConversation(`00000000-0000-4000-8000-00000000000${conversations.length}`);
    conversations.push(c);
    return {
      conversationId: c.id,
      conversation: c,
      sessionConfigured: { model: "mock-model", reasoning_effort: null, rollout_path: c.rolloutPath },
      rolloutPath: c.rolloutPath,
      modelProvider: "mock",
      settings: SETTINGS,
    };
  };
  const server = new AppServer({
    stdin,
    stdout,
    handlers: (s) => createHandlerTables(s, { conversations: { open } }),
  });
  const client = connectInProcess({ stdin, stdout });
  const done = server.run();
  const ready = client.initialize({ name: "t", version: "1" });
  return { client, ready, server, done, conversations };
}

describe("conversation handlers over the core contract", () => {
  it("v2: thread/start, turn/start with an approved command, notifications in schema order", async () => {
    const t = start();
    const c = t.client;
    await t.ready;
    const started = await c.request("thread/start", {});
    expect(started.thread).toMatchObject({
      id: CONV_0,
      preview: "",
      modelProvider: "mock",
      path: "/sessions/rollout.jsonl",
    });
    await c.waitFor((m) => m.method === "thread/started");
    c.fire("turn/start", { threadId: CONV_0, input: [{ type: "text", text: "go" }] });
    const approval = await c.waitFor((m) => m.method === "execCommandApproval");
    expect(approval.params).toMatchObject({
      conversationId: CONV_0,
      callId: "call_1",
      command: ["touch", "x"],
    });
    c.answer(approval, { decision: "approved" });
    await c.waitFor((m) => m.method === "turn/completed");
    const turnAnswer = c.responseTo("turn/start");
    const v2 = c.messages.filter(
      (m) =>
        m === turnAnswer ||
        (m.method && !m.method.startsWith("codex/event/") && m.method !== "execCommandApproval"),
    );
    expect(v2.map((m) => m.method ?? "response")).toEqual([
      "thread/started",
      "response",
      "turn/started",
      "item/started",
      "item/completed",
      "item/completed",
      "turn/completed",
    ]);
    const response = v2[1] as Message & { result: { turn: unknown } };
    expect(response.result.turn).toEqual({
      id: "0",
      items: [{ type: "userMessage", id: "0", content: [{ type: "text", text: "go" }] }],
      status: "inProgress",
      error: null,
    });
    expect(v2.at(-1)?.params).toMatchObject({ turn: { id: "0", status: "completed" } });
    expect(
      c.messages.some(
        (m) =>
          m.method === "codex/event/task_complete" &&
          (m.params as { conversationId: string }).conversationId === CONV_0,
      ),
    ).toBe(true);
    expect(t.conversations[0]?.ops).toContainEqual({
      type: "exec_approval",
      id: "call_1",
      decision: "approved",
    });
    expect(t.server.peer.pendingCount).toBe(0);
    await c.close();
    await t.done;
  });

  it("v1: listener events, interrupt abandons the pending approval, unknown ids get 0.58.0's errors", async () => {
    const t = start();
    const c = t.client;
    await t.ready;
    expect(await c.request("newConversation", {})).toEqual({
      conversationId: CONV_0,
      model: "mock-model",
      reasoningEffort: null,
      rolloutPath: "/sessions/rollout.jsonl",
    });
    const { subscriptionId: sub } = await c.request("addConversationListener", { conversationId: CONV_0 });
    c.fire("sendUserMessage", { conversationId: CONV_0, items: [{ type: "text", data: { text: "hi" } }] });
    await c.waitFor((m) => m.method === "execCommandApproval");
    expect(t.server.peer.pendingCount).toBe(1);
    expect(await c.request("interruptConversation", { conversationId: CONV_0 })).toEqual({
      abortReason: "interrupted",
    });
    expect(t.server.peer.pendingCount).toBe(0);
    const events = c.messages.filter((m) => m.method?.startsWith("codex/event/")).map((m) => m.method);
    expect(events).toEqual([
      "codex/event/task_started",
      "codex/event/exec_command_begin",
      "codex/event/exec_approval_request",
      "codex/event/turn_aborted",
    ]);
    expect(await c.request("removeConversationListener", { subscriptionId: sub })).toEqual({});
    expect(await errorOf(c.request("removeConversationListener", { subscriptionId: sub }))).toEqual({
      code: -32600,
      message: `subscription not found: ${sub}`,
    });
    expect(await errorOf(c.request("sendUserMessage", { conversationId: UNKNOWN, items: [] }))).toEqual({
      code: -32600,
      message: `conversation not found: ${UNKNOWN}`,
    });
    // A malformed id fails decoding with the uuid parser's words, as in 0.58.0.
    expect(await errorOf(c.request("sendUserMessage", { conversationId: "nope", items: [] }))).toEqual({
      code: -32600,
      message:
        "Invalid request: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
      data: { path: "params.conversationId" },
    });
    expect(await errorOf(c.request("turn/interrupt", { threadId: "nope", turnId: "0" }))).toEqual({
      code: -32600,
      message: "conversation not found: nope",
    });
    await c.close();
    await t.done;
  });

  it("runAppServer serves them when given the runtime: thread/compact, and shutdown at EOF stops the runtime", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const c = connectInProcess({ stdin, stdout });
    const conversation = new ScriptedConversation(CONV_X);
    let shutdownCalls = 0;
    const done = runAppServer({
      stdin,
      stdout,
      conversations: {
        open: async () => ({
          conversationId: CONV_X,
          conversation,
          sessionConfigured: { model: "m", reasoning_effort: null, rollout_path: "/r" },
          rolloutPath: "/r",
          modelProvider: "mock",
          settings: SETTINGS,
        }),
        shutdownAll: async () => {
          shutdownCalls++;
        },
      },
    });
    await c.initialize({ name: "t", version: "1" });
    await c.request("thread/start", {});
    // Both requests are in flight when stdin ends: shutdown answers them before it returns.
    c.fire("thread/compact", { threadId: CONV_X });
    c.fire("thread/compact", { threadId: "other" });
    await c.waitFor(() => c.sent.filter((m) => m.method === "thread/compact").length === 2, "both sent");
    stdin.end();
    await done;
    const [ours, other] = c.sent.filter((m) => m.method === "thread/compact").map((m) => m.id);
    expect(c.messages.find((m) => m.id === ours)).toEqual({ id: ours, result: {} });
    expect(c.messages.find((m) => m.id === other)).toEqual({
      error: { code: -32600, message: "conversation not found: other" },
      id: other,
    });
    expect(conversation.ops).toContainEqual({ type: "compact" });
    expect(shutdownCalls).toBe(1);
  });
});
