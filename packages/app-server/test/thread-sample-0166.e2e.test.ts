import {
  CODEX_0166_BIN,
  responses,
  type ScriptedResponse,
  type SseEvent,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";
import { call } from "./helpers/side-by-side-0166.js";

/**
 * `thread/sample` (what codex-acp asks after each turn for the user's likely next message) on this server and,
 * where it is installed, on the native codex 0.166.0 with the same script: the answer to the thread's context plus
 * the prompt, nothing recorded or announced; `text` null when the model calls a tool; 0.166.0's refusals of a thread
 * with no turn yet, a stale turn id, a running turn and a thread that is not loaded.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("thread/sample: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const sse = (...events: SseEvent[]): ScriptedResponse => ({
  kind: "sse",
  events: [responses.created(), ...events, responses.completed()],
});

async function refusal(s: MockServer0166, params: Record<string, unknown>): Promise<unknown> {
  try {
    return { answered: await s.c.request("thread/sample", params as never) };
  } catch (err) {
    const e = err as { code?: number; message: string };
    return { code: e.code, message: e.message };
  }
}

async function finishedTurn(s: MockServer0166, threadId: string, text: string): Promise<string> {
  const { turn } = await s.c.request("turn/start", { threadId, input: [{ type: "text", text }] });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return turn.id;
}

describe("thread/sample compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: answers on the thread's context and forgets it; refuses what 0.166.0 refuses",
    {
      timeout: 120_000,
    },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, {
        client: { name: "thread-sample", version: "1.0" },
        prefix: "codex-0166-sample-",
      });
      const { thread } = await s.c.request("thread/start", {
        cwd: s.root,
        model: "gpt-5.5",
        approvalPolicy: "never",
        sandbox: "danger-full-access",
      });
      const params = (expectedTurnId: string) => ({
        threadId: thread.id,
        expectedTurnId,
        prompt: "What next?",
      });

      expect(await refusal(s, params("none"))).toEqual({
        code: -32600,
        message: `invalid thread-store request: no rollout found for thread id ${thread.id}`,
      });

      s.mock.enqueue(sse(...responses.message("first answer")));
      const first = await finishedTurn(s, thread.id, "hello there");
      expect(await refusal(s, params("01a24786-76c2-72c0-8c02-6b9410bfd824"))).toEqual({
        code: -32600,
        message: "sample source turn must be the latest finished turn",
      });

      s.mock.enqueue(sse(...responses.message("Run the tests")));
      const requestsBefore = s.mock.requests.length;
      const messagesBefore = s.c.messages.length;
      expect(await s.c.request("thread/sample", params(first))).toEqual({
        sourceTurnId: first,
        responseId: expect.stringMatching(/^resp_/),
        text: "Run the tests",
        inputTokens: 10,
        cachedInputTokens: 0,
        outputTokens: 5,
      });
      // One request: the last turn's context, then the prompt as the user's message.
      expect(s.mock.requests.length).toBe(requestsBefore + 1);
      const input = (
        s.mock.requests.at(-1)!.body as { input: { role?: string; content?: { text: string }[] }[] }
      ).input;
      expect(input.slice(-3).map((i) => [i.role, i.content?.[0]?.text])).toEqual([
        ["user", "hello there"],
        ["assistant", "first answer"],
        ["user", "What next?"],
      ]);
      // Nothing announced, nothing kept: the thread still has its one turn, and the next turn does not see the sample.
      expect(s.c.messages.slice(messagesBefore).filter((m) => m.method !== undefined)).toEqual([]);
      const read = await s.c.request("thread/read", { threadId: thread.id, includeTurns: true } as never);
      expect((read as { thread: { turns: unknown[] } }).thread.turns).toHaveLength(1);

      s.mock.enqueue(sse(...responses.functionCall("exec_command", { cmd: "ls" }, "call_sampled")));
      expect(await s.c.request("thread/sample", params(first))).toMatchObject({
        sourceTurnId: first,
        text: null,
      });

      s.mock.enqueue({ kind: "hang" });
      const sentBefore = s.mock.requests.length;
      const { turn: running } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "second" }],
      });
      // Running for sure: its model request (which never answers) has reached the provider.
      await s.c.waitUntil(() => s.mock.requests.length > sentBefore, "the running turn's model request");
      for (const id of [first, running.id])
        expect(await refusal(s, params(id))).toEqual({ code: -32600, message: "sample source must be idle" });
      await s.c.request("turn/interrupt", { threadId: thread.id, turnId: running.id });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === running.id,
        "turn/completed",
      );
      // An interrupted turn is a finished one.
      s.mock.enqueue(sse(...responses.message("Try again")));
      expect(await s.c.request("thread/sample", params(running.id))).toMatchObject({ text: "Try again" });
      const nextInput = s.mock.requests.at(-1)!.body as {
        input: { role?: string; content?: { text: string }[] }[];
      };
      expect(nextInput.input.filter((i) => i.content?.[0]?.text === "What next?")).toHaveLength(1);

      expect(
        await refusal(s, { ...params(first), threadId: "00000000-0000-0000-0000-000000000000" }),
      ).toEqual({
        code: -32600,
        message: "thread/sample requires a loaded source",
      });
    },
  );

  it("ours: a model that never answers: `sample timed out` (0.166.0's words, after 30 s; lowered here), the thread idle", {
    timeout: 60_000,
  }, async () => {
    const s = await startMockServer0166(suite, "ours", {
      client: { name: "thread-sample", version: "1.0" },
      prefix: "codex-0166-sample-timeout-",
      env: { CODEX_TS_TEST_SAMPLE_TIMEOUT_MS: "500" },
    });
    const { thread } = await s.c.request("thread/start", {
      cwd: s.root,
      model: "gpt-5.5",
      approvalPolicy: "never",
    });
    s.mock.enqueue(sse(...responses.message("first answer")));
    const first = await finishedTurn(s, thread.id, "hello");
    s.mock.enqueue({ kind: "hang" });
    expect(await refusal(s, { threadId: thread.id, expectedTurnId: first, prompt: "What next?" })).toEqual({
      code: -32603,
      message: "sample timed out",
    });
    // The thread goes on: the next turn runs and its request does not carry the sample.
    s.mock.enqueue(sse(...responses.message("second answer")));
    await finishedTurn(s, thread.id, "again");
    const input = (s.mock.requests.at(-1)!.body as { input: { content?: { text: string }[] }[] }).input;
    expect(input.some((i) => i.content?.[0]?.text === "What next?")).toBe(false);
  });

  it.each(IMPLS)(
    "%s: `thread/sample/cancel` stops a sample this connection asked for, by its request id",
    {
      timeout: 60_000,
    },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, {
        client: { name: "thread-sample", version: "1.0" },
        prefix: "codex-0166-sample-cancel-",
      });
      const { thread } = await s.c.request("thread/start", {
        cwd: s.root,
        model: "gpt-5.5",
        approvalPolicy: "never",
      });
      s.mock.enqueue(sse(...responses.message("first answer")));
      const first = await finishedTurn(s, thread.id, "hello");
      s.mock.enqueue({ kind: "hang" });
      const sentBefore = s.mock.requests.length;
      const sample = call(s.c, "sample-1", "thread/sample", {
        threadId: thread.id,
        expectedTurnId: first,
        prompt: "What next?",
      });
      await s.c.waitUntil(() => s.mock.requests.length > sentBefore, "the sample's model request");
      // Another id (or the same one as a number) names nothing: a no-op.
      expect(await s.c.request("thread/sample/cancel", { requestId: "sample-2" })).toEqual({});
      expect(await s.c.request("thread/sample/cancel", { requestId: "sample-1" })).toEqual({});
      expect((await sample).error).toEqual({ code: -32603, message: "sample canceled" });
      // The thread is idle and samples again.
      s.mock.enqueue(sse(...responses.message("Run the tests")));
      expect(
        await s.c.request("thread/sample", { threadId: thread.id, expectedTurnId: first, prompt: "Next?" }),
      ).toMatchObject({
        text: "Run the tests",
      });
    },
  );
});
