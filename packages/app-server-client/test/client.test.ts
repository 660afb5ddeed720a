import { describe, expect, it } from "vitest";
import {
  AppServerClient,
  AppServerError,
  ConnectionClosedError,
  type ProtocolDefinition,
  ProtocolViolationError,
  type protocol058,
  protocol0166,
  type Transport,
  type TransportExit,
  type TransportSink,
} from "../src/index.js";

/**
 * The client's own rules, against a scripted peer on an in-memory transport: the cases a real server does not
 * produce on demand (bad shapes, late answers, unknown requests). The same client against real servers is tested
 * in stdio.test.ts and in packages/app-server (ours, codex 0.58.0, codex 0.166.0).
 */
class ScriptedPeer implements Transport {
  readonly sent: Record<string, unknown>[] = [];
  private sink: TransportSink | null = null;
  private end: (exit: TransportExit) => void = () => {};
  readonly closed = new Promise<TransportExit>((resolve) => {
    this.end = resolve;
  });
  private waiters: Array<() => void> = [];

  start(sink: TransportSink): void {
    this.sink = sink;
  }
  async send(message: string): Promise<void> {
    this.sent.push(JSON.parse(message));
    for (const w of this.waiters.splice(0)) w();
  }
  async close(): Promise<TransportExit> {
    this.end({ code: 0, signal: null });
    return this.closed;
  }
  /** The server side writes a line. */
  write(message: unknown): void {
    this.sink?.message(typeof message === "string" ? message : JSON.stringify(message));
  }
  /** Resolves with the next message the client sends that passes `pred`. */
  async next(pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.sent.find(pred);
      if (found) return found;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}

async function connect<P extends ProtocolDefinition = typeof protocol058>(protocol?: P) {
  const peer = new ScriptedPeer();
  const client = new AppServerClient(peer, protocol ? { protocol } : {}) as AppServerClient<P>;
  await Promise.resolve(); // the transport starts on the next microtask
  return { peer, client };
}

const USER_AGENT = { userAgent: "codex_cli_rs/0.58.0 (test)" };

describe("requests", () => {
  it("sends JSON-RPC lite with integer ids, resolves results, rejects errors as AppServerError", async () => {
    const { peer, client } = await connect();
    const ua = client.request("getUserAgent");
    const list = client.request("model/list", { limit: 1 });
    expect(peer.sent).toEqual([
      { id: 1, method: "getUserAgent" },
      { id: 2, method: "model/list", params: { limit: 1 } },
    ]);
    peer.write({ id: 2, result: { data: [], nextCursor: null } });
    peer.write({ error: { code: -32600, message: "Not initialized", data: { why: 1 } }, id: 1 });
    expect(await list).toEqual({ data: [], nextCursor: null });
    const err = await ua.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppServerError);
    expect((err as AppServerError).toBody()).toEqual({
      code: -32600,
      message: "Not initialized",
      data: { why: 1 },
    });
  });

  it("strict: a result that does not match the response schema rejects with ProtocolViolationError", async () => {
    const { peer, client } = await connect();
    const ua = client.request("getUserAgent");
    peer.write({ id: 1, result: { userAgent: 5 } });
    const err = await ua.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolViolationError);
    expect(err).toMatchObject({ kind: "response", method: "getUserAgent", value: { userAgent: 5 } });
    expect((err as ProtocolViolationError).issues[0]).toMatch(/^userAgent: /);
    // Not strict: the value is handed over as it came.
    const loose = new AppServerClient(new ScriptedPeer(), { strict: false });
    await Promise.resolve();
    const pending = loose.request("getUserAgent");
    (loose.transport as ScriptedPeer).write({ id: 1, result: { userAgent: 5 } });
    expect(await pending).toEqual({ userAgent: 5 });
  });

  it("AbortSignal: rejects at once with the reason, and the late answer is ignored", async () => {
    const { peer, client } = await connect();
    const controller = new AbortController();
    const pending = client.request("getUserAgent", undefined, { signal: controller.signal });
    controller.abort(new Error("user gave up"));
    await expect(pending).rejects.toThrow("user gave up");
    peer.write({ id: 1, result: USER_AGENT });
    // An aborted signal never sends.
    await expect(client.request("getUserAgent", undefined, { signal: controller.signal })).rejects.toThrow(
      "user gave up",
    );
    expect(peer.sent).toHaveLength(1);
  });

  it("close: waiting requests reject with ConnectionClosedError; later ones too", async () => {
    const { client } = await connect();
    const pending = client.request("getUserAgent");
    expect(await client.close()).toEqual({ code: 0, signal: null });
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(client.request("getUserAgent")).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});

describe("initialize", () => {
  it("0.58: clientInfo (title null unless given), no capabilities, then `initialized`", async () => {
    const { peer, client } = await connect();
    const init = client.initialize({ name: "ide", version: "1.0" });
    peer.write({ id: 1, result: USER_AGENT });
    expect(await init).toEqual(USER_AGENT);
    expect(peer.sent).toEqual([
      { id: 1, method: "initialize", params: { clientInfo: { name: "ide", title: null, version: "1.0" } } },
      { method: "initialized" },
    ]);
  });

  it("0.166: capabilities are always declared ({} unless given)", async () => {
    const { peer, client } = await connect(protocol0166);
    const init = client.initialize({ name: "ide", version: "1.0", title: "IDE" });
    peer.write({
      id: 1,
      result: { ...USER_AGENT, codexHome: "/h", platformFamily: "unix", platformOs: "linux" },
    });
    await init;
    expect(peer.sent[0]).toEqual({
      id: 1,
      method: "initialize",
      params: { clientInfo: { name: "ide", title: "IDE", version: "1.0" }, capabilities: {} },
    });
    const again = client.initialize({ name: "ide", version: "1.0" }, { experimentalApi: true });
    peer.write({ id: 2, error: { code: -32600, message: "Already initialized" } });
    await expect(again).rejects.toThrow("Already initialized");
    expect(peer.sent.at(-1)).toMatchObject({ params: { capabilities: { experimentalApi: true } } });
  });
});

const started = {
  thread: {
    id: "t1",
    preview: "",
    modelProvider: "mock",
    createdAt: 1,
    path: "/r.jsonl",
  },
};

describe("notifications", () => {
  it("on(method) gets typed params; onNotification gets every method, listed or not", async () => {
    const { peer, client } = await connect();
    const typed: unknown[] = [];
    const all: string[] = [];
    const off = client.on("thread/started", (p) => typed.push(p.thread.id));
    client.onNotification((n) => all.push(n.method));
    peer.write({ method: "thread/started", params: started });
    peer.write({ method: "codex/event/task_started", params: { id: "0", msg: { type: "task_started" } } });
    off();
    peer.write({ method: "thread/started", params: started });
    expect(typed).toEqual(["t1"]);
    expect(all).toEqual(["thread/started", "codex/event/task_started", "thread/started"]);
  });

  it("strict: a notification that does not match its schema goes to onViolation, not to the handlers", async () => {
    const { peer, client } = await connect();
    const typed: unknown[] = [];
    const violations: ProtocolViolationError[] = [];
    client.on("item/agentMessage/delta", (p) => typed.push(p));
    client.onViolation((v) => violations.push(v));
    peer.write({ method: "item/agentMessage/delta", params: { itemId: "m", delta: 1 } });
    peer.write("not json");
    peer.write("[1,2]");
    expect(typed).toEqual([]);
    expect(violations.map((v) => [v.kind, v.method])).toEqual([
      ["notification", "item/agentMessage/delta"],
      ["message", undefined],
      ["message", undefined],
    ]);
  });

  it("notifications(): buffered from creation, filtered, ends after `until`, on close, or on abort", async () => {
    const { peer, client } = await connect();
    const stream = client.notifications({
      methods: ["item/agentMessage/delta", "turn/completed"],
      until: (n) => n.method === "turn/completed",
    });
    peer.write({ method: "item/agentMessage/delta", params: { itemId: "m", delta: "a" } });
    peer.write({ method: "thread/started", params: started });
    peer.write({ method: "item/agentMessage/delta", params: { itemId: "m", delta: "b" } });
    const turn = { id: "0", items: [], status: "completed", error: null };
    const usage = { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 };
    peer.write({ method: "turn/completed", params: { turn, usage } });
    peer.write({ method: "item/agentMessage/delta", params: { itemId: "m", delta: "late" } });
    const seen: string[] = [];
    for await (const n of stream)
      seen.push(n.method === "item/agentMessage/delta" ? n.params.delta : n.method);
    expect(seen).toEqual(["a", "b", "turn/completed"]);

    const open = client.notifications();
    const waiting = open.next();
    await client.close();
    expect(await waiting).toEqual({ value: undefined, done: true });

    const { client: other } = await connect();
    const controller = new AbortController();
    const aborted = other.notifications({ signal: controller.signal }).next();
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
  });
});

const approvalParams = {
  conversationId: "00000000-0000-4000-8000-000000000000",
  callId: "call_1",
  command: ["touch", "x"],
  cwd: "/w",
  reason: null,
  risk: null,
  parsedCmd: [],
};

describe("server requests", () => {
  it("approvals are declined by default in both generations' words; unknown requests get -32601", async () => {
    const { peer } = await connect();
    peer.write({ id: 0, method: "execCommandApproval", params: approvalParams });
    peer.write({ id: 1, method: "item/fileChange/requestApproval", params: { itemId: "x" } });
    peer.write({ id: 2, method: "elicitation/create", params: {} });
    expect(await peer.next((m) => m.id === 0)).toEqual({ id: 0, result: { decision: "denied" } });
    expect(await peer.next((m) => m.id === 1)).toEqual({ id: 1, result: { decision: "decline" } });
    expect(await peer.next((m) => m.id === 2)).toEqual({
      id: 2,
      error: { code: -32601, message: "no handler for server request elicitation/create" },
    });
  });

  it("onApproval decides with one vocabulary; onServerRequest answers a method; throws become errors", async () => {
    const { peer, client } = await connect();
    const asked: unknown[] = [];
    client.onApproval(async (request) => {
      asked.push([request.kind, request.method, request.id]);
      return "approveForSession" as const;
    });
    peer.write({ id: 0, method: "execCommandApproval", params: approvalParams });
    expect(await peer.next((m) => m.id === 0)).toEqual({
      id: 0,
      result: { decision: "approved_for_session" },
    });
    peer.write({ id: "s", method: "item/commandExecution/requestApproval", params: {} });
    expect(await peer.next((m) => m.id === "s")).toEqual({
      id: "s",
      result: { decision: "acceptForSession" },
    });
    expect(asked).toEqual([
      ["command", "execCommandApproval", 0],
      ["command", "item/commandExecution/requestApproval", "s"],
    ]);

    const off = client.onServerRequest("applyPatchApproval", (params) => {
      if (params.callId === "bad")
        throw new AppServerError(-32000, "client cannot decide", { callId: "bad" });
      if (params.callId === "oops") throw new Error("handler crashed");
      return { decision: "abort" };
    });
    const patch = {
      conversationId: approvalParams.conversationId,
      fileChanges: {},
      reason: null,
      grantRoot: null,
    };
    peer.write({ id: 5, method: "applyPatchApproval", params: { ...patch, callId: "ok" } });
    peer.write({ id: 6, method: "applyPatchApproval", params: { ...patch, callId: "bad" } });
    peer.write({ id: 7, method: "applyPatchApproval", params: { ...patch, callId: "oops" } });
    expect(await peer.next((m) => m.id === 5)).toEqual({ id: 5, result: { decision: "abort" } });
    expect(await peer.next((m) => m.id === 6)).toEqual({
      id: 6,
      error: { code: -32000, message: "client cannot decide", data: { callId: "bad" } },
    });
    expect(await peer.next((m) => m.id === 7)).toEqual({
      id: 7,
      error: { code: -32603, message: "handler crashed" },
    });
    off();
    peer.write({ id: 8, method: "applyPatchApproval", params: { ...patch, callId: "ok" } });
    expect(await peer.next((m) => m.id === 8)).toEqual({
      id: 8,
      result: { decision: "approved_for_session" },
    });
  });

  it("strict: a server request whose params do not parse is answered -32602 and reported", async () => {
    const { peer, client } = await connect();
    const violations: string[] = [];
    client.onViolation((v) => violations.push(`${v.kind} ${v.method}`));
    peer.write({ id: 3, method: "execCommandApproval", params: { callId: 1 } });
    const answer = await peer.next((m) => m.id === 3);
    expect(answer).toMatchObject({ id: 3, error: { code: -32602 } });
    expect(violations).toEqual(["serverRequest execCommandApproval"]);
  });
});
