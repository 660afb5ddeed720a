import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { responses } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "./helpers/client.js";
import { answerOf, HostileHarness, until } from "./helpers/hostile-server.js";
import { mockCodexHome } from "./helpers/mock-home.js";
import { PEAK_RSS_LIMIT_MIB } from "./helpers/proc-stats.js";
import type { RawServer } from "./helpers/raw-server.js";
import { lastUserText, startScriptedModel, streamedMessage } from "./helpers/scripted-model.js";
import { expectWireShapes } from "./helpers/v2-wire.js";

/**
 * Issue 14 rows 8 and 9 and issue 21 rows 1 and 5 (server side), through the built CLI: a client that floods
 * requests without reading, sends lines of hundreds of megabytes or notification names of tens, or reads slowly
 * while the model streams; and notifications that cannot be serialised. The server answers every request exactly
 * once, never loses a turn's closing notifications, and its peak RSS stays under 300 MB.
 */
const h = new HostileHarness();
beforeAll(() => h.setUp());
afterAll(() => h.tearDown(), 60_000);

const INIT = `${JSON.stringify({ id: "init", method: "initialize", params: { clientInfo: { name: "t", title: null, version: "1" } } })}\n`;
const INIT_0166 = `${JSON.stringify({ id: "init", method: "initialize", params: { clientInfo: { name: "t", title: null, version: "1" }, capabilities: { experimentalApi: true } } })}\n`;
const OVERLOADED = { code: -32001, message: "Server overloaded; retry later." };

function expectPeakBelowLimit(peak: number, what: string) {
  if (process.env.SHOW_RSS) console.log(`peak RSS (${what}): ${peak.toFixed(0)} MiB`);
  expect(peak).toBeLessThan(PEAK_RSS_LIMIT_MIB);
}

describe("issue 14 row 8: a client that floods requests", () => {
  it("300,000 requests, stdout unread: the server stops reading, stays small, and answers each once", {
    timeout: 240_000,
  }, async () => {
    const server = h.raw(await h.home());
    const total = 300_000;
    await server.write(INIT);
    let written = 0;
    let stalled = false;
    // Batches of requests, each write waiting for the pipe: a server that keeps reading takes them all.
    while (written < total && !stalled) {
      const batch: string[] = [];
      for (let i = 0; i < 500 && written < total; i++, written++)
        batch.push(JSON.stringify({ id: written, method: "getUserAgent" }));
      stalled = !(await server.write(`${batch.join("\n")}\n`, 3000));
    }
    expect(stalled).toBe(true);
    expect(written).toBeLessThan(total);
    expectPeakBelowLimit(server.sample(), "flood, unread");

    const answered = new Uint8Array(total);
    const other: Message[] = [];
    server.startReading((m) => {
      if (typeof m.id === "number") {
        answered[m.id] = (answered[m.id] ?? 0) + 1;
        if (m.error) expect(m.error).toEqual(OVERLOADED);
        return true;
      }
      other.push(m);
      return true;
    });
    while (written < total) {
      const batch: string[] = [];
      for (let i = 0; i < 500 && written < total; i++, written++)
        batch.push(JSON.stringify({ id: written, method: "getUserAgent" }));
      await server.write(`${batch.join("\n")}\n`);
    }
    expect(await server.close(120_000)).toBe(0);
    expect(answered.every((n) => n === 1)).toBe(true);
    expect(other.map((m) => m.id)).toEqual(["init"]);
    expectPeakBelowLimit(server.peakMiB, "flood, all answered");
  });

  it("more requests in flight than 128 are answered -32001 Server overloaded; the rest complete", {
    timeout: 120_000,
  }, async () => {
    const c = await h.server();
    const n = 200;
    const lines = Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        id: `slow-${i}`,
        method: "execOneOffCommand",
        params: { command: ["sleep", "2"], sandboxPolicy: { mode: "danger-full-access" } },
      }),
    );
    c.sendRaw(lines.join("\n"));
    const answers = await Promise.all(lines.map((_, i) => answerOf(c, `slow-${i}`, `slow-${i}`, 60_000)));
    const overloaded = answers.filter((m) => m.error !== undefined);
    for (const m of overloaded) expect(m.error).toEqual(OVERLOADED);
    expect(overloaded.length).toBeGreaterThanOrEqual(n - 128);
    expect(answers.filter((m) => m.result !== undefined)).toHaveLength(n - overloaded.length);
    // Once they are done, the server takes requests again.
    expect(
      (
        await h.ask(c, "execOneOffCommand", {
          command: ["true"],
          sandboxPolicy: { mode: "danger-full-access" },
        })
      ).result,
    ).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    expect((await c.close()).code).toBe(0);
  });

  it("a 310 MB request line and a line of five million empty arrays are refused unparsed; RSS < 300 MB", {
    timeout: 120_000,
  }, async () => {
    const server = h.raw(await h.home());
    server.startReading();
    await server.write(INIT);
    const head =
      '{"id":"big","method":"sendUserMessage","params":{"conversationId":"x","items":[{"type":"text","data":{"text":"';
    const tail = '"}}]}}';
    await server.write(head);
    const chunk = "a".repeat(1024 * 1024);
    for (let i = 0; i < 310; i++) await server.write(chunk);
    await server.write(`${tail}\n`);
    // 15 MB of empty arrays (under the line limit): five million arrays, had it been parsed.
    await server.write(`{"id":"bomb","method":"getUserAgent","params":[${"[],".repeat(5_000_000)}[]]}\n`);
    const deep = 500_000;
    await server.write(
      `{"id":"deep","method":"thread/start","params":{"model":${"[".repeat(deep)}${"]".repeat(deep)}}}\n`,
    );
    await server.write(`${JSON.stringify({ id: "after", method: "getUserAgent" })}\n`);
    await until(() => server.messages.some((m) => m.id === "after"), "the request after them", 60_000);
    const byId = (id: string) => server.messages.find((m) => m.id === id);
    expect(byId("big")?.error).toEqual({
      code: -32600,
      message: `Invalid request: message of ${head.length + 310 * 1024 * 1024 + tail.length} bytes exceeds the limit of 16777216 bytes`,
    });
    expect(byId("bomb")?.error).toEqual({
      code: -32600,
      message:
        "Invalid request: message has too many JSON values (the limit is 4000000 elements; an array or object counts as 17)",
    });
    expect(byId("deep")?.error).toMatchObject({ code: -32600, data: { path: "params.model" } });
    expect(byId("after")?.result).toMatchObject({ userAgent: expect.any(String) });
    expect(await server.close()).toBe(0);
    expectPeakBelowLimit(server.peakMiB, "huge lines");
  });
});

describe("issue 14 row 9: 30 MB notification names and feedback bundles", () => {
  it("the log ring stays within 2 MiB, each line within 8 KiB, a bundle within its caps, 50 bundles kept", {
    timeout: 180_000,
  }, async () => {
    const home = await h.home();
    const server = h.raw(home);
    server.startReading();
    await server.write(INIT);
    // Over the line limit: refused unread. Under it: logged, cut.
    for (let i = 0; i < 5; i++) await server.write(`{"method":"${"m".repeat(30 * 1024 * 1024)}"}\n`);
    for (let i = 0; i < 25; i++) await server.write(`{"method":"${String(i).repeat(10 * 1024 * 1024)}"}\n`);
    const ask = async (id: string, method: string, params: unknown) => {
      await server.write(`${JSON.stringify({ id, method, params })}\n`);
      await until(() => server.messages.some((m) => m.id === id), id, 60_000);
      return server.messages.find((m) => m.id === id) as Message;
    };
    for (let i = 0; i < 55; i++)
      await ask(`fb-${i}`, "feedback/upload", { classification: "bug", includeLogs: i % 10 === 0 });
    // A thread whose rollout has grown to 40 MB.
    const thread = (await ask("thread", "thread/start", {})).result as {
      thread: { id: string; path: string };
    };
    const junk = `${JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "agent_message", message: "z".repeat(1024 * 1024) } })}\n`;
    for (let i = 0; i < 40; i++) await fs.appendFile(thread.thread.path, junk);
    const last = await ask("fb-last", "feedback/upload", {
      classification: "bug",
      conversationId: thread.thread.id,
      includeLogs: true,
    });
    expect(last.result).toEqual({ threadId: thread.thread.id });
    expectPeakBelowLimit(server.sample(), "log flood");
    expect(await server.close()).toBe(0);

    const root = path.join(home, "feedback");
    const bundles = (await fs.readdir(root)).filter((n) => !n.startsWith("."));
    expect(bundles).toHaveLength(50);
    let newest: string | null = null;
    for (const b of bundles) {
      const meta = JSON.parse(await fs.readFile(path.join(root, b, "feedback.json"), "utf8"));
      if (meta.threadId === thread.thread.id) newest = b;
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
    const c = await h.server(await h.home(toml));
    const levels = 100_000;
    const deepArgs = `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
    h.mock.enqueue({
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
    const thread = (await h.ask(c, "thread/start", { approvalPolicy: "never", sandbox: "dangerFullAccess" }))
      .result as { thread: { id: string } };
    await h.ask(c, "turn/start", { threadId: thread.thread.id, input: [{ type: "text", text: "go" }] });
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
  const model = await startScriptedModel((body) =>
    streamedMessage(
      `msg_${lastUserText(body)}`,
      (function* () {
        for (let i = 0; i < total; i++) yield piece(i);
      })(),
    ),
  );
  try {
    const home = await mockCodexHome(model.baseUrl, { prefix: "codex-hostile-slow-" });
    const server: RawServer = h.raw(home);
    try {
      await server.write(generation === "0.58" ? INIT : INIT_0166);
      await server.write(`${JSON.stringify({ id: "t", method: "thread/start", params: {} })}\n`);
      // The thread's id is needed: read just that much, then stop reading.
      server.startReading();
      await until(() => server.messages.some((m) => m.id === "t"), "thread/start");
      server.child.stdout.pause();
      const started = server.messages.find((m) => m.id === "t") as Message;
      const threadId = (started.result as { thread: { id: string } }).thread.id;
      await server.write(
        `${JSON.stringify({ id: "turn", method: "turn/start", params: { threadId, input: [{ type: "text", text: "slow" }] } })}\n`,
      );
      // The server stops taking the stream: the model's writes block well before the end.
      await until(() => model.blocked() && model.sent() > 100, "the model stream to be held", 60_000);
      await new Promise((r) => setTimeout(r, 2000));
      const heldAt = model.sent();
      expect(heldAt).toBeLessThan(total / 2);
      expect(model.blocked()).toBe(true);
      expectPeakBelowLimit(server.sample(), `slow ${generation} client, held`);

      let v2 = 0;
      let legacy = 0;
      let content = 0;
      let outOfOrder = 0;
      server.startReading((m) => {
        if (m.method === "item/agentMessage/delta") {
          if ((m.params as { delta: string }).delta !== piece(v2)) outOfOrder++;
          v2++;
          return true;
        }
        if (m.method === "codex/event/agent_message_delta") {
          legacy++;
          return true;
        }
        if (m.method === "codex/event/agent_message_content_delta") {
          content++;
          return true;
        }
        return false;
      });
      await until(
        () => server.messages.some((m) => m.method === "turn/completed"),
        "turn/completed",
        180_000,
      );
      const legacyCopies = generation === "0.58" ? total : 0;
      expect([v2, legacy, content, outOfOrder]).toEqual([total, legacyCopies, legacyCopies, 0]);
      const notes = server.messages.filter((m) => m.method && !m.method.startsWith("codex/"));
      // 0.166 ends a turn with the thread's idle status, then `turn/completed`.
      expect(notes.at(-1)?.method).toBe("turn/completed");
      expect(await server.close()).toBe(0);
      expectPeakBelowLimit(server.peakMiB, `slow ${generation} client, all read`);
      await fs.rm(home, { recursive: true, force: true });
    } finally {
      server.kill();
    }
  } finally {
    await model.close();
  }
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
