import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  referenceEnv0166,
  responses,
  type ScriptedResponse,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * Thread goals (`thread/goal/*`) on this server and, where it is installed, on the native codex 0.166.0 with the
 * same script: the answers and refusals, the notifications, the continuation turns an active goal runs and what
 * their model requests carry, and a goal set by one program found by the other on the same CODEX_HOME.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 goals: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: { name: "goals-0166", version: "1.0" },
    prefix: "codex-0166-goals-",
  });

async function newThread(s: MockServer0166, ephemeral = false): Promise<string> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model: "gpt-5.5",
    approvalPolicy: "never",
    sandbox: "danger-full-access",
    ...(ephemeral ? { ephemeral } : {}),
  });
  return thread.id;
}

const answer = (text: string): ScriptedResponse => ({
  kind: "sse",
  events: [responses.created(), ...responses.message(text), responses.completed()],
});

type Goal = { threadId: string; createdAt: number; updatedAt: number; timeUsedSeconds: number };

/** A goal with its thread id and clock fields named, not valued (they differ from run to run). */
function shape(goal: unknown, threadId: string): unknown {
  if (goal === null || goal === undefined) return goal;
  const g = goal as Goal;
  expect(g.threadId).toBe(threadId);
  expect(g.updatedAt).toBeGreaterThanOrEqual(g.createdAt);
  return { ...g, threadId: "<thread>", createdAt: "<s>", updatedAt: "<s>", timeUsedSeconds: "<s>" };
}

/** A request's answer, or its error as `code message`, with the thread's id written `<thread>`. */
async function outcome(
  s: MockServer0166,
  method: string,
  params: unknown,
  threadId: string,
): Promise<unknown> {
  const request = s.c.request.bind(s.c) as (m: string, p: unknown) => Promise<unknown>;
  try {
    const r = (await request(method, params)) as { goal?: unknown };
    return "goal" in r ? { ...r, goal: shape(r.goal, threadId) } : r;
  } catch (err) {
    const e = err as { code?: number; message: string };
    return `${e.code} ${e.message.replaceAll(threadId, "<thread>")}`;
  }
}

const goalNotices = (ms: Message[]) => ms.filter((m) => m.method?.startsWith("thread/goal/"));

type GoalUsage = { status: string; tokensUsed: number; timeUsedSeconds: number };
/**
 * Without the goal updates that only add elapsed time (the goal's status and tokens as its previous notice had them,
 * more seconds). A turn's end accounts the whole seconds since the goal's last count, in both programs: when a turn
 * outlasts a second past its last response (CI load) one more update comes, which says nothing of the order or the
 * token usage compared here.
 */
function withoutTimeOnlyUpdates(ms: Message[]): Message[] {
  let last: GoalUsage | undefined;
  return ms.filter((m) => {
    if (m.method !== "thread/goal/updated") return true;
    const goal = (m.params as { goal: GoalUsage }).goal;
    const timeOnly =
      last !== undefined &&
      goal.status === last.status &&
      goal.tokensUsed === last.tokensUsed &&
      goal.timeUsedSeconds > last.timeUsedSeconds;
    last = goal;
    return !timeOnly;
  });
}

describe("thread goals compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: set, get, clear, their notifications and refusals",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      const eph = await newThread(s, true);
      const unknown = "0199a8e2-0000-7000-8000-000000000000";
      const from = s.c.messages.length;
      const seen: unknown[] = [];
      const run = async (method: string, params: Record<string, unknown>) =>
        seen.push([method, await outcome(s, method, params, params.threadId === eph ? eph : id)]);
      await run("thread/goal/get", { threadId: id });
      await run("thread/goal/set", { threadId: id, status: "paused" });
      await run("thread/goal/set", { threadId: id, objective: "   " });
      await run("thread/goal/set", { threadId: id, objective: "x".repeat(4001) });
      await run("thread/goal/set", { threadId: id, objective: "x", tokenBudget: 0 });
      await run("thread/goal/set", {
        threadId: id,
        objective: "  ship it  ",
        status: "paused",
        tokenBudget: 100,
      });
      await run("thread/goal/set", { threadId: id, status: "budgetLimited" });
      await run("thread/goal/set", { threadId: id, tokenBudget: null });
      await run("thread/goal/get", { threadId: id });
      await run("thread/goal/clear", { threadId: id });
      await run("thread/goal/clear", { threadId: id });
      await run("thread/goal/get", { threadId: unknown });
      await run("thread/goal/get", { threadId: "nope" });
      await run("thread/goal/set", { threadId: eph, objective: "x" });
      await run("thread/goal/clear", { threadId: eph });
      const goal = (status: string, tokenBudget: number | null) => ({
        goal: {
          threadId: "<thread>",
          objective: "ship it",
          status,
          tokenBudget,
          tokensUsed: 0,
          timeUsedSeconds: "<s>",
          createdAt: "<s>",
          updatedAt: "<s>",
        },
      });
      expect(seen).toEqual([
        ["thread/goal/get", { goal: null }],
        ["thread/goal/set", "-32600 cannot update goal for thread <thread>: no goal exists"],
        ["thread/goal/set", "-32600 goal objective must not be empty"],
        ["thread/goal/set", "-32600 goal objective must be at most 4000 characters"],
        ["thread/goal/set", "-32600 goal budgets must be positive when provided"],
        ["thread/goal/set", goal("paused", 100)],
        ["thread/goal/set", goal("budgetLimited", 100)],
        ["thread/goal/set", goal("budgetLimited", null)],
        ["thread/goal/get", goal("budgetLimited", null)],
        ["thread/goal/clear", { cleared: true }],
        ["thread/goal/clear", { cleared: false }],
        ["thread/goal/get", `-32600 thread not found: ${unknown}`],
        [
          "thread/goal/get",
          "-32600 invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
        ],
        ["thread/goal/set", "-32600 ephemeral thread does not support goals: <thread>"],
        ["thread/goal/clear", "-32600 ephemeral thread does not support goals: <thread>"],
      ]);
      // Each change is announced after its answer; a clear that cleared nothing is not.
      const notices = goalNotices(s.c.messages.slice(from)).map((m) => {
        const p = m.params as { threadId: string; turnId?: string | null; goal?: { status: string } };
        expect(p.threadId).toBe(id);
        return p.goal ? `${m.method} ${p.turnId} ${p.goal.status}` : `${m.method}`;
      });
      expect(notices).toEqual([
        "thread/goal/updated null paused",
        "thread/goal/updated null budgetLimited",
        "thread/goal/updated null budgetLimited",
        "thread/goal/cleared",
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: an active goal starts turns on an idle thread until it is paused; each turn's tokens count",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      await s.c.waitFor((m) => m.method === "thread/started", "thread/started");
      s.mock.enqueue(answer("working 0"));
      s.mock.enqueue(answer("working 1"));
      const from = s.c.messages.length;
      await s.c.request("thread/goal/set", { threadId: id, objective: "write hello", status: "active" });
      // The third goal turn's request hangs: the goal is paused while it runs, and the turn interrupted.
      s.mock.enqueue({ kind: "hang" });
      await s.c.waitFor(() => s.mock.requests.length === 3, "the third goal turn's request");
      const paused = await s.c.request("thread/goal/set", { threadId: id, status: "paused" });
      expect(paused.goal.status).toBe("paused");
      expect(paused.goal.tokensUsed).toBe(30);
      const running = s.c.messages.filter((m) => m.method === "turn/started").at(-1);
      const turnId = (running?.params as { turn: { id: string } } | undefined)?.turn.id ?? "";
      await s.c.request("turn/interrupt", { threadId: id, turnId });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
        "the interrupted goal turn",
      );
      const got = await s.c.request("thread/goal/get", { threadId: id });
      expect(got.goal?.status).toBe("paused");
      expect(s.c.messages.slice(from).filter((m) => m.method === "turn/started")).toHaveLength(3);

      // The first goal turn as the client sees it: answer, goal, status, turn start, then the goal's usage
      // before the turn's end, as 0.166.0 orders them.
      const firstTurn = withoutTimeOnlyUpdates(s.c.messages.slice(from));
      const methods = firstTurn
        .slice(0, firstTurn.findIndex((m) => m.method === "turn/completed") + 1)
        .filter(
          (m) =>
            m.method !== undefined &&
            !m.method.startsWith("item/") &&
            m.method !== "account/rateLimits/updated",
        )
        .map((m) => m.method);
      expect(methods).toEqual([
        "thread/goal/updated",
        "thread/status/changed",
        "turn/started",
        "thread/tokenUsage/updated",
        "thread/goal/updated",
        "thread/status/changed",
        "turn/completed",
      ]);
      const usage = goalNotices(firstTurn).map(
        (m) => (m.params as { goal: { tokensUsed: number } }).goal.tokensUsed,
      );
      expect(usage.slice(0, 3)).toEqual([0, 15, 30]);
      // A goal turn shows no user message: its input is a context message only the model sees.
      const items = firstTurn
        .filter((m) => m.method === "item/completed")
        .map((m) => (m.params as { item: { type: string } }).item.type);
      expect(items).not.toContain("userMessage");

      // Its model request ends with the goal's context: the objective and the budget.
      const body = s.mock.requests[0]?.body as { input: { role?: string; content?: { text?: string }[] }[] };
      const last = body.input.at(-1);
      expect(last?.role).toBe("user");
      const text = last?.content?.[0]?.text ?? "";
      expect(text.startsWith('<codex_internal_context source="goal">')).toBe(true);
      expect(text).toContain("<objective>\nwrite hello\n</objective>");
      expect(text).toContain("- Tokens used: 0\n- Token budget: none\n- Tokens remaining: unbounded");
      const second = s.mock.requests[1]?.body as typeof body;
      expect(second.input.at(-1)?.content?.[0]?.text).toContain("- Tokens used: 15\n");
    },
  );

  it.each(IMPLS)(
    "%s: a goal turn that fails blocks the goal; no turn follows",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      await s.c.waitFor((m) => m.method === "thread/started", "thread/started");
      const error = { error: { message: "bad request", type: "invalid_request_error" } };
      s.mock.enqueue({ kind: "http", status: 400, body: JSON.stringify(error) });
      const from = s.c.messages.length;
      await s.c.request("thread/goal/set", { threadId: id, objective: "write hello" });
      const done = await s.c.waitFor((m) => m.method === "turn/completed", "the goal turn");
      const turn = (done.params as { turn: { id: string; status: string } }).turn;
      expect(turn.status).toBe("failed");
      const got = await s.c.request("thread/goal/get", { threadId: id });
      expect(got.goal?.status).toBe("blocked");
      const seen = s.c.messages
        .slice(from)
        .filter(
          (m) => m.method?.startsWith("thread/goal/") || m.method === "error" || m.method === "turn/started",
        )
        .map((m) => {
          const p = m.params as { turnId?: string | null; goal?: { status: string } };
          return m.method === "thread/goal/updated"
            ? `${m.method} ${p.turnId === turn.id} ${p.goal?.status}`
            : m.method;
        });
      expect(seen).toEqual([
        "thread/goal/updated false active",
        "turn/started",
        "thread/goal/updated true blocked",
        "error",
      ]);
      expect(s.mock.requests).toHaveLength(1);
    },
  );

  it.each(IMPLS)(
    "%s: gpt-5.5's goal tools: their answers to the model and the goal changes clients are told of",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      const calls: [string, unknown][] = [
        ["get_goal", {}],
        ["update_goal", { status: "complete" }],
        ["create_goal", { objective: "tool goal", token_budget: 1000 }],
        ["create_goal", { objective: "again" }],
        ["update_goal", { status: "paused" }],
        ["update_goal", { status: "active" }],
        ["create_goal", { objective: "x", token_budget: 0 }],
        ["update_goal", { status: "complete" }],
        ["create_goal", { objective: "after complete" }],
        ["update_goal", { status: "blocked" }],
      ];
      for (const [name, args] of calls)
        s.mock.enqueue({
          kind: "sse",
          events: [responses.created(), ...responses.functionCall(name, args), responses.completed()],
        });
      s.mock.enqueue(answer("done"));
      const from = s.c.messages.length;
      const { turn } = await s.c.request("turn/start", {
        threadId: id,
        input: [{ type: "text", text: "hi" }],
      });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
        "turn/completed",
      );
      // Each call's output, as the next request carries it (the goal's clock fields named, not valued; its usage
      // too: 0.166.0 counts a response's tokens after the tools it calls have run, this server before, README).
      const outputs = s.mock.requests.slice(1).map((r) => {
        const input = (r.body as { input: { type: string; output?: string }[] }).input;
        const text = input.filter((i) => i.type === "function_call_output").at(-1)?.output ?? "";
        if (!text.startsWith("{")) return text;
        const out = JSON.parse(text) as {
          goal: { tokensUsed: number } | null;
          remainingTokens: number | null;
          completionBudgetReport: string | null;
        };
        const budgeted = out.remainingTokens !== null;
        if (out.goal && budgeted) expect(out.remainingTokens).toBe(1000 - out.goal.tokensUsed);
        return {
          goal: out.goal && { ...(shape(out.goal, id) as object), tokensUsed: "<n>" },
          remainingTokens: budgeted ? "<n>" : null,
          completionBudgetReport: out.completionBudgetReport === null ? null : "<report>",
        };
      });
      const goal = (objective: string, status: string, tokenBudget?: number) => ({
        threadId: "<thread>",
        objective,
        status,
        ...(tokenBudget === undefined ? {} : { tokenBudget }),
        tokensUsed: "<n>",
        timeUsedSeconds: "<s>",
        createdAt: "<s>",
        updatedAt: "<s>",
      });
      expect(outputs).toEqual([
        { goal: null, remainingTokens: null, completionBudgetReport: null },
        "cannot update goal because this thread has no goal",
        { goal: goal("tool goal", "active", 1000), remainingTokens: "<n>", completionBudgetReport: null },
        "cannot create a new goal because this thread has an unfinished goal; complete the existing goal first",
        { goal: goal("tool goal", "paused", 1000), remainingTokens: "<n>", completionBudgetReport: null },
        "update_goal can only mark the existing goal complete, blocked, or paused at the user's explicit request; resume, budget-limited, and usage-limited status changes are controlled by the user or system",
        "goal budgets must be positive when provided",
        {
          goal: goal("tool goal", "complete", 1000),
          remainingTokens: "<n>",
          completionBudgetReport: "<report>",
        },
        { goal: goal("after complete", "active"), remainingTokens: null, completionBudgetReport: null },
        { goal: goal("after complete", "blocked"), remainingTokens: null, completionBudgetReport: null },
      ]);
      // The client hears of every change (and of the goal's usage, which only grows), with the turn's id.
      const notices = goalNotices(s.c.messages.slice(from)).map((m) => {
        const p = m.params as { turnId: string | null; goal: { objective: string; status: string } };
        expect(p.turnId).toBe(turn.id);
        return `${p.goal.objective} ${p.goal.status}`;
      });
      expect(notices.filter((n, i) => n !== notices[i - 1])).toEqual([
        "tool goal active",
        "tool goal paused",
        "tool goal complete",
        "after complete active",
        "after complete blocked",
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: a resume announces the thread's goal: thread/goal/cleared when it has none, thread/goal/updated when it has one",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      // A turn first: 0.166.0 resumes only a thread with a rollout.
      s.mock.enqueue(answer("hello"));
      await s.c.request("turn/start", { threadId: id, input: [{ type: "text", text: "hi" }] });
      await s.c.waitFor((m) => m.method === "turn/completed", "the first turn");
      const notices = async (from: number, method: string) => {
        await s.c.waitFor((m) => s.c.messages.indexOf(m) >= from && m.method === method, method);
        return goalNotices(s.c.messages.slice(from)).map((m) => ({
          method: m.method,
          params: { ...(m.params as object), goal: shape((m.params as { goal?: unknown }).goal, id) },
        }));
      };
      let from = s.c.messages.length;
      await s.c.request("thread/resume", { threadId: id, excludeTurns: true });
      expect(await notices(from, "thread/goal/cleared")).toEqual([
        { method: "thread/goal/cleared", params: { threadId: id, goal: undefined } },
      ]);
      from = s.c.messages.length;
      await s.c.request("thread/goal/set", { threadId: id, objective: "keep it", status: "paused" });
      // The set's own announcement (after its answer) first, so it is not taken for the resume's.
      await notices(from, "thread/goal/updated");
      from = s.c.messages.length;
      await s.c.request("thread/resume", { threadId: id, excludeTurns: true });
      expect(await notices(from, "thread/goal/updated")).toEqual([
        {
          method: "thread/goal/updated",
          params: {
            threadId: id,
            turnId: null,
            goal: {
              threadId: "<thread>",
              objective: "keep it",
              status: "paused",
              tokenBudget: null,
              tokensUsed: 0,
              timeUsedSeconds: "<s>",
              createdAt: "<s>",
              updatedAt: "<s>",
            },
          },
        },
      ]);
    },
  );

  it.runIf(CODEX_0166_BIN)(
    "a goal set by either program is the one the other finds on the same CODEX_HOME, and resumes with",
    { timeout: 120_000 },
    async () => {
      const ours = await server("ours");
      const id = await newThread(ours);
      await ours.c.request("thread/goal/set", {
        threadId: id,
        objective: "from ours",
        status: "paused",
        tokenBudget: 500,
      });
      const set = await ours.c.request("thread/goal/get", { threadId: id });
      await ours.c.close();
      const home = path.join(ours.root, "codex-home");
      const real = await suite.start({
        bin: "0.166",
        home,
        protocol: protocol0166,
        cwd: ours.root,
        env: referenceEnv0166(home, ours.root),
        initialize: false,
      });
      await real.initialize({ name: "goals-0166", version: "1.0" }, { experimentalApi: true });
      expect(await real.request("thread/goal/get", { threadId: id })).toEqual(set);
      const native = await real.request("thread/goal/set", {
        threadId: id,
        objective: "from native",
        status: "paused",
      });
      await real.close();
      const again = await suite.start({ home, protocol: protocol0166, cwd: ours.root, initialize: false });
      await again.initialize({ name: "goals-0166", version: "1.0" }, { experimentalApi: true });
      expect(await again.request("thread/goal/get", { threadId: id })).toEqual(native);
      // Resuming announces the goal as it is (paused: no turn starts).
      await again.request("thread/resume", { threadId: id });
      const snapshot = await again.waitFor((m) => m.method === "thread/goal/updated", "the goal on resume");
      expect(snapshot.params).toEqual({ threadId: id, turnId: null, goal: native.goal });
    },
  );
});
