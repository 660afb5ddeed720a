import {
  CODEX_0166_BIN,
  type Message,
  responses,
  type ScriptedResponse,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * 0.166 notifications that need no request of their own, each checked on ours and, where it is installed, on the
 * native codex 0.166.0 with the same script: `account/rateLimits/updated` after every model response's usage,
 * `account/updated` after an API-key login and a logout, `item/commandExecution/terminalInteraction` when the model
 * writes to a running unified exec session, and the request 0.166.0's catalogue models get.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "notifications-0166", version: "1.0" };
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("0.166 notifications: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

type Server = MockServer0166;

/** A server of `impl` on a fresh modern CODEX_HOME with a mock model server of its own. */
const server = (impl: Impl, o: { toml?: string; args?: string[] } = {}): Promise<Server> =>
  startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-notes-", ...o });

/** Runs one turn on a new thread; resolves with the notifications from `turn/started` to `turn/completed`. */
async function turn(s: Server, params: { model?: string } = {}): Promise<Message[]> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    approvalPolicy: "never",
    sandbox: "danger-full-access",
    ...params,
  });
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "hi" }],
  });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return s.c.messages.slice(from).filter((m) => m.method !== undefined && m.id === undefined);
}

const RATE_LIMIT_HEADERS = {
  "x-codex-primary-used-percent": "12.5",
  "x-codex-primary-window-minutes": "300",
  "x-codex-primary-reset-at": "1900000000",
  "x-codex-secondary-used-percent": "40",
  "x-codex-secondary-window-minutes": "10080",
  "x-codex-secondary-reset-at": "1900500000",
};

const answer = (text: string, headers?: Record<string, string>): ScriptedResponse => ({
  kind: "sse",
  ...(headers ? { headers } : {}),
  events: [responses.created(), ...responses.message(text), responses.completed()],
});

const call = (name: string, args: unknown, id: string): ScriptedResponse => ({
  kind: "sse",
  events: [responses.created(), ...responses.functionCall(name, args, id), responses.completed()],
});

/** The rate-limit notifications of a turn and what comes just before each. */
function rateLimitReports(notes: Message[]) {
  return notes.flatMap((m, i) =>
    m.method === "account/rateLimits/updated" ? [{ after: notes[i - 1]?.method, params: m.params }] : [],
  );
}

const NO_ACCOUNT_DETAILS = {
  limitId: "codex",
  limitName: null,
  normalModelSlug: null,
  credits: null,
  individualLimit: null,
  spendControlReached: null,
  planType: null,
  rateLimitReachedType: null,
};

describe("0.166 notifications compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: every model response's usage is followed by account/rateLimits/updated",
    {
      timeout: 120_000,
    },
    async (impl) => {
      const s = await server(impl);
      s.mock.enqueue(answer("hello", RATE_LIMIT_HEADERS), answer("again"));
      const withHeaders = rateLimitReports(await turn(s));
      expect(withHeaders).toEqual([
        {
          after: "thread/tokenUsage/updated",
          params: {
            rateLimits: {
              ...NO_ACCOUNT_DETAILS,
              // 12.5 % is reported rounded, as a whole percentage.
              primary: { usedPercent: 13, windowDurationMins: 300, resetsAt: 1900000000 },
              secondary: { usedPercent: 40, windowDurationMins: 10080, resetsAt: 1900500000 },
            },
          },
        },
      ]);
      // A response without rate-limit headers still reports, with no windows.
      const without = rateLimitReports(await turn(s));
      expect(without).toEqual([
        {
          after: "thread/tokenUsage/updated",
          params: { rateLimits: { ...NO_ACCOUNT_DETAILS, primary: null, secondary: null } },
        },
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: account/updated follows an API-key login and every logout",
    {
      timeout: 60_000,
    },
    async (impl) => {
      const s = await server(impl, { toml: 'cli_auth_credentials_store = "file"' });
      const from = s.c.messages.length;
      expect(await s.c.request("account/login/start", { type: "apiKey", apiKey: "sk-test-notify" })).toEqual({
        type: "apiKey",
      });
      await s.c.waitFor((m) => m.method === "account/updated", "account/updated after the login");
      expect(await s.c.request("account/logout")).toEqual({});
      expect(await s.c.request("account/logout")).toEqual({});
      await s.c.waitUntil(
        () => s.c.messages.filter((m) => m.method === "account/updated").length === 3,
        "account/updated after both logouts",
      );
      const seen = s.c.messages
        .slice(from)
        .filter((m) => m.id === undefined && m.method?.startsWith("account/"))
        .map((m) => [m.method, m.params]);
      expect(seen).toEqual([
        [
          "account/login/completed",
          { loginId: null, success: true, error: null, onboardingEntrypoint: null },
        ],
        ["account/updated", { authMode: "apikey", planType: null }],
        ["account/updated", { authMode: null, planType: null }],
        ["account/updated", { authMode: null, planType: null }],
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: write_stdin to a running session is reported as terminalInteraction",
    {
      timeout: 120_000,
    },
    async (impl) => {
      // Both offer exec_command and write_stdin to gpt-5.5 by default.
      const s = await server(impl);
      let sessionId = -1;
      s.mock.enqueue(
        call("exec_command", { cmd: "cat", tty: true, yield_time_ms: 500 }, "call_cat"),
        (body) => {
          const outputs = (body as { input: { type: string; output?: unknown }[] }).input.filter(
            (i) => i.type === "function_call_output",
          );
          sessionId = Number(/session ID (\d+)/.exec(String(outputs.at(-1)?.output))?.[1] ?? -1);
          return call(
            "write_stdin",
            { session_id: sessionId, chars: "ping\n", yield_time_ms: 500 },
            "call_ping",
          );
        },
        answer("done"),
      );
      const notes = await turn(s);
      expect(sessionId).toBeGreaterThanOrEqual(0);
      const interactions = notes.filter((m) => m.method === "item/commandExecution/terminalInteraction");
      expect(interactions.map((m) => m.params)).toEqual([
        {
          threadId: expect.any(String),
          turnId: expect.any(String),
          itemId: "call_cat",
          processId: String(sessionId),
          stdin: "ping\n",
        },
      ]);
      // After the session's output, on the command item the session started (still running when the turn ends).
      const at = notes.indexOf(interactions[0] as Message);
      const outputBefore = notes
        .slice(0, at)
        .some(
          (m) =>
            m.method === "item/commandExecution/outputDelta" &&
            (m.params as { itemId: string }).itemId === "call_cat",
        );
      expect(outputBefore).toBe(true);
    },
  );

  it.each(IMPLS)(
    "%s: 0.166.0's catalogue models get its reasoning effort, verbosity and context window",
    {
      timeout: 120_000,
    },
    async (impl) => {
      const s = await server(impl);
      const seen: Record<string, unknown> = {};
      for (const model of ["gpt-6.1-terra", "gpt-6-sol", "gpt-daybreak-red-latest", "gpt-5.5"]) {
        s.mock.enqueue(answer("ok"));
        const notes = await turn(s, { model });
        const body = s.mock.requests.at(-1)?.body as { reasoning?: Record<string, unknown>; text?: unknown };
        const usage = notes.find((m) => m.method === "thread/tokenUsage/updated")?.params as {
          tokenUsage: { modelContextWindow: number | null };
        };
        // No reasoning summary: none is configured, and 0.166.0 sends its catalogue models none then.
        seen[model] = {
          reasoning: body.reasoning,
          text: body.text,
          window: usage.tokenUsage.modelContextWindow,
        };
      }
      expect(seen).toEqual({
        "gpt-6.1-terra": {
          reasoning: { effort: "low", context: "all_turns" },
          text: { verbosity: "low" },
          window: 475000,
        },
        "gpt-6-sol": {
          reasoning: { effort: "medium", context: "all_turns" },
          text: { verbosity: "low" },
          window: 258400,
        },
        "gpt-daybreak-red-latest": {
          reasoning: { effort: "medium", context: "all_turns" },
          text: { verbosity: "high" },
          window: 353400,
        },
        "gpt-5.5": { reasoning: { effort: "medium" }, text: { verbosity: "low" }, window: 258400 },
      });
    },
  );
});

/** A turn's item notifications (not the user message's), with the turn's id written as `<turn>` and no times. */
function itemStream(notes: Message[]): unknown[] {
  return notes
    .filter((m) => m.method?.startsWith("item/") || m.method === "turn/completed")
    .filter((m) => (m.params as { item?: { type: string } }).item?.type !== "userMessage")
    .map((m) => {
      const {
        threadId: _t,
        turnId,
        startedAtMs: _s,
        completedAtMs: _c,
        ...rest
      } = m.params as Record<string, unknown>;
      const text = JSON.stringify(rest)
        .replaceAll(String(turnId), "<turn>")
        .replace(/"(startedAtMs|completedAtMs|startedAt|completedAt|durationMs)":\d+/g, '"$1":0');
      const params = JSON.parse(text) as { turn?: { id?: string; rootTurnId?: string } };
      if (params.turn) params.turn = { ...params.turn, id: "<turn>", rootTurnId: "<turn>" };
      return [m.method, params];
    });
}

describe("0.166 plan collaboration mode compared with codex 0.166.0", () => {
  const PLAN_MODE = { mode: "plan" as const, settings: { model: "gpt-5.5", reasoning_effort: null } };
  const planTurn = async (impl: Impl, text: string, chunks: number) => {
    const s = await server(impl);
    s.mock.enqueue({
      kind: "sse",
      events: [responses.created(), ...responses.message(text, "msg_plan", chunks), responses.completed()],
    });
    const { thread } = await s.c.request("thread/start", { cwd: s.root, approvalPolicy: "never" });
    const from = s.c.messages.length;
    const { turn } = await s.c.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "plan it" }],
      collaborationMode: PLAN_MODE,
    });
    await s.c.waitFor(
      (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
      "turn/completed",
    );
    return itemStream(s.c.messages.slice(from).filter((m) => m.id === undefined));
  };
  const agent = (text: string) => ({
    type: "agentMessage",
    id: "msg_plan",
    text,
    phase: null,
    memoryCitation: null,
    delivery: null,
    questions: null,
  });
  const delta = (itemId: string, d: string) => ({ itemId, delta: d });
  const PLAN_ID = "<turn>-plan";

  it("splits the streamed answer into the agent message and a plan item (ours, then codex 0.166.0 alike)", {
    timeout: 120_000,
  }, async () => {
    const text = "Here is my plan.\n<proposed_plan>\n# Plan\n- a\n- b\n</proposed_plan>\nDone.";
    const ours = await planTurn("ours", text, 6);
    const timed = (item: object, completed: boolean) => ({
      ...item,
      startedAtMs: 0,
      completedAtMs: completed ? 0 : null,
    });
    expect(ours).toEqual([
      ["item/started", { item: timed(agent(""), false) }],
      ["item/agentMessage/delta", delta("msg_plan", "Here is my p")],
      ["item/agentMessage/delta", delta("msg_plan", "lan.\n")],
      ["item/started", { item: timed({ type: "plan", id: PLAN_ID, text: "" }, false) }],
      ["item/plan/delta", delta(PLAN_ID, "# P")],
      ["item/plan/delta", delta(PLAN_ID, "lan\n- a\n- b\n")],
      ["item/agentMessage/delta", delta("msg_plan", "Done.")],
      ["item/completed", { item: timed({ type: "plan", id: PLAN_ID, text: "# Plan\n- a\n- b\n" }, true) }],
      ["item/completed", { item: timed(agent("Here is my plan.\nDone."), true) }],
      [
        "turn/completed",
        {
          turn: {
            id: "<turn>",
            rootTurnId: "<turn>",
            items: [timed(agent("Here is my plan.\nDone."), true)],
            itemsView: "summary",
            status: "completed",
            error: null,
            startedAt: 0,
            completedAt: 0,
            durationMs: 0,
          },
        },
      ],
    ]);
    if (CODEX_0166_BIN) expect(await planTurn("real", text, 6)).toEqual(ours);
  });

  it.each([
    ["a message that is all plan", "<proposed_plan>\n# Plan\n- a\n</proposed_plan>", 2],
    [
      "two blocks: the second replaces the plan",
      "A\n<proposed_plan>\nP1\n</proposed_plan>\nB\n<proposed_plan>\nP2\n</proposed_plan>",
      1,
    ],
    ["tags inside a line are text", "See <proposed_plan>x</proposed_plan> ok", 1],
  ])("%s: ours as codex 0.166.0", { timeout: 120_000 }, async (_name, text, chunks) => {
    const ours = await planTurn("ours", text, chunks);
    expect(ours.length).toBeGreaterThan(1);
    if (CODEX_0166_BIN) expect(await planTurn("real", text, chunks)).toEqual(ours);
    else console.warn("plan mode: codex 0.166.0 not found, ours alone");
  });
});
