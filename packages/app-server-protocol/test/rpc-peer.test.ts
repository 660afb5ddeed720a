import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type IncomingRequest, JsonRpcPeer, LineReader, PeerRequestError } from "../src/rpc/index.js";

/** A client side for tests: write lines to the peer's input, collect parsed lines of its output. */
function setup(opts: { jsonrpc?: boolean; maxLineBytes?: number } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const logs: string[] = [];
  const peer = new JsonRpcPeer({ input, output, ...opts, log: (_l, m) => logs.push(m) });
  const requests: IncomingRequest[] = [];
  const notifications: string[] = [];
  const done = peer.run({
    onRequest: (r) => requests.push(r),
    onNotification: (n) => notifications.push(n.method),
  });
  const received: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  let partial = "";
  output.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    let nl = partial.indexOf("\n");
    while (nl !== -1) {
      received.push(JSON.parse(partial.slice(0, nl)));
      partial = partial.slice(nl + 1);
      nl = partial.indexOf("\n");
    }
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = async (n: number) => {
    while (received.length < n) await new Promise<void>((r) => waiters.push(r));
    return received;
  };
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setImmediate(r));
  };
  return { input, output, peer, requests, notifications, received, waitFor, until, logs, done };
}

describe("JsonRpcPeer", () => {
  it("delivers requests and notifications split across chunks, including CRLF and a final unterminated line", async () => {
    const t = setup();
    t.input.write('{"id":1,"method":"a","par');
    t.input.write('ams":{"x":1}}\r\n{"method":"initialized"}\n{"id":"s","method":"b"}');
    t.input.end();
    await t.done;
    expect(t.requests).toEqual([
      { id: 1, method: "a", params: { x: 1 }, hasParams: true },
      { id: "s", method: "b", params: undefined, hasParams: false },
    ]);
    expect(t.notifications).toEqual(["initialized"]);
  });

  it("logs malformed lines without replying and keeps serving", async () => {
    const t = setup();
    t.input.write('garbage\n[1,2]\n{"id":5}\n\n{"id":2,"method":"ok"}\n');
    await t.until(() => t.requests.length === 1);
    expect(t.requests[0]?.method).toBe("ok");
    expect(t.logs.filter((l) => l.startsWith("Failed to deserialize JSONRPCMessage"))).toHaveLength(3);
    await t.peer.respond(2, {});
    expect(await t.waitFor(1)).toEqual([{ id: 2, result: {} }]);
  });

  it("writes results and errors in the key order of Codex, with the jsonrpc flag only when asked", async () => {
    const plain = setup();
    await plain.peer.respond(1, { a: 1 });
    await plain.peer.respondError("x", { code: -32600, message: "Not initialized" });
    await plain.peer.notify("n", { b: 2 });
    await plain.waitFor(3);
    const raw = plain.received.map((m) => JSON.stringify(m));
    expect(raw).toEqual([
      '{"id":1,"result":{"a":1}}',
      '{"error":{"code":-32600,"message":"Not initialized"},"id":"x"}',
      '{"method":"n","params":{"b":2}}',
    ]);
    const mcp = setup({ jsonrpc: true });
    await mcp.peer.respond(1, {});
    expect((await mcp.waitFor(1))[0]).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  it("numbers its own requests from 0 and settles them by result, by error, and ignores unknown ids", async () => {
    const t = setup();
    const a = t.peer.request("execCommandApproval", { callId: "c1" });
    const b = t.peer.request("applyPatchApproval", { callId: "c2" });
    const sent = await t.waitFor(2);
    expect(sent.map((m) => m.id)).toEqual([0, 1]);
    expect(sent[0]).toEqual({ id: 0, method: "execCommandApproval", params: { callId: "c1" } });
    t.input.write(
      '{"id":77,"result":{}}\n{"id":1,"error":{"code":-1,"message":"nope"}}\n{"id":0,"result":{"decision":"approved"}}\n',
    );
    await expect(a).resolves.toEqual({ decision: "approved" });
    await expect(b).rejects.toMatchObject({ name: "PeerRequestError", code: -1, message: "nope" });
    expect(t.peer.pendingCount).toBe(0);
    expect(t.logs.some((l) => l.includes("unknown request id 77"))).toBe(true);
  });

  it("rejects pending requests by tag and on close, leaving nothing pending", async () => {
    const t = setup();
    const x = t.peer.request("execCommandApproval", {}, { tag: "conv-a" });
    const y = t.peer.request("execCommandApproval", {}, { tag: "conv-b" });
    expect(t.peer.rejectPending("conv-a", "turn interrupted")).toBe(1);
    await expect(x).rejects.toBeInstanceOf(PeerRequestError);
    expect(t.peer.pendingCount).toBe(1);
    await t.peer.close("shutting down");
    await expect(y).rejects.toThrow("shutting down");
    expect(t.peer.pendingCount).toBe(0);
    await expect(t.peer.request("m", {})).rejects.toThrow("connection closed");
  });

  it("answers an oversized request with a clear error, without buffering it, and serves the next line", async () => {
    const t = setup({ maxLineBytes: 1024 });
    t.input.write(`{"id":9,"method":"sendUserMessage","params":{"text":"${"x".repeat(5000)}`);
    t.input.write(`${"y".repeat(5000)}"}}\n{"id":10,"method":"next"}\n`);
    const [first] = await t.waitFor(1);
    expect(first).toEqual({
      error: { code: -32600, message: expect.stringMatching(/exceeds the limit of 1024 bytes/) },
      id: 9,
    });
    await t.until(() => t.requests.length === 1);
    expect(t.requests[0]?.id).toBe(10);
  });

  it("respects backpressure: writes wait for drain and stay whole and ordered", async () => {
    const chunks: string[] = [];
    let release: (() => void) | null = null;
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        release = cb;
      },
    });
    const peer = new JsonRpcPeer({ input: new PassThrough(), output: slow });
    const writes = Array.from({ length: 5 }, (_, i) => peer.notify("n", { i, pad: "p".repeat(40) }));
    let settled = 0;
    for (const w of writes) void w.then(() => settled++);
    await new Promise((r) => setImmediate(r));
    // Only the first line reached the stream; the rest wait for drain instead of piling up.
    expect(chunks).toHaveLength(1);
    expect(settled).toBe(0);
    while (chunks.length < 5 || release) {
      const r = release as (() => void) | null;
      release = null;
      r?.();
      await new Promise((res) => setImmediate(res));
    }
    await Promise.all(writes);
    expect(chunks.map((c) => JSON.parse(c).params.i)).toEqual([0, 1, 2, 3, 4]);
    expect(chunks.every((c) => c.endsWith("\n"))).toBe(true);
  });
});

describe("LineReader", () => {
  it("handles multi-byte characters split across chunks", () => {
    const lines: string[] = [];
    const reader = new LineReader(100, (e) => e.kind === "line" && lines.push(e.line));
    const input = new PassThrough();
    void reader.attach(input);
    const bytes = Buffer.from("héllo\n");
    input.write(bytes.subarray(0, 2));
    input.write(bytes.subarray(2));
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        expect(lines).toEqual(["héllo"]);
        resolve();
      });
    });
  });
});
