import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CODEX_0166_BIN,
  chat,
  type MockModelServer,
  mockCodexHome,
  requestText,
  responses,
  startAppServer,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heldAnswer, userTexts } from "./helpers/model-scripts.js";
import { ModernClient, OURS } from "./helpers/modern-client.js";
import { threadTranscript } from "./helpers/transcript.js";

/**
 * Threads and turns on a 0.166 connection: `thread/start`, `turn/start`, `turn/steer`, `turn/interrupt`,
 * `thread/settings/update`, `thread/backgroundTerminals/list`, `thread/resume` (live part), and their errors in
 * 0.166.0's words. Where the reference binary is installed, the error answers are compared with its own.
 */
const UNKNOWN = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";

let tmp: string;
let mock: MockModelServer;
let home: string;
let cwd: string;
const clients: ModernClient[] = [];

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-threads-")));
  mock = await startMockModelServer();
  home = await mockCodexHome(mock.baseUrl, { modern: true, dir: path.join(tmp, "home") });
  cwd = path.join(tmp, "project");
  await fs.mkdir(cwd);
});
afterAll(async () => {
  for (const c of clients) if (c.running) await c.close();
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function start(command = OURS, capabilities?: unknown): Promise<ModernClient> {
  const c = await ModernClient.start(command, { codexHome: home, cwd, capabilities });
  clients.push(c);
  return c;
}

async function newThread(c: ModernClient, params: Record<string, unknown> = {}) {
  const r = await c.call("thread/start", {
    cwd,
    ...params,
  });
  await c.waitFor((m) => m.method === "thread/started");
  return r;
}

/** The answers to requests on an idle thread and unknown ones, with the thread id written as `<thread>`. */
async function idleErrors(command: string[]): Promise<unknown[]> {
  const c = await start(command);
  const { thread } = await newThread(c);
  const text = [{ type: "text" as const, text: "hi" }];
  const answers = [
    await c.settle("turn/interrupt", { threadId: thread.id, turnId: "x" }),
    await c.settle("turn/interrupt", { threadId: thread.id, turnId: "" }),
    await c.settle("turn/steer", { threadId: thread.id, expectedTurnId: "x", input: text }),
    await c.settle("turn/steer", { threadId: thread.id, expectedTurnId: "x", input: [] }),
    await c.settle("turn/interrupt", { threadId: UNKNOWN, turnId: "x" }),
    await c.settle("turn/interrupt", { threadId: "nope", turnId: "x" }),
    await c.settle("turn/start", { threadId: UNKNOWN, input: text }),
    await c.settle("thread/backgroundTerminals/list", { threadId: thread.id }),
    await c.settle("thread/backgroundTerminals/list", { threadId: UNKNOWN }),
    await c.settle("thread/settings/update", { threadId: UNKNOWN, effort: "low" }),
  ];
  await c.close();
  return answers.map((m) => JSON.parse(JSON.stringify(m).replaceAll(thread.id, "<thread>")));
}

describe("0.166 threads and turns", () => {
  it("thread/start answers 0.166's thread and settings, then sends thread/started", async () => {
    const c = await start();
    const r = await newThread(c, { approvalPolicy: "never", sandbox: "workspace-write", model: "gpt-5.4" });
    expect(r.thread).toMatchObject({
      sessionId: r.thread.id,
      preview: "",
      ephemeral: false,
      historyMode: "legacy",
      modelProvider: "mock",
      model: "gpt-5.4",
      status: { type: "idle" },
      cwd,
      source: "vscode",
      turns: [],
      environments: [{ environmentId: "local", cwd, runtimeWorkspaceRoots: [cwd] }],
    });
    expect(r.thread.path?.startsWith(path.join(home, "sessions"))).toBe(true);
    expect(r).toMatchObject({
      model: "gpt-5.4",
      approvalPolicy: "never",
      approvalsReviewer: "user",
      sandbox: { type: "workspaceWrite", writableRoots: [], networkAccess: false },
      activePermissionProfile: { id: ":workspace", extends: null },
      multiAgentMode: "explicitRequestOnly",
    });
    const started = c.tee().find((e) => e.msg.method === "thread/started");
    expect((started?.msg.params as { thread?: unknown } | undefined)?.thread).toEqual(r.thread);
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
  });

  it("answers turn and thread requests on idle and unknown threads in 0.166.0's words", async () => {
    const ours = await idleErrors(OURS);
    expect(ours).toEqual([
      { code: -32600, message: "no active turn to interrupt" },
      {},
      { code: -32600, message: "no active turn to steer" },
      { code: -32600, message: "no active turn to steer" },
      { code: -32600, message: `thread not found: ${UNKNOWN}` },
      {
        code: -32600,
        message:
          "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
      },
      { code: -32600, message: `thread not found: ${UNKNOWN}` },
      { data: [], nextCursor: null },
      { code: -32600, message: `thread not found: ${UNKNOWN}` },
      { code: -32600, message: `thread not found: ${UNKNOWN}` },
    ]);
    if (CODEX_0166_BIN) expect(ours).toEqual(await idleErrors([CODEX_0166_BIN]));
  });

  it("thread/settings/update needs the experimental API, announces a change once, and applies from the next turn", async () => {
    const plain = await start(OURS, {});
    const { thread: t0 } = await newThread(plain);
    expect(await plain.error("thread/settings/update", { threadId: t0.id, effort: "high" })).toEqual({
      code: -32600,
      message: "thread/settings/update requires experimentalApi capability",
    });
    await plain.close();

    const c = await start();
    const { thread } = await newThread(c);
    const from = c.mark();
    expect(
      await c.call("thread/settings/update", { threadId: thread.id, model: "gpt-5.4", effort: "high" }),
    ).toEqual({});
    const updated = await c.waitFor((m) => m.method === "thread/settings/updated", { from });
    expect(updated.params).toMatchObject({
      threadId: thread.id,
      threadSettings: {
        model: "gpt-5.4",
        effort: "high",
        collaborationMode: { mode: "default", settings: { model: "gpt-5.4", reasoning_effort: "high" } },
      },
    });
    // The same settings again change nothing: no second notification.
    await c.call("thread/settings/update", { threadId: thread.id, effort: "high" });
    const before = mock.requests.length;
    mock.enqueue(responses.turn(responses.message("ok")));
    await c.turn(thread.id, "go");
    const body = mock.requests[before]!.body as { model: string; reasoning?: { effort?: string } };
    expect(body.model).toBe("gpt-5.4");
    expect(body.reasoning?.effort).toBe("high");
    expect(
      c
        .tee()
        .slice(from)
        .filter((e) => e.msg.method === "thread/settings/updated"),
    ).toHaveLength(1);
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
  });

  it("turn/start with other settings announces them before its answer", async () => {
    const c = await start();
    const { thread } = await newThread(c);
    mock.enqueue(responses.turn(responses.message("ok")));
    const from = c.mark();
    const turnId = await c.turn(thread.id, "hi", { effort: "low", approvalsReviewer: "user" });
    const steps = threadTranscript(c.tee().slice(from), thread.id).steps;
    expect(steps.slice(0, 6)).toEqual([
      "→ turn/start",
      "⇐ thread/settings/updated",
      "← turn/start",
      "⇐ thread/status/changed active[]",
      "⇐ turn/started",
      "⇐ item/started userMessage",
    ]);
    expect(turnId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/); // UUIDv7, as 0.166.0 mints turn ids
    await c.close();
  });

  it("turn/steer adds input to the running turn: the client's id on its item, one turn, both inputs answered", async () => {
    const c = await start();
    const { thread } = await newThread(c);
    // The answer holds after its first word: the turn still runs whenever the steer arrives, which cuts it short.
    mock.enqueue(heldAnswer(30), responses.turn(responses.message("both answered", "msg_both")));
    const from = c.mark();
    const first = mock.requests.length;
    const { turn } = await c.call("turn/start", {
      threadId: thread.id,
      input: [{ type: "text" as const, text: "first" }],
    });
    await c.waitFor((m) => m.method === "item/agentMessage/delta", { from });
    const input = [{ type: "text" as const, text: "second" }];
    expect(await c.error("turn/steer", { threadId: thread.id, expectedTurnId: "other", input })).toEqual({
      code: -32600,
      message: `expected active turn id \`other\` but found \`${turn.id}\``,
    });
    expect(
      await c.call("turn/steer", {
        threadId: thread.id,
        expectedTurnId: turn.id,
        input,
        clientUserMessageId: "client-7",
      }),
    ).toEqual({ turnId: turn.id });
    const done = await c.turnCompleted(turn.id, from);
    expect(done.params).toMatchObject({
      turn: { status: "completed", items: [{ type: "agentMessage", text: "both answered" }] },
    });
    const steered = c
      .tee()
      .slice(from)
      .find((e) => e.msg.method === "item/completed" && JSON.stringify(e.msg.params).includes('"second"'));
    expect(steered?.msg.params).toMatchObject({ item: { type: "userMessage", clientId: "client-7" } });
    // The answer the input cut short is completed with what streamed of it, before the input is announced.
    const log = c.tee().slice(from);
    const cut = log.find(
      (e) => e.msg.method === "item/started" && JSON.stringify(e.msg.params).includes("msg_slow"),
    );
    const cutDone = log.findIndex(
      (e) => e.msg.method === "item/completed" && JSON.stringify(e.msg.params).includes("msg_slow"),
    );
    expect(cut).toBeDefined();
    const streamed = log
      .filter(
        (e) =>
          e.msg.method === "item/agentMessage/delta" && JSON.stringify(e.msg.params).includes("msg_slow"),
      )
      .map((e) => (e.msg.params as { delta: string }).delta)
      .join("");
    expect(log[cutDone]?.msg.params).toMatchObject({ item: { type: "agentMessage", text: streamed } });
    expect(cutDone).toBeLessThan(
      log.findIndex(
        (e) => e.msg.method === "item/started" && JSON.stringify(e.msg.params).includes('"second"'),
      ),
    );
    expect(userTexts(mock.requests.at(-1)!.body)).toEqual(["first", "second"]);
    expect(mock.requests.length - first).toBe(2);
    expect(
      c
        .tee()
        .slice(from)
        .filter((e) => e.msg.method === "turn/completed"),
    ).toHaveLength(1);
    await c.close();
  });

  it("turn/interrupt checks the turn id, answers once the turn ended, then finds no turn", async () => {
    const c = await start();
    const { thread } = await newThread(c);
    // Held after its first word: only the interrupt ends the turn.
    mock.enqueue(heldAnswer(40));
    const from = c.mark();
    const { turn } = await c.call("turn/start", {
      threadId: thread.id,
      input: [{ type: "text" as const, text: "long" }],
    });
    await c.waitFor((m) => m.method === "item/agentMessage/delta", { from });
    expect(await c.error("turn/interrupt", { threadId: thread.id, turnId: "wrong" })).toEqual({
      code: -32600,
      message: `expected active turn id wrong but found ${turn.id}`,
    });
    expect(await c.call("turn/interrupt", { threadId: thread.id, turnId: turn.id })).toEqual({});
    await c.turnCompleted(turn.id, from);
    const steps = threadTranscript(c.tee().slice(from), thread.id).steps;
    expect(steps.slice(-4)).toEqual([
      "→ turn/interrupt",
      "← turn/interrupt",
      "⇐ thread/status/changed idle",
      "⇐ turn/completed interrupted",
    ]);
    expect(await c.error("turn/interrupt", { threadId: thread.id, turnId: turn.id })).toEqual({
      code: -32600,
      message: "no active turn to interrupt",
    });
    await c.close();
  });

  it("turn/interrupt sent right behind turn/start (no turn id yet) interrupts the turn being started", async () => {
    // A mock of its own: whether the interrupted turn reaches the model is up to timing, so nothing may be left
    // queued for the other tests.
    const run = async (command: string[]) => {
      const own = await startMockModelServer([heldAnswer(40)]);
      const ownHome = await mockCodexHome(own.baseUrl, {
        modern: true,
        dir: await fs.mkdtemp(path.join(tmp, "home-")),
      });
      const c = await ModernClient.start(command, { codexHome: ownHome, cwd });
      clients.push(c);
      const { thread } = await newThread(c);
      const from = c.mark();
      const started = c.call("turn/start", {
        threadId: thread.id,
        input: [{ type: "text" as const, text: "x" }],
      });
      const interrupted = c.call("turn/interrupt", { threadId: thread.id, turnId: "" });
      const turnId = (await started).turn.id;
      const answer = await interrupted;
      const done = await c.turnCompleted(turnId, from);
      await c.close();
      await own.close();
      return { answer, status: (done.params as { turn: { status: string } }).turn.status };
    };
    const ours = await run(OURS);
    expect(ours).toEqual({ answer: {}, status: "interrupted" });
    if (CODEX_0166_BIN) expect(await run([CODEX_0166_BIN])).toEqual(ours);
  });

  it("sends turn/plan/updated for the model's plan", async () => {
    // Only 0.58.0's families have update_plan (0.166.0's answer `unsupported call: update_plan`, see
    // tool-routing.e2e.test.ts): a 0.58.0 model on a Chat Completions provider, which keeps 0.58.0's request.
    const chatHome = await mockCodexHome(mock.baseUrl, {
      modern: true,
      wireApi: "chat",
      dir: path.join(tmp, "chat-home"),
    });
    const c = await ModernClient.start(OURS, { codexHome: chatHome, cwd });
    clients.push(c);
    const { thread } = await newThread(c, { model: "gpt-5-codex" });
    const plan = [
      { step: "read", status: "completed" },
      { step: "write", status: "in_progress" },
    ];
    mock.enqueue(
      chat.toolCall("update_plan", { explanation: "two steps", plan }, "call_plan"),
      chat.text("planned"),
    );
    const from = c.mark();
    const turnId = await c.turn(thread.id, "plan it");
    const update = await c.waitFor((m) => m.method === "turn/plan/updated", { from });
    expect(update.params).toEqual({
      threadId: thread.id,
      turnId,
      explanation: "two steps",
      plan: [
        { step: "read", status: "completed" },
        { step: "write", status: "inProgress" },
      ],
    });
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
  });

  it("thread/resume loads a thread from its rollout, reports it, and continues it", async () => {
    const first = await start();
    const { thread } = await newThread(first);
    mock.enqueue(responses.turn(responses.reasoning("thinking"), responses.message("First answer.")));
    const liveFrom = first.mark();
    await first.turn(thread.id, "First question");
    // What the live stream showed: the stored turn has the same ids.
    const live = first.received(liveFrom);
    const started = live.find((m) => m.method === "turn/started");
    const liveTurn = (started?.params as { turn: { id: string } } | undefined)?.turn.id;
    const liveItems = live
      .filter((m) => m.method === "item/completed")
      .map((m) => (m.params as { item: { id: string } }).item.id);
    await first.close();

    const c = await start();
    const from = c.mark();
    const resumed = await c.call("thread/resume", {
      threadId: thread.id,
      initialTurnsPage: { limit: 5 },
    });
    expect(resumed.thread).toMatchObject({
      id: thread.id,
      preview: "First question",
      status: { type: "idle" },
      historyMode: "legacy",
      turns: [
        {
          id: liveTurn,
          status: "completed",
          itemsView: "full",
          // Recorded as the live stream showed them (README, "Stored history").
          items: [
            {
              type: "userMessage",
              id: liveItems[0],
              content: [{ type: "text" as const, text: "First question" }],
            },
            { type: "reasoning", id: liveItems[1], summary: ["thinking"] },
            { type: "agentMessage", id: liveItems[2], text: "First answer." },
          ],
        },
      ],
    });
    expect(resumed).toMatchObject({
      model: "gpt-5.5",
      collaborationMode: { mode: "default" },
      initialTurnsPage: { data: [{ itemsView: "summary" }], nextCursor: null },
      turnsBackwardsCursor: null,
      itemsBackwardsCursor: null,
    });
    const usage = await c.waitFor((m) => m.method === "thread/tokenUsage/updated", { from });
    expect(usage.params).toMatchObject({ threadId: thread.id, tokenUsage: { total: { totalTokens: 15 } } });
    // The goal announcement follows the answer on its own schedule: waited for, so the transcript is whole.
    await c.waitFor((m) => m.method === "thread/goal/cleared", { from });
    expect(threadTranscript(c.tee().slice(from), thread.id).steps).toEqual([
      "→ thread/resume",
      "⇐ thread/status/changed idle",
      "← thread/resume",
      "⇐ thread/tokenUsage/updated",
      // 0.166.0 tells a resumed thread's clients its goal, or that it has none (goals-0166.e2e compares).
      "⇐ thread/goal/cleared",
    ]);
    mock.enqueue(responses.turn(responses.message("Second answer.")));
    await c.turn(thread.id, "Second question");
    expect(userTexts(mock.requests.at(-1)!.body)).toEqual(["First question", "Second question"]);
    expect(requestText(mock.requests.at(-1)!.body)).toContain("First answer.");

    const excluded = await c.call("thread/resume", {
      threadId: thread.id,
      excludeTurns: true,
    });
    expect(excluded.thread.turns).toEqual([]);
    expect(await c.error("thread/resume", { threadId: UNKNOWN })).toEqual({
      code: -32600,
      message: `no rollout found for thread id ${UNKNOWN}`,
    });
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
  });

  it("a 0.58 connection's notifications carry no emittedAtMs", async () => {
    const c = await startAppServer({ home });
    await c.initialize();
    await c.request("thread/start", { cwd });
    const started = await c.waitFor((m) => m.method === "thread/started", "thread/started");
    expect(Object.keys(started)).toEqual(["method", "params"]);
    expect(started.params).toEqual({
      thread: expect.not.objectContaining({ environments: expect.anything() }),
    });
    expect((await c.close()).code).toBe(0);
  });
});
