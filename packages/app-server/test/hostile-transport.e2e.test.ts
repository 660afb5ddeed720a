import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AppServerError, protocol0166 } from "@codex-ts/app-server-client";
import {
  expectPeakRssBelow,
  expectWireShapes,
  type Message,
  type MockModelServer,
  responses,
  type TestAppServer,
  tempDir,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * Issue 14 rows 8 and 9 and issue 21 rows 1 and 5 (server side), through the built CLI: a client that floods
 * requests without reading, sends lines of hundreds of megabytes or notification names of tens, or reads slowly
 * while the model streams; and notifications that cannot be serialised. The server answers every request exactly
 * once, never loses a turn's closing notifications, and its peak RSS stays under 300 MB. Bytes the typed client
 * would never send (pieces of a line, floods of lines) go through the harness's raw escape hatch.
 */
const suite = useAppServerSuite();

const OVERLOADED = { code: -32001, message: "Server overloaded; retry later." };
const FULL_ACCESS = { mode: "danger-full-access" } as const;

/** An initialized server on a mock model of its own (so no test eats another's script). */
async function server(o: { toml?: string; prefix?: string } = {}): Promise<{
  c: TestAppServer;
  mock: MockModelServer;
  home: string;
}> {
  const mock = await suite.newMock();
  const home = await suite.home({
    mock,
    prefix: o.prefix ?? "codex-hostile-home-",
    ...(o.toml ? { toml: o.toml } : {}),
  });
  return { c: await suite.start({ home }), mock, home };
}

describe("issue 14 row 8: a client that floods requests", () => {
  it("300,000 requests, stdout unread: the server stops reading, stays small, and answers each once", {
    timeout: 240_000,
  }, async () => {
    const { c } = await server();
    const total = 300_000;
    // The flood's answers are counted, not kept (`f<n>` ids); anything else is recorded as usual.
    const floodIndex = (m: Message) =>
      typeof m.id === "string" && m.id.startsWith("f") && m.method === undefined ? Number(m.id.slice(1)) : -1;
    const answered = new Uint8Array(total);
    let answers = 0;
    const wrongErrors: unknown[] = [];
    c.skipRecording((m) => floodIndex(m) >= 0);
    c.onMessage((direction, m) => {
      const i = direction === "in" ? floodIndex(m) : -1;
      if (i < 0) return;
      answered[i] = (answered[i] ?? 0) + 1;
      answers++;
      if (m.error !== undefined && JSON.stringify(m.error) !== JSON.stringify(OVERLOADED))
        wrongErrors.push(m.error);
    });
    const batch = (from: number) =>
      Array.from({ length: Math.min(500, total - from) }, (_, k) =>
        JSON.stringify({ id: `f${from + k}`, method: "getUserAgent" }),
      );

    c.pauseReading();
    let written = 0;
    let stalled = false;
    // Batches of requests, each write waiting for the pipe: a server that keeps reading takes them all.
    while (written < total && !stalled) {
      const lines = batch(written);
      written += lines.length;
      stalled = !(await c.raw.write(`${lines.join("\n")}\n`, 3000));
    }
    expect(stalled).toBe(true);
    expect(written).toBeLessThan(total);
    expectPeakRssBelow(c, "flood, unread");

    c.resumeReading();
    while (written < total) {
      const lines = batch(written);
      written += lines.length;
      await c.raw.write(`${lines.join("\n")}\n`);
    }
    await c.waitUntil(() => answers >= total, "an answer to every request", 120_000);
    expectPeakRssBelow(c, "flood, all answered");
    expect((await c.close({ graceMs: 120_000 })).code).toBe(0);
    expect(answered.every((n) => n === 1)).toBe(true);
    expect(wrongErrors).toEqual([]);
    // Nothing else came: the handshake's answer only.
    expect(c.messages.map((m) => c.answeredMethod(m) ?? m.method)).toEqual(["initialize"]);
  });

  it("more requests in flight than 128 are answered -32001 Server overloaded; the rest complete", {
    timeout: 120_000,
  }, async () => {
    const { c } = await server();
    const n = 200;
    // Each command runs until the test releases it (a line each through a FIFO; no timeout before that): a fixed
    // sleep could end before the server has started the last of them (128 spawns, each a fork on the event loop,
    // can outlast it on a loaded machine), freeing slots.
    const fifo = path.join(await tempDir("codex-overload-"), "release");
    execFileSync("mkfifo", [fifo]);
    const held = {
      command: ["sh", "-c", 'read line < "$0"', fifo],
      timeoutMs: 300_000,
      sandboxPolicy: FULL_ACCESS,
    };
    let refused = 0;
    // One write: all 200 arrive together. Each outcome is settled as it comes (a refusal counted).
    const requests = c.inOneWrite(() =>
      Array.from({ length: n }, () =>
        c.request("execOneOffCommand", held).then(
          (value): PromiseSettledResult<unknown> => ({ status: "fulfilled", value }),
          (reason: unknown): PromiseSettledResult<unknown> => {
            refused++;
            return { status: "rejected", reason };
          },
        ),
      ),
    );
    // The refusals come at once; the others wait for the release (a deadline, so a miscount still ends the test).
    const deadline = Date.now() + 60_000;
    while (refused < n - 128 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Opened read-write, the FIFO never blocks this side; each reader takes one line, and the spare lines go with it.
    const writer = await fs.open(fifo, "r+");
    await writer.write("\n".repeat(n));
    const answers = await Promise.all(requests);
    await writer.close();
    const overloaded = answers.flatMap((a) => (a.status === "rejected" ? [a.reason] : []));
    for (const e of overloaded) expect(e instanceof AppServerError ? e.toBody() : e).toEqual(OVERLOADED);
    expect(overloaded.length).toBeGreaterThanOrEqual(n - 128);
    expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(n - overloaded.length);
    // Once they are done, the server takes requests again.
    expect(await c.request("execOneOffCommand", { command: ["true"], sandboxPolicy: FULL_ACCESS })).toEqual({
      exitCode: 0,
      stdout: "",
      stderr: "",
    });
    expect((await c.close()).code).toBe(0);
  });

  it("a 310 MB request line and a line of five million empty arrays are refused unparsed; RSS < 300 MB", {
    timeout: 120_000,
  }, async () => {
    const { c } = await server();
    const head =
      '{"id":"big","method":"sendUserMessage","params":{"conversationId":"x","items":[{"type":"text","data":{"text":"';
    const tail = '"}}]}}';
    // The line in pieces, so neither side holds 310 MB at once.
    await c.raw.write(head);
    const chunk = "a".repeat(1024 * 1024);
    for (let i = 0; i < 310; i++) await c.raw.write(chunk);
    await c.raw.write(`${tail}\n`);
    // 15 MB of empty arrays (under the line limit): five million arrays, had it been parsed.
    await c.raw.send(`{"id":"bomb","method":"getUserAgent","params":[${"[],".repeat(5_000_000)}[]]}`);
    const deep = 500_000;
    await c.raw.send(
      `{"id":"deep","method":"thread/start","params":{"model":${"[".repeat(deep)}${"]".repeat(deep)}}}`,
    );
    expect(await c.request("getUserAgent")).toMatchObject({ userAgent: expect.any(String) });
    expect((await c.raw.reply("big")).error).toEqual({
      code: -32600,
      message: `Invalid request: message of ${head.length + 310 * 1024 * 1024 + tail.length} bytes exceeds the limit of 16777216 bytes`,
    });
    expect((await c.raw.reply("bomb")).error).toEqual({
      code: -32600,
      message:
        "Invalid request: message has too many JSON values (the limit is 4000000 elements; an array or object counts as 17)",
    });
    expect((await c.raw.reply("deep")).error).toMatchObject({ code: -32600, data: { path: "params.model" } });
    expectPeakRssBelow(c, "huge lines");
    expect((await c.close()).code).toBe(0);
  });
});

describe("issue 14 row 9: 30 MB notification names and feedback bundles", () => {
  it("the log ring stays within 2 MiB, each line within 8 KiB, a bundle within its caps, 50 bundles kept", {
    timeout: 180_000,
  }, async () => {
    const { c, home } = await server();
    // Over the line limit: refused unread. Under it: logged, cut.
    for (let i = 0; i < 5; i++) await c.raw.send(`{"method":"${"m".repeat(30 * 1024 * 1024)}"}`);
    for (let i = 0; i < 25; i++) await c.raw.send(`{"method":"${String(i).repeat(10 * 1024 * 1024)}"}`);
    for (let i = 0; i < 55; i++)
      await c.request("feedback/upload", { classification: "bug", includeLogs: i % 10 === 0 });
    // A thread whose rollout has grown to 40 MB.
    const { thread } = await c.request("thread/start", {});
    const junk = `${JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "agent_message", message: "z".repeat(1024 * 1024) } })}\n`;
    const rolloutPath = thread.path as string;
    for (let i = 0; i < 40; i++) await fs.appendFile(rolloutPath, junk);
    const last = await c.request("feedback/upload", {
      classification: "bug",
      conversationId: thread.id,
      includeLogs: true,
    });
    expect(last).toEqual({ threadId: thread.id });
    expectPeakRssBelow(c, "log flood");
    expect((await c.close()).code).toBe(0);

    const root = path.join(home, "feedback");
    const bundles = (await fs.readdir(root)).filter((n) => !n.startsWith("."));
    expect(bundles).toHaveLength(50);
    let newest: string | null = null;
    for (const b of bundles) {
      const meta = JSON.parse(await fs.readFile(path.join(root, b, "feedback.json"), "utf8"));
      if (meta.threadId === thread.id) newest = b;
    }
    expect(newest).not.toBeNull();
    const dir = path.join(root, newest as string);
    const meta = JSON.parse(await fs.readFile(path.join(dir, "feedback.json"), "utf8"));
    expect(meta.rolloutBytesLeftOut).toBeGreaterThan(20 * 1024 * 1024);
    const rollout = await fs.readFile(path.join(dir, "rollout.jsonl"), "utf8");
    expect(rollout.length).toBeLessThanOrEqual(16 * 1024 * 1024);
    for (const line of rollout.trim().split("\n")) JSON.parse(line);
    const log = await fs.readFile(path.join(dir, "app-server.log"), "utf8");
    expect(log.length).toBeLessThanOrEqual(2 * 1024 * 1024 + 16 * 1024);
    const lines = log.split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(8 * 1024 + 200);
    expect(log).toContain("exceeds the limit of 16777216 bytes");
    expect(log).toMatch(/more characters left out\]/);
  });
});

const HOSTILE_MCP = fileURLToPath(
  new URL("../../core/test/fixtures/hostile-mcp-server.mjs", import.meta.url),
);

describe("issue 21 row 1 (server side): a notification that cannot be serialised", () => {
  it("the model's MCP call arguments nested 100,000 deep: the turn's closing notifications all arrive", {
    timeout: 120_000,
  }, async () => {
    const toml = [
      "[mcp_servers.h]",
      `command = ${JSON.stringify(process.execPath)}`,
      `args = [${JSON.stringify(HOSTILE_MCP)}]`,
    ].join("\n");
    const { c, mock } = await server({ toml });
    const levels = 100_000;
    const deepArgs = `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
    mock.enqueue({
      kind: "sse",
      events: [
        responses.created(),
        {
          event: "response.output_item.done",
          data: {
            type: "response.output_item.done",
            item: {
              type: "function_call",
              id: "fc_deep",
              name: "mcp__h__ok",
              arguments: deepArgs,
              call_id: "call_deep",
            },
          },
        },
        responses.completed(),
      ],
    });
    const { thread } = await c.request("thread/start", {
      approvalPolicy: "never",
      sandbox: "dangerFullAccess",
    });
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((done.params as { turn: { status: string } }).turn.status).toBe("completed");
    await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
    // The call's item started and completed; what could not be serialised was replaced, and logged.
    const started = c.messages.find(
      (m) => m.method === "item/started" && (m.params as { item: { id: string } }).item.id === "call_deep",
    );
    expect(JSON.stringify(started?.params)).toContain("[value nested deeper than 64 levels left out]");
    expect(
      c.messages.some(
        (m) =>
          m.method === "item/completed" && (m.params as { item: { id: string } }).item.id === "call_deep",
      ),
    ).toBe(true);
    await c.waitStderr("could not be serialised as it was");
    const completedAt = c.messages.indexOf(done);
    expect(c.messages.slice(completedAt + 1).filter((m) => m.method?.startsWith("item/"))).toEqual([]);
    expectWireShapes(c.messages);
    expect((await c.close()).code).toBe(0);
  });
});

/**
 * A client that reads nothing while a turn streams 100,000 deltas, then reads everything: the model stream must be
 * held (the server's writes back up, the core waits), memory stays small, and every delta arrives once, in order
 * (0.58: the v2 delta and both legacy forms; 0.166: `item/agentMessage/delta` only).
 */
async function slowClient(generation: "0.58" | "0.166"): Promise<void> {
  const total = 100_000;
  const piece = (i: number) => `${String(i).padStart(6, "0")}${"x".repeat(34)}`;
  const mock = await suite.newMock();
  const home = await suite.home({ mock, prefix: "codex-hostile-slow-" });
  mock.enqueue(
    responses.streamedMessage(function* () {
      for (let i = 0; i < total; i++) yield piece(i);
    }),
  );
  const input = [{ type: "text" as const, text: "slow" }];
  // From the turn's start the client stops reading: the server's output backs up. What follows uses only what
  // both generations' clients share.
  let c: Pick<
    TestAppServer,
    "pid" | "skipRecording" | "onMessage" | "resumeReading" | "waitFor" | "messages" | "close"
  >;
  if (generation === "0.58") {
    const legacy = await suite.start({ home });
    const { thread } = await legacy.request("thread/start", {});
    legacy.pauseReading();
    legacy.fire("turn/start", { threadId: thread.id, input });
    c = legacy;
  } else {
    const modern = await suite.start({ home, protocol: protocol0166, initialize: false });
    await modern.initialize(undefined, { experimentalApi: true });
    const { thread } = await modern.request("thread/start", {});
    modern.pauseReading();
    modern.fire("turn/start", { threadId: thread.id, input });
    c = modern;
  }
  // The server stops taking the stream: the model's writes block well before the end.
  const deadline = Date.now() + 60_000;
  while (!(mock.blocked() && mock.written() > 100)) {
    if (Date.now() > deadline) throw new Error("the model stream was never held");
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const heldAt = mock.written();
  expect(heldAt).toBeLessThan(total / 2);
  expect(mock.blocked()).toBe(true);
  expectPeakRssBelow(c, `slow ${generation} client, held`);

  // The deltas (three forms each on 0.58) are counted, not kept.
  const DELTAS = new Set([
    "item/agentMessage/delta",
    "codex/event/agent_message_delta",
    "codex/event/agent_message_content_delta",
  ]);
  let v2 = 0;
  let legacy = 0;
  let content = 0;
  let outOfOrder = 0;
  c.skipRecording((m) => m.method !== undefined && DELTAS.has(m.method));
  c.onMessage((direction, m) => {
    if (direction !== "in") return;
    if (m.method === "item/agentMessage/delta") {
      if ((m.params as { delta: string }).delta !== piece(v2)) outOfOrder++;
      v2++;
    } else if (m.method === "codex/event/agent_message_delta") legacy++;
    else if (m.method === "codex/event/agent_message_content_delta") content++;
  });
  c.resumeReading();
  await c.waitFor((m) => m.method === "turn/completed", "turn/completed", 180_000);
  const legacyCopies = generation === "0.58" ? total : 0;
  expect([v2, legacy, content, outOfOrder]).toEqual([total, legacyCopies, legacyCopies, 0]);
  const notes = c.messages.filter((m) => m.method && !m.method.startsWith("codex/"));
  expect(notes.at(-1)?.method).toBe("turn/completed");
  expectPeakRssBelow(c, `slow ${generation} client, all read`);
  expect((await c.close()).code).toBe(0);
}

describe("issue 21 row 5 (server side): a client that reads slowly while the model streams", () => {
  it(
    "the model stream is held while the client is behind; every delta then arrives once per 0.58.0 form, in order",
    {
      timeout: 240_000,
    },
    () => slowClient("0.58"),
  );

  it("the same on a 0.166 connection: its thread's listener holds the stream too", { timeout: 240_000 }, () =>
    slowClient("0.166"),
  );
});
