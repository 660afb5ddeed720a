import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  type MockModelServer,
  REFERENCE_CODEX_BIN,
  responses,
  type ScriptedResponse,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";
import { mockCodexHome } from "./helpers/mock-home.js";

/**
 * Issue 21 (the model-provider rows) and issue 14 row 11, through the built `codex app-server` over stdio against
 * scripted misbehaving providers on 127.0.0.1. Each test states its bound: the client receives `turn/completed`
 * within a few seconds (every wait is shortened through the provider's `stream_idle_timeout_ms` and retry budgets),
 * the server answers another request within 100 ms while the turn waits on the provider, and where named the
 * server's peak RSS (VmHWM) stays under 300 MB.
 */

const mocks: MockModelServer[] = [];
const clients: AppServerClient[] = [];
const dirs: string[] = [];

afterAll(async () => {
  // Servers are stopped (and gone) before their CODEX_HOME is removed, so nothing is written into it afterwards.
  for (const c of clients) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill();
  await Promise.all(clients.map((c) => c.exited));
  for (const m of mocks) await m.close();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  dirs.push(dir);
  return dir;
}

type Rec = Record<string, unknown>;

/** A server (ours, or the executable `bin`) whose provider is a fresh mock playing `script`, with a v2 thread. */
async function serve(
  script: ScriptedResponse[],
  o: { idleMs?: number; retries?: { request: number; stream: number }; toml?: string; bin?: string } = {},
) {
  const mock = await startMockModelServer(script);
  mocks.push(mock);
  const home = await mockCodexHome(mock.baseUrl, {
    prefix: "codex-e2e-hostile-",
    toml: `approval_policy = "never"\nsandbox_mode = "danger-full-access"\n${o.toml ?? ""}`,
    provider: o.idleMs === undefined ? [] : [`stream_idle_timeout_ms = ${o.idleMs}`],
    ...(o.retries ? { retries: o.retries } : {}),
  });
  dirs.push(home);
  const cwd = await tempDir("codex-e2e-hostile-work-");
  const c = o.bin
    ? new AppServerClient(
        spawn(o.bin, ["app-server"], {
          env: { ...process.env, CODEX_HOME: home, RUST_LOG: "error" },
          stdio: ["pipe", "pipe", "pipe"],
        }),
      )
    : await AppServerClient.start({ codexHome: home });
  clients.push(c);
  await c.initialize();
  const thread = ((await c.call("t", "thread/start", { cwd })).result as { thread: { id: string } }).thread;
  await c.waitFor((m) => m.method === "thread/started", "thread/started");
  return { c, mock, cwd, threadId: thread.id };
}

/** Starts a turn and returns when it was sent. */
function startTurn(
  c: AppServerClient,
  threadId: string,
  input: Rec[] = [{ type: "text", text: "go" }],
): number {
  c.send({ id: "turn", method: "turn/start", params: { threadId, input } });
  return Date.now();
}

async function turnCompleted(
  c: AppServerClient,
): Promise<{ status: string; error: { message: string } | null }> {
  const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
  return (done.params as { turn: { status: string; error: { message: string } | null } }).turn;
}

/**
 * How fast the server answers a cheap request (`getUserAgent`) while the turn waits on the provider, in ms: the
 * median of three round trips, so one scheduling hiccup of a loaded machine does not count (a server busy with the
 * turn would be slow on all three).
 */
async function roundTrip(c: AppServerClient, id: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const answer = await c.call(`${id}-${i}`, "getUserAgent");
    expect(answer.result).toBeDefined();
    times.push(performance.now() - started);
  }
  return times.sort((x, y) => x - y)[1]!;
}

/** The server process's peak resident set size, in MB (Linux: VmHWM). */
async function peakRssMb(c: AppServerClient): Promise<number> {
  const status = await fs.readFile(`/proc/${c.child.pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const v1 = (c: AppServerClient, type: string) => c.messages.filter((m) => m.method === `codex/event/${type}`);

describe("the app server against a misbehaving model provider", () => {
  it("row 2: a provider that never sends headers → turn/completed (failed) within 5 s, after one announced retry; other requests answered within 100 ms meanwhile", async () => {
    const { c, mock, threadId } = await serve([{ kind: "hang" }, { kind: "hang" }], {
      idleMs: 700,
      retries: { request: 3, stream: 1 },
    });
    const sentAt = startTurn(c, threadId);
    // The provider has the request: the turn is now waiting for headers that never come.
    while (mock.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(await roundTrip(c, "ua1")).toBeLessThan(100);
    const turn = await turnCompleted(c);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(turn.status).toBe("failed");
    expect(turn.error?.message).toMatch(/^Connection failed: no response from .* within 700 ms/);
    expect(v1(c, "stream_error").map((m) => (m.params as { msg: Rec }).msg.message)).toEqual([
      "Reconnecting... 1/1",
    ]);
  }, 30_000);

  it("row 3: 429 with Retry-After 100000, then 3000000 → each wait announced and capped (700 ms here), turn/completed within 5 s; other requests answered within 100 ms", async () => {
    const limited = (seconds: string): ScriptedResponse => ({
      kind: "http",
      status: 429,
      body: '{"error":{"message":"slow down"}}',
      headers: { "retry-after": seconds },
    });
    const { c, mock, threadId } = await serve(
      [limited("100000"), limited("3000000"), responses.turn(responses.message("made it"))],
      { idleMs: 700, retries: { request: 2, stream: 2 } },
    );
    const sentAt = startTurn(c, threadId);
    await c.waitFor((m) => m.method === "codex/event/stream_error", "stream_error");
    expect(await roundTrip(c, "ua1")).toBeLessThan(100);
    const turn = await turnCompleted(c);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(turn.status).toBe("completed");
    expect(v1(c, "stream_error")).toHaveLength(2);
    expect(mock.requests[1]!.at - mock.requests[0]!.at).toBeGreaterThanOrEqual(650);
    expect(mock.requests[2]!.at - mock.requests[1]!.at).toBeGreaterThanOrEqual(650);
  }, 30_000);

  it("row 7: SSE comment keep-alives and no event → turn/completed (failed: idle timeout) within 5 s; other requests answered within 100 ms", async () => {
    const { c, threadId } = await serve([{ kind: "keepalive", intervalMs: 100 }], { idleMs: 1_000 });
    const sentAt = startTurn(c, threadId);
    await c.waitFor((m) => m.method === "account/rateLimits/updated", "the response's headers");
    expect(await roundTrip(c, "ua1")).toBeLessThan(100);
    const turn = await turnCompleted(c);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(turn).toMatchObject({
      status: "failed",
      error: { message: "stream disconnected before completion: idle timeout waiting for SSE" },
    });
  }, 30_000);

  it("row 5: one 200 MB text delta → turn/completed (failed at the SSE event cap) within 20 s; peak RSS under 300 MB", async () => {
    const { c, threadId } = await serve([responses.hugeDelta(200 * 1024 * 1024)]);
    const sentAt = startTurn(c, threadId);
    const turn = await turnCompleted(c);
    expect(Date.now() - sentAt).toBeLessThan(20_000);
    expect(turn.error?.message).toBe(
      "stream disconnected before completion: an SSE event exceeded the limit of 16777216 characters",
    );
    expect(await peakRssMb(c)).toBeLessThan(300);
  }, 60_000);

  it("row 9: a model that calls a tool on every response → turn/completed (failed) after max_turn_requests (4) requests", async () => {
    const call = () =>
      responses.turn(
        ...responses.functionCall("update_plan", { plan: [{ step: "again", status: "pending" }] }),
      );
    const { c, mock, threadId } = await serve(Array.from({ length: 10 }, call), {
      toml: "max_turn_requests = 4",
    });
    startTurn(c, threadId);
    const turn = await turnCompleted(c);
    expect(turn).toMatchObject({
      status: "failed",
      error: {
        message:
          "This turn was stopped after 4 model requests, the limit set by `max_turn_requests`. Send another message to let the model continue.",
      },
    });
    expect(mock.requests).toHaveLength(4);
  }, 30_000);
});

describe("a turn whose local images cannot be read (issue 14 row 11)", () => {
  it("missing file, /dev/zero and a FIFO → 0.58.0's placeholder texts, turn/completed (completed) within 5 s", async () => {
    const { c, cwd, mock, threadId } = await serve([responses.turn(responses.message("fine"))]);
    const fifo = path.join(cwd, "pipe.png");
    execFileSync("mkfifo", [fifo]);
    const sentAt = startTurn(c, threadId, [
      { type: "text", text: "look" },
      { type: "localImage", path: path.join(cwd, "missing.png") },
      { type: "localImage", path: "/dev/zero" },
      { type: "localImage", path: fifo },
    ]);
    const turn = await turnCompleted(c);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(turn.status).toBe("completed");
    const sent = JSON.stringify(mock.requests[0]!.body);
    expect(sent).toContain("Codex could not read the local image at `/dev/zero`");
    expect(sent).toContain("not a regular file (a FIFO)");
  }, 30_000);
});

/** v1 events of a turn reduced to what must match 0.58.0: type, and the item ids/texts that identify items. */
function v1Sequence(messages: Message[]): string[] {
  return messages
    .filter((m) => String(m.method).startsWith("codex/event/"))
    .map((m) => (m.params as { msg: Rec }).msg)
    .filter((msg) => msg.type !== "background_event")
    .map((msg) => {
      const item = msg.item as Rec | undefined;
      const inner = item ? (Object.values(item)[0] as Rec) : undefined;
      const id = inner && !("UserMessage" in (item ?? {})) ? ` ${inner.id}` : "";
      const detail = msg.type === "stream_error" || msg.type === "error" ? ` ${msg.message}` : "";
      return `${msg.type}${id}${detail}${msg.delta !== undefined ? ` ${msg.delta}` : ""}`;
    });
}

describe("row 11: a stream cut mid-message and retried", () => {
  const script = (): ScriptedResponse[] => {
    const partial = responses.message("partial text", "msg_failed", 2);
    return [
      { kind: "sse", events: [responses.created(), partial[0]!, partial[1]!], cutAfter: 3 },
      responses.turn(responses.message("final answer", "msg_retry")),
    ];
  };

  it.skipIf(!REFERENCE_CODEX_BIN)(
    "v1 events as 0.58.0 sends them: the failed attempt's item started and streamed, never completed, then the notice and the retry's item",
    async () => {
      const runs: string[][] = [];
      for (const bin of [REFERENCE_CODEX_BIN, undefined]) {
        const { c, threadId } = await serve(script(), {
          retries: { request: 0, stream: 1 },
          ...(bin ? { bin } : {}),
        });
        const from = c.messages.length;
        startTurn(c, threadId);
        await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
        runs.push(v1Sequence(c.messages.slice(from)));
      }
      const [theirs, ours] = runs as [string[], string[]];
      expect(ours).toEqual(theirs);
      expect(ours).toContain("stream_error Reconnecting... 1/1");
      expect(ours.filter((e) => e === "item_completed msg_failed")).toHaveLength(0);
    },
    60_000,
  );
});
