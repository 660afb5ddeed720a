import { CODEX_0166_BIN, type Message, responses, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * `request_user_input` (offered with 0.166.0's `gpt-5.5` tools) on this server and, where it is installed, on the
 * native codex 0.166.0 with the same script: refused outside plan mode, in plan mode the client is asked with
 * `item/tool/requestUserInput` while the thread is flagged `waitingOnUserInput`, and the model gets the answers —
 * or none when the client answers with an error, `aborted by user` when the turn is interrupted meanwhile, and
 * 0.166.0's refusals of questions without options or arguments without questions.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("request_user_input: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const MODEL = "gpt-5.5";
const PLAN = { mode: "plan", settings: { model: MODEL, reasoning_effort: null } };
const DEFAULT = { mode: "default", settings: { model: MODEL, reasoning_effort: null } };

const question = (id: string, options?: unknown) => ({
  id,
  header: "Pick",
  question: `Which ${id}?`,
  ...(options === undefined ? {} : { options }),
});
const CHOICES = [
  { label: "A (Recommended)", description: "first" },
  { label: "B", description: "second" },
];

interface Step {
  /** What the client sees of the turn: methods, with the thread status and the question's parameters. */
  seen: unknown[];
  /** The tool output the model got for the call (an interrupted turn's: not until the next turn). */
  output: string | undefined;
  callId: string;
}

async function start(impl: Impl): Promise<{ s: MockServer0166; threadId: string }> {
  const s = await startMockServer0166(suite, impl, {
    client: { name: "request-user-input", version: "1.0" },
    prefix: "codex-0166-rui-",
  });
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model: MODEL,
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  return { s, threadId: thread.id };
}

/**
 * One turn in `mode` whose model calls request_user_input with `args`, then (unless `interrupted`) answers "ok";
 * `respond` handles the client's question when there is one.
 */
async function callTurn(
  s: MockServer0166,
  threadId: string,
  mode: typeof PLAN | typeof DEFAULT,
  args: unknown,
  respond?: (request: Message, turnId: string) => Promise<void>,
  interrupted = false,
): Promise<Step> {
  const callId = `call_${s.mock.requests.length}`;
  s.mock.enqueue({
    kind: "sse",
    events: [
      responses.created(),
      ...responses.functionCall("request_user_input", args, callId),
      responses.completed(),
    ],
  });
  if (!interrupted)
    s.mock.enqueue({
      kind: "sse",
      events: [responses.created(), ...responses.message("ok"), responses.completed()],
    });
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", {
    threadId,
    input: [{ type: "text", text: "ask me" }],
    collaborationMode: mode,
  } as never);
  if (respond) {
    const request = await s.c.waitFor(
      (m) =>
        m.method === "item/tool/requestUserInput" &&
        m.id !== undefined &&
        (m.params as { itemId: string }).itemId === callId,
      "item/tool/requestUserInput",
    );
    await respond(request, turn.id);
  }
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  // An interrupted turn's withdrawn question is resolved just after `turn/completed`.
  if (respond)
    await s.c.waitUntil(
      () => s.c.messages.slice(from).some((m) => m.method === "serverRequest/resolved"),
      "serverRequest/resolved",
    );
  const seen = s.c.messages.slice(from).flatMap((m): unknown[] => {
    const p = (m.params ?? {}) as Record<string, unknown>;
    if (m.method === "thread/status/changed") return [p.status];
    if (m.method === "item/tool/requestUserInput") {
      const { threadId: t, turnId, ...rest } = p;
      expect([t, turnId]).toEqual([threadId, turn.id]);
      return [{ ask: rest }];
    }
    if (m.method === "serverRequest/resolved") return [{ resolved: typeof p.requestId }];
    if (m.method === "turn/completed") return [`completed:${(p.turn as { status: string }).status}`];
    return [];
  });
  return { seen, output: outputOf(s, callId), callId };
}

/** The output of call `callId` as the model last saw it (in the latest request that carried it). */
function outputOf(s: MockServer0166, callId: string): string | undefined {
  const outputs = s.mock.requests
    .flatMap((r) => (r.body as { input: { type: string; call_id?: string; output?: string }[] }).input)
    .filter((i) => i.type === "function_call_output" && i.call_id === callId);
  return outputs.at(-1)?.output;
}

describe("request_user_input compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: refused outside plan mode, asked and answered in it",
    { timeout: 120_000 },
    async (impl) => {
      const { s, threadId } = await start(impl);
      const args = { questions: [question("q1", CHOICES)] };

      const refused = await callTurn(s, threadId, DEFAULT, args);
      expect(refused.output).toBe("request_user_input is unavailable in Default mode");
      expect(s.c.messages.some((m) => m.method === "item/tool/requestUserInput")).toBe(false);

      const answered = await callTurn(s, threadId, PLAN, args, async (request) => {
        s.c.answer(request as never, { answers: { q1: { answers: ["B", "and a note"] } } } as never);
      });
      expect(answered.output).toBe('{"answers":{"q1":{"answers":["B","and a note"]}}}');
      expect(answered.seen).toEqual([
        { type: "active", activeFlags: [] },
        { type: "active", activeFlags: ["waitingOnUserInput"] },
        {
          ask: {
            itemId: expect.stringMatching(/^call_/),
            questions: [
              {
                id: "q1",
                header: "Pick",
                question: "Which q1?",
                isOther: true,
                isSecret: false,
                options: CHOICES,
              },
            ],
            isBlocking: true,
            autoResolutionMs: null,
          },
        },
        { resolved: "number" },
        { type: "active", activeFlags: [] },
        { type: "idle" },
        "completed:completed",
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: no answers on an error, aborted on an interrupt",
    { timeout: 120_000 },
    async (impl) => {
      const { s, threadId } = await start(impl);
      const args = { questions: [question("q1", CHOICES), question("q2", CHOICES)] };

      const errored = await callTurn(s, threadId, PLAN, args, async (request) => {
        s.c.answerError(request as never, { code: -32000, message: "the user closed the dialog" });
      });
      expect(errored.output).toBe('{"answers":{}}');
      expect(errored.seen.at(-1)).toBe("completed:completed");

      const interrupted = await callTurn(
        s,
        threadId,
        PLAN,
        args,
        async (_request, turnId) => {
          await s.c.request("turn/interrupt", { threadId, turnId });
        },
        true,
      );
      // The next turn's request carries the interrupted call's output.
      s.mock.enqueue({
        kind: "sse",
        events: [responses.created(), ...responses.message("ok"), responses.completed()],
      });
      const { turn } = await s.c.request("turn/start", {
        threadId,
        input: [{ type: "text", text: "go on" }],
      });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
        "turn/completed",
      );
      expect(outputOf(s, interrupted.callId)).toMatch(/^aborted by user after \d+\.\ds$/);
      // The question is withdrawn after the turn ends, as 0.166.0 orders it.
      expect(interrupted.seen.slice(-3)).toEqual([
        { type: "idle" },
        "completed:interrupted",
        { resolved: "number" },
      ]);
    },
  );

  it.each(IMPLS)("%s: refuses questions without options and arguments without questions", async (impl) => {
    const { s, threadId } = await start(impl);
    for (const options of [undefined, []]) {
      const step = await callTurn(s, threadId, PLAN, {
        questions: [question("q1", CHOICES), question("q2", options)],
      });
      expect(step.output).toBe("request_user_input requires non-empty options for every question");
    }
    const missing = await callTurn(s, threadId, PLAN, {});
    expect(missing.output).toBe(
      "failed to parse function arguments: missing field `questions` at line 1 column 2",
    );
    expect(s.c.messages.some((m) => m.method === "item/tool/requestUserInput")).toBe(false);
  });
});
