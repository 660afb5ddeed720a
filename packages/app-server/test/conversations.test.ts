import { PassThrough } from "node:stream";
import type { CoreEvent, Op } from "@codex-ts/core";
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

// biome-ignore lint/suspicious/noExplicitAny: loosely typed wire messages; the assertions check their shape
type Wire = Record<string, any>;

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
  const done = server.run();
  const out: Wire[] = [];
  let buf = "";
  stdout.on("data", (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines) out.push(JSON.parse(l));
  });
  const send = (m: unknown) => stdin.write(`${JSON.stringify(m)}\n`);
  const waitFor = async (pred: (m: Wire) => boolean) => {
    for (;;) {
      const found = out.find(pred);
      if (found) return found;
      await new Promise((r) => setImmediate(r));
    }
  };
  send({ id: "init", method: "initialize", params: { clientInfo: { name: "t", version: "1" } } });
  return { stdin, server, out, send, waitFor, done, conversations };
}

describe("conversation handlers over the core contract", () => {
  it("v2: thread/start, turn/start with an approved command, notifications in schema order", async () => {
    const t = start();
    t.send({ id: 1, method: "thread/start", params: {} });
    const started = await t.waitFor((m) => m.id === 1);
    expect(started.result.thread).toMatchObject({
      id: CONV_0,
      preview: "",
      modelProvider: "mock",
      path: "/sessions/rollout.jsonl",
    });
    await t.waitFor((m) => m.method === "thread/started");
    t.send({
      id: 2,
      method: "turn/start",
      params: { threadId: CONV_0, input: [{ type: "text", text: "go" }] },
    });
    const approval = await t.waitFor((m) => m.method === "execCommandApproval");
    expect(approval.params).toMatchObject({
      conversationId: CONV_0,
      callId: "call_1",
      command: ["touch", "x"],
    });
    t.send({ id: approval.id, result: { decision: "approved" } });
    await t.waitFor((m) => m.method === "turn/completed");
    const v2 = t.out.filter(
      (m) =>
        (m.id === 2 && !m.method) ||
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
    const response = v2[1];
    expect(response?.result.turn).toEqual({
      id: "0",
      items: [{ type: "userMessage", id: "0", content: [{ type: "text", text: "go" }] }],
      status: "inProgress",
      error: null,
    });
    expect(v2.at(-1)?.params.turn).toMatchObject({ id: "0", status: "completed" });
    expect(
      t.out.some((m) => m.method === "codex/event/task_complete" && m.params.conversationId === CONV_0),
    ).toBe(true);
    expect(t.conversations[0]?.ops).toContainEqual({
      type: "exec_approval",
      id: "call_1",
      decision: "approved",
    });
    expect(t.server.peer.pendingCount).toBe(0);
    t.stdin.end();
    await t.done;
  });

  it("v1: listener events, interrupt abandons the pending approval, unknown ids get 0.58.0's errors", async () => {
    const t = start();
    t.send({ id: 1, method: "newConversation", params: {} });
    const created = await t.waitFor((m) => m.id === 1);
    expect(created.result).toEqual({
      conversationId: CONV_0,
      model: "mock-model",
      reasoningEffort: null,
      rolloutPath: "/sessions/rollout.jsonl",
    });
    t.send({ id: 2, method: "addConversationListener", params: { conversationId: CONV_0 } });
    const sub = (await t.waitFor((m) => m.id === 2)).result.subscriptionId as string;
    t.send({
      id: 3,
      method: "sendUserMessage",
      params: { conversationId: CONV_0, items: [{ type: "text", data: { text: "hi" } }] },
    });
    await t.waitFor((m) => m.method === "execCommandApproval");
    expect(t.server.peer.pendingCount).toBe(1);
    t.send({ id: 4, method: "interruptConversation", params: { conversationId: CONV_0 } });
    expect((await t.waitFor((m) => m.id === 4)).result).toEqual({ abortReason: "interrupted" });
    expect(t.server.peer.pendingCount).toBe(0);
    const events = t.out.filter((m) => m.method?.startsWith("codex/event/")).map((m) => m.method);
    expect(events).toEqual([
      "codex/event/task_started",
      "codex/event/exec_command_begin",
      "codex/event/exec_approval_request",
      "codex/event/turn_aborted",
    ]);
    t.send({ id: 5, method: "removeConversationListener", params: { subscriptionId: sub } });
    expect((await t.waitFor((m) => m.id === 5)).result).toEqual({});
    t.send({ id: 6, method: "removeConversationListener", params: { subscriptionId: sub } });
    expect((await t.waitFor((m) => m.id === 6)).error).toEqual({
      code: -32600,
      message: `subscription not found: ${sub}`,
    });
    t.send({ id: 7, method: "sendUserMessage", params: { conversationId: UNKNOWN, items: [] } });
    expect((await t.waitFor((m) => m.id === 7)).error).toEqual({
      code: -32600,
      message: `conversation not found: ${UNKNOWN}`,
    });
    // A malformed id fails decoding with the uuid parser's words, as in 0.58.0.
    t.send({ id: 71, method: "sendUserMessage", params: { conversationId: "nope", items: [] } });
    expect((await t.waitFor((m) => m.id === 71)).error).toEqual({
      code: -32600,
      message:
        "Invalid request: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
      data: { path: "params.conversationId" },
    });
    t.send({ id: 8, method: "turn/interrupt", params: { threadId: "nope", turnId: "0" } });
    expect((await t.waitFor((m) => m.id === 8)).error).toEqual({
      code: -32600,
      message: "conversation not found: nope",
    });
    t.stdin.end();
    await t.done;
  });

  it("runAppServer serves them when given the runtime: thread/compact, and shutdown at EOF stops the runtime", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let text = "";
    stdout.on("data", (c: Buffer) => {
      text += c.toString();
    });
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
    stdin.write('{"id":0,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}\n');
    stdin.write('{"id":1,"method":"thread/start","params":{}}\n');
    while (!text.includes('"id":1')) await new Promise((r) => setImmediate(r));
    stdin.write(`{"id":2,"method":"thread/compact","params":{"threadId":"${CONV_X}"}}\n`);
    stdin.write('{"id":3,"method":"thread/compact","params":{"threadId":"other"}}\n');
    stdin.end();
    await done;
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.find((m) => m.id === 2)).toEqual({ id: 2, result: {} });
    expect(lines.find((m) => m.id === 3)).toEqual({
      error: { code: -32600, message: "conversation not found: other" },
      id: 3,
    });
    expect(conversation.ops).toContainEqual({ type: "compact" });
    expect(shutdownCalls).toBe(1);
  });
});
