import fs from "node:fs/promises";
import {
  type AppServerBinary,
  REFERENCE_CODEX_BIN,
  responses,
  type ScriptedResponse,
  type SseEvent,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { assistantItem as assistant, type Item, userItem as user } from "./helpers/response-items.js";

/**
 * Auto-compaction through the built `codex app-server` against the mock model server, checked against what the
 * 0.58.0 binary did with the same script: once a response reports `model_auto_compact_token_limit` tokens or more,
 * the turn sends a compaction request, replaces the history with initial context + user messages + summary, and
 * asks the model again; a resumed thread rebuilds that history from the rollout's `compacted` line.
 */
const suite = useAppServerSuite();

const COMPACT_PROMPT_START = "You are performing a CONTEXT CHECKPOINT COMPACTION.";
const WARNING =
  "Heads up: Long conversations and multiple compactions can cause the model to be less accurate. Start a new conversation when possible to keep conversations small and targeted.";

function home(extra: string): Promise<string> {
  const toml = `developer_instructions = "Dev instr."\n${extra}`;
  return suite.home({ toml, prefix: "codex-e2e-compact-" });
}

const start = (codexHome: string, bin: AppServerBinary = "ours", initialize = true) =>
  suite.start({ bin, home: codexHome, initialize });

/** One response: the given items, then `response.completed` reporting `total` tokens. */
function answer(total: number, ...items: SseEvent[][]): ScriptedResponse {
  return {
    kind: "sse",
    events: [
      responses.created(),
      ...items.flat(),
      responses.completed({ input_tokens: total - 5, output_tokens: 5, total_tokens: total }),
    ],
  };
}

/** A request body (items carry no Responses item ids, as in 0.58.0's requests). */
const body = (i: number) =>
  suite.mock.requests[i]?.body as { input: Item[]; tools: unknown[]; instructions: string };
const text = (item: Item) => ((item.content as { text?: string }[] | undefined)?.[0]?.text ?? "") as string;
const isInitialContext = (item: Item) =>
  item.role === "developer" || text(item).startsWith("<environment_context>");
/** The v1 event messages of one turn (deltas and item events left out), in order. */
const eventsOf = (c: TestAppServer, turnId: string) =>
  c.messages
    .filter((m) => m.method?.startsWith("codex/event/") && (m.params as { id: string }).id === turnId)
    .map((m) => (m.params as { msg: Record<string, unknown> }).msg)
    .filter((msg) => !String(msg.type).includes("delta") && !String(msg.type).startsWith("item_"));

async function turn(c: TestAppServer, threadId: string, input: string): Promise<string> {
  const done = c.messages.filter((m) => m.method === "codex/event/task_complete").length;
  const res = await c.request("turn/start", { threadId, input: [{ type: "text", text: input }] });
  await c.waitFor(
    () => c.messages.filter((m) => m.method === "codex/event/task_complete").length > done,
    "task_complete",
  );
  return res.turn.id;
}

async function rolloutLines(file: string): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  return (await fs.readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("auto-compaction", () => {
  it("compacts after the response that reaches the limit, continues the turn, and resumes from the summary", {
    timeout: 90_000,
  }, async () => {
    const codexHome = await home("model_auto_compact_token_limit = 100");
    const cwd = await suite.workdir();
    const first = suite.mock.requests.length;
    suite.mock.enqueue(
      answer(50, responses.message("first answer")),
      answer(150, responses.message("answer over limit")),
      answer(20, responses.message("SUMMARY TEXT")),
      answer(30, responses.message("after compaction")),
    );
    const c = await start(codexHome);
    const thread = (await c.request("thread/start", { cwd })).thread;
    await turn(c, thread.id, "question one");
    const turnId = await turn(c, thread.id, "question two");

    // Four requests: turn 1, the one that reached the limit, the compaction request, the follow-up.
    expect(suite.mock.requests.length - first).toBe(4);
    const [, over, compaction, followUp] = [0, 1, 2, 3].map((i) => body(first + i)!);
    const initial = over!.input.filter(isInitialContext);
    expect(initial.map((i) => i.role)).toEqual(["developer", "user"]);
    // The compaction request: the whole history (with the answer over the limit) plus the prompt, no tools.
    expect(compaction!.input.slice(0, -1)).toEqual([...over!.input, assistant("answer over limit")]);
    const prompt = compaction!.input.at(-1)!;
    expect(prompt.role).toBe("user");
    expect(text(prompt).startsWith(COMPACT_PROMPT_START)).toBe(true);
    expect(compaction!.tools).toEqual([]);
    expect(compaction!.instructions).toBe(over!.instructions);
    // The follow-up: initial context + the user's messages + the summary; both answers are gone.
    expect(followUp!.input).toEqual([
      ...initial,
      user("question one"),
      user("question two"),
      user("SUMMARY TEXT"),
    ]);
    expect(followUp!.tools).toEqual(over!.tools);

    // v1 events of the turn, from the answer over the limit on (token_count: that response, the compaction
    // request's start and end, the re-estimate, the follow-up's start and end).
    // The ghost snapshot's `background_event` (the cwd is no git work tree) races the model stream, in 0.58.0 as
    // here, so where it lands depends on the machine's load: it is left out of the order checked.
    const events = eventsOf(c, turnId).filter((e) => e.type !== "background_event");
    const from = events.findIndex((e) => e.type === "agent_message" && e.message === "answer over limit");
    expect(
      events.slice(from).map((e) => (e.type === "agent_message" ? `agent_message:${e.message}` : e.type)),
    ).toEqual([
      "agent_message:answer over limit",
      "token_count",
      "token_count",
      "token_count",
      "token_count",
      "agent_message:Compact task completed",
      "warning",
      "token_count",
      "agent_message:after compaction",
      "token_count",
      "task_complete",
    ]);
    expect(events.find((e) => e.type === "warning")).toEqual({ type: "warning", message: WARNING });
    expect(events.at(-1)).toEqual({ type: "task_complete", last_agent_message: "after compaction" });
    const counts = events.filter((e) => e.type === "token_count") as {
      info: { total_token_usage: { total_tokens: number }; last_token_usage: Record<string, number> };
    }[];
    // After the compaction answer the usage adds up (50+150+20); the re-estimate only replaces the last usage.
    const estimate = counts.at(-3)!.info;
    expect(estimate.total_token_usage.total_tokens).toBe(220);
    expect(estimate.last_token_usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });
    expect(estimate.last_token_usage.total_tokens).toBeGreaterThan(0);
    expect(counts.at(-1)!.info.total_token_usage.total_tokens).toBe(250);

    // v2: the summary request produces no items; the turn's agent messages are the two real answers.
    const agentItems = c.messages
      .filter((m) => m.method === "item/completed")
      .map((m) => (m.params as { item: Item }).item)
      .filter((i) => i.type === "agentMessage")
      .map((i) => i.text);
    expect(agentItems).toEqual(["first answer", "answer over limit", "after compaction"]);

    // Rollout: a turn_context per request, `compacted` then the agent_message, no line for the summary answer.
    const lines = await rolloutLines(thread.path);
    const second = lines.findIndex((l) => l.type === "event_msg" && l.payload.message === "question two");
    const turnLines = lines.slice(second + 1);
    expect(turnLines.filter((l) => l.type === "turn_context")).toHaveLength(3);
    const compacted = turnLines.findIndex((l) => l.type === "compacted");
    expect(turnLines[compacted]!.payload).toEqual({ message: "SUMMARY TEXT" });
    expect(turnLines[compacted + 1]).toMatchObject({
      type: "event_msg",
      payload: { type: "agent_message", message: "Compact task completed" },
    });
    expect(turnLines[compacted - 1]).toMatchObject({ type: "event_msg", payload: { type: "token_count" } });
    expect(turnLines[compacted + 2]!.type).toBe("turn_context");
    expect(JSON.stringify(lines)).not.toContain('"output_text","text":"SUMMARY TEXT"');
    expect(lines.some((l) => l.type === "event_msg" && l.payload.type === "warning")).toBe(false);
    await c.close();

    // A new process resumes the thread: the rollout's `compacted` line rebuilds the compacted history.
    const resumed = await start(codexHome);
    await resumed.request("thread/resume", { threadId: thread.id });
    await turn(resumed, thread.id, "question three");
    const afterResume = body(suite.mock.requests.length - 1)!;
    expect(afterResume.input.filter((i) => !isInitialContext(i))).toEqual([
      user("question one"),
      user("question two"),
      user("SUMMARY TEXT"),
      assistant("after compaction"),
      user("question three"),
    ]);
  });

  it("ends the turn when the follow-up is still over the limit; a failed compaction leaves the history", {
    timeout: 90_000,
  }, async () => {
    const codexHome = await home("model_auto_compact_token_limit = 100");
    const first = suite.mock.requests.length;
    suite.mock.enqueue(
      answer(150, responses.message("over")),
      answer(20, responses.message("SUM1")),
      answer(150, responses.message("still over")),
    );
    const c = await start(codexHome);
    const thread = (await c.request("thread/start", {})).thread;
    const t1 = await turn(c, thread.id, "q1");
    expect(suite.mock.requests.length - first).toBe(3);
    const stillOver = eventsOf(c, t1).filter((e) => e.type === "error" || e.type === "task_complete");
    expect(stillOver).toEqual([
      {
        type: "error",
        message:
          "Conversation is still above the token limit after automatic summarization (limit 100, current 150). Please start a new session or trim your input.",
      },
      { type: "task_complete", last_agent_message: null },
    ]);

    // Second turn: the compaction request fails; the error is reported and the turn goes on without a summary.
    suite.mock.enqueue(
      answer(150, responses.message("over again")),
      { kind: "http", status: 400, body: '{"error":{"message":"bad"}}' },
      answer(30, responses.message("after")),
    );
    const t2 = await turn(c, thread.id, "q2");
    expect(suite.mock.requests.length - first).toBe(6);
    const failed = body(first + 4)!;
    expect(text(failed.input.at(-1)!).startsWith(COMPACT_PROMPT_START)).toBe(true);
    const next = body(first + 5)!;
    expect(next.input).toEqual(failed.input.slice(0, -1));
    expect(next.input.filter((i) => !isInitialContext(i))).toEqual([
      user("q1"),
      user("SUM1"),
      assistant("still over"),
      user("q2"),
      assistant("over again"),
    ]);
    const events = eventsOf(c, t2).filter((e) =>
      ["error", "warning", "task_complete"].includes(String(e.type)),
    );
    expect(events).toEqual([
      { type: "error", message: expect.stringContaining("400") },
      { type: "task_complete", last_agent_message: "after" },
    ]);
    const lines = await rolloutLines(thread.path);
    expect(lines.filter((l) => l.type === "compacted").map((l) => l.payload)).toEqual([{ message: "SUM1" }]);
  });
});

describe("manual compaction (v2 thread/compact)", () => {
  it("runs as its own task and replaces the history as auto-compaction does", {
    timeout: 90_000,
  }, async () => {
    const codexHome = await home("");
    const first = suite.mock.requests.length;
    suite.mock.enqueue(
      answer(50, responses.message("first answer")),
      answer(20, responses.message("MANUAL SUMMARY")),
      answer(30, responses.message("second answer")),
    );
    const c = await start(codexHome);
    const thread = (await c.request("thread/start", {})).thread;
    await turn(c, thread.id, "question one");
    const done = c.messages.filter((m) => m.method === "codex/event/task_complete").length;
    expect(await c.request("thread/compact", { threadId: thread.id })).toEqual({});
    await c.waitFor(
      () => c.messages.filter((m) => m.method === "codex/event/task_complete").length > done,
      "compact task_complete",
    );
    const compactTask = (
      c.messages.filter((m) => m.method === "codex/event/task_started").at(-1)!.params as {
        id: string;
      }
    ).id;
    expect(eventsOf(c, compactTask).map((e) => (e.type === "agent_message" ? e.message : e.type))).toEqual([
      "task_started",
      "token_count",
      "token_count",
      "token_count",
      "Compact task completed",
      "warning",
      "task_complete",
    ]);
    expect(eventsOf(c, compactTask).at(-1)).toEqual({ type: "task_complete", last_agent_message: null });
    await turn(c, thread.id, "question two");

    const turn1 = body(first)!;
    const compaction = body(first + 1)!;
    expect(compaction.input.slice(0, -1)).toEqual([...turn1.input, assistant("first answer")]);
    expect(text(compaction.input.at(-1)!).startsWith(COMPACT_PROMPT_START)).toBe(true);
    expect(compaction.tools).toEqual([]);
    const initial = turn1.input.filter(isInitialContext);
    expect(body(first + 2)!.input).toEqual([
      ...initial,
      user("question one"),
      user("MANUAL SUMMARY"),
      user("question two"),
    ]);
    const lines = await rolloutLines(thread.path);
    expect(lines.filter((l) => l.type === "compacted").map((l) => l.payload)).toEqual([
      { message: "MANUAL SUMMARY" },
    ]);
  });
});

const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("skipping the comparison with the real codex 0.58.0: binary not found");

describe.skipIf(!reference)("auto-compaction compared with the real codex app-server 0.58.0", () => {
  /**
   * Runs the same script through one app-server and reduces what it did to what both implementations must agree on:
   * the request inputs (the compaction prompt's wording is ours, so only its first sentence counts), the turn's
   * v1 events from the first answer on (item events and deltas aside), the v2 agent messages and the rollout's
   * compaction lines. Base instructions and the order of some rollout lines differ for reasons unrelated to this.
   */
  async function observe(c: TestAppServer, cwd: string) {
    const first = suite.mock.requests.length;
    suite.mock.enqueue(
      answer(50, responses.message("first answer")),
      answer(150, responses.message("answer over limit")),
      answer(20, responses.message("SUMMARY TEXT")),
      answer(30, responses.message("after compaction")),
      answer(150, responses.message("over")),
      answer(20),
      answer(150, responses.message("still over")),
    );
    await c.initialize();
    const thread = (await c.request("thread/start", { cwd })).thread;
    const turns = [
      await turn(c, thread.id, "question one"),
      await turn(c, thread.id, "question two"),
      await turn(c, thread.id, "question three"),
    ];
    const inputs = suite.mock.requests
      .slice(first)
      .map((r) =>
        (r.body as { input: Item[] }).input.map((item) =>
          text(item).startsWith(COMPACT_PROMPT_START) ? "<compaction prompt>" : item,
        ),
      );
    const events = turns.map((t) => {
      const all = eventsOf(c, t).filter((e) => e.type !== "background_event");
      const from = all.findIndex((e) => e.type === "agent_message");
      return all.slice(from).map((e) => (e.type === "token_count" ? "token_count" : e));
    });
    const agentMessages = c.messages
      .filter((m) => m.method === "item/completed")
      .map((m) => (m.params as { item: Item }).item)
      .filter((i) => i.type === "agentMessage")
      .map((i) => i.text);
    const lines = await rolloutLines(thread.path);
    const compaction = lines
      .filter(
        (l) =>
          l.type === "compacted" ||
          l.type === "turn_context" ||
          (l.type === "event_msg" && ["agent_message", "user_message"].includes(String(l.payload.type))),
      )
      .map((l) =>
        l.type === "turn_context"
          ? "turn_context"
          : l.type === "compacted"
            ? { compacted: l.payload }
            : l.payload.message,
      );
    await c.close();
    return { inputs, events, agentMessages, compaction };
  }

  it("sends the same requests and reports the same events and rollout lines", {
    timeout: 120_000,
  }, async () => {
    const cwd = await suite.workdir();
    const ours = await observe(
      await start(await home("model_auto_compact_token_limit = 100"), "ours", false),
      cwd,
    );
    const realHome = await home("model_auto_compact_token_limit = 100");
    const theirs = await observe(await start(realHome, "reference", false), cwd);
    expect(ours.inputs).toHaveLength(7);
    expect(ours.inputs).toEqual(theirs.inputs);
    expect(ours.events).toEqual(theirs.events);
    expect(ours.agentMessages).toEqual(theirs.agentMessages);
    expect(ours.compaction).toEqual(theirs.compaction);
  });
});
