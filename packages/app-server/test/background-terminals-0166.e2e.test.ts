import { writeFile } from "node:fs/promises";
import path from "node:path";
import { CODEX_0166_BIN, errorOf, type Message, useAppServerSuite } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type MockServer0166,
  startExecCommandTurn,
  startMockServer0166,
} from "./helpers/mock-server-0166.js";

/**
 * `gpt-5.5`'s background terminals on a 0.166 connection (what codex-acp 2.6.0 lists and terminates when a session
 * closes): exec_command calls still running when their turn ends, listed by `thread/backgroundTerminals/list`
 * (process-id order, pages), completed on their turn when they end on their own, and ended by `terminate` and
 * `clean`. The same steps on this server and, where installed, on the native codex 0.166.0; the transcripts are
 * compared with ids, paths and times taken out.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("background terminals 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const UNKNOWN = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";

/** One exec_command call the mock model makes, returning after 0.3 s with the command still running. */
const execCall = (cmd: string, callId: string) => ({
  args: { cmd, yield_time_ms: 300, login: false },
  callId,
});

interface Run {
  /** Each call's `Process running with session ID <n>`, by call id. */
  sessionIds: Record<string, string>;
  /** The process id each command item started with, by call id. */
  itemProcessIds: Record<string, string | null>;
  /** Every answer and notification after the turn, in order, ids normalised. */
  transcript: unknown[];
}

async function run(s: MockServer0166): Promise<Run> {
  // call_c waits for a file the test writes: it ends on its own, after its turn, when the test says so.
  const { threadId, turnId } = await startExecCommandTurn(s, [
    execCall("sleep 30", "call_a"),
    execCall("sleep 31", "call_b"),
    execCall("while [ ! -e go ]; do sleep 0.05; done; echo done", "call_c"),
  ]);
  const isItemDone = (m: Message, id: string) =>
    m.method === "item/completed" && (m.params as { item: { id: string } }).item.id === id;
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
    "turn/completed",
  );
  const started = s.c.messages
    .filter((m) => m.method === "item/started")
    .map((m) => (m.params as { item: { id: string; type: string; processId?: string | null } }).item)
    .filter((i) => i.type === "commandExecution");
  const itemProcessIds = Object.fromEntries(started.map((i) => [i.id, i.processId ?? null]));
  const body = s.mock.requests.at(-1)?.body as {
    input: { type: string; call_id?: string; output?: string }[];
  };
  const sessionIds = Object.fromEntries(
    body.input
      .filter((i) => i.type === "function_call_output")
      .map((i) => [i.call_id, /session ID (\d+)/.exec(String(i.output))?.[1] ?? "none"]),
  );

  const from = s.c.messages.length;
  const answer = (method: string, params: Record<string, unknown>) =>
    (s.c.request as (m: string, p: unknown) => Promise<unknown>)(method, params).catch(async (err: unknown) =>
      errorOf(Promise.reject(err)),
    );
  const list = (extra: Record<string, unknown> = {}) =>
    answer("thread/backgroundTerminals/list", { threadId: threadId, ...extra });
  const idOf = (callId: string) => itemProcessIds[callId] ?? "missing";
  const byId = Object.keys(itemProcessIds).sort((a, b) => Number(idOf(a)) - Number(idOf(b)));

  const answers: unknown[] = [];
  answers.push(await list());
  answers.push(await list({ limit: 1 }));
  answers.push(await list({ limit: 2, cursor: idOf(byId[0] as string) }));
  answers.push(await list({ limit: 0 }));
  answers.push(await list({ cursor: "abc" }));
  answers.push(await list({ cursor: "" }));
  answers.push(await list({ cursor: "99999999999" }));
  answers.push(await list({ cursor: "-5" }));
  // call_c ends on its own: 0.166.0 streams its last output and completes its item on the turn.
  await writeFile(path.join(s.root, "go"), "");
  await s.c.waitFor((m) => isItemDone(m, "call_c"), "call_c completed");
  answers.push(await list());
  answers.push(
    await answer("thread/backgroundTerminals/terminate", { threadId: threadId, processId: idOf("call_a") }),
  );
  await s.c.waitFor((m) => isItemDone(m, "call_a"), "call_a completed");
  answers.push(
    await answer("thread/backgroundTerminals/terminate", { threadId: threadId, processId: idOf("call_a") }),
  );
  answers.push(
    await answer("thread/backgroundTerminals/terminate", { threadId: threadId, processId: "abc" }),
  );
  answers.push(await answer("thread/backgroundTerminals/terminate", { threadId: threadId, processId: "" }));
  answers.push(await answer("thread/backgroundTerminals/clean", { threadId: threadId }));
  await s.c.waitFor((m) => isItemDone(m, "call_b"), "call_b completed");
  answers.push(await list());
  answers.push(await answer("thread/backgroundTerminals/clean", { threadId: UNKNOWN }));
  answers.push(await answer("thread/backgroundTerminals/terminate", { threadId: UNKNOWN, processId: "1" }));
  answers.push(await answer("thread/backgroundTerminals/list", { threadId: "nope" }));

  // The notifications after the turn, then the answers: each in its own order (the two interleave by timing).
  const notifications = s.c.messages
    .slice(from)
    .filter((m) => m.method?.startsWith("item/"))
    .map((m) => normalise(m.method, m.params, itemProcessIds, threadId, turnId, s.root));
  const normalisedAnswers = answers.map((a) =>
    normalise("answer", a, itemProcessIds, threadId, turnId, s.root),
  );
  return { sessionIds, itemProcessIds, transcript: [...notifications, ...normalisedAnswers] };
}

/** Replaces process ids by their call's name, and the thread, turn, root and times by placeholders. */
function normalise(
  method: string | undefined,
  value: unknown,
  processIds: Record<string, string | null>,
  threadId: string,
  turnId: string,
  root: string,
): unknown {
  let text = JSON.stringify(value)
    .replaceAll(threadId, "<thread>")
    .replaceAll(turnId, "<turn>")
    .replaceAll(root, "<root>");
  for (const [callId, pid] of Object.entries(processIds))
    if (pid) text = text.replaceAll(`"${pid}"`, `"<pid ${callId}>"`);
  const parsed = JSON.parse(text, (key, v) =>
    ["startedAtMs", "completedAtMs", "durationMs"].includes(key) && typeof v === "number" ? "<ms>" : v,
  ) as Record<string, unknown>;
  // 0.166.0 reports a terminated command's exit code as -1, or now and then as the killed shell's 137.
  const item = (parsed as { item?: { exitCode?: number } }).item;
  if (item?.exitCode === 137) item.exitCode = -1;
  // The command actions of `while …; do …; done; echo done` are parsed differently (see the README).
  if (item && "commandActions" in item) delete (item as { commandActions?: unknown }).commandActions;
  return { [method ?? "?"]: parsed };
}

const results = new Map<Impl, Run>();

beforeAll(async () => {
  for (const impl of IMPLS) {
    const s = await startMockServer0166(suite, impl, {
      client: { name: "background-terminals-0166", version: "1.0" },
      prefix: "codex-0166-bgterm-",
    });
    results.set(impl, await run(s));
  }
}, 240_000);

describe("0.166 background terminals, compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: the model and the client see one process id per command", (impl) => {
    const r = results.get(impl) as Run;
    expect(Object.keys(r.itemProcessIds).sort()).toEqual(["call_a", "call_b", "call_c"]);
    for (const [callId, pid] of Object.entries(r.itemProcessIds)) {
      expect(r.sessionIds[callId]).toBe(pid);
      expect(Number(pid)).toBeGreaterThanOrEqual(1000);
      expect(Number(pid)).toBeLessThan(100_000);
    }
  });

  it.each(IMPLS)("%s: lists, pages, completes on the turn, terminates and cleans", (impl) => {
    const t = (results.get(impl) as Run).transcript as Record<string, unknown>[];
    const answers = t.filter((e) => "answer" in e).map((e) => e.answer);
    const terminal = (callId: string) => ({
      itemId: callId,
      processId: `<pid ${callId}>`,
      command:
        { call_a: "sleep 30", call_b: "sleep 31" }[callId] ??
        "while [ ! -e go ]; do sleep 0.05; done; echo done",
      cwd: "<root>",
      osPid: null,
      cpuPercent: null,
      rssKb: null,
    });
    const all = (answers[0] as { data: { itemId: string; processId: string }[] }).data;
    expect(all.map((d) => d.itemId).sort()).toEqual(["call_a", "call_b", "call_c"]);
    expect(all).toEqual(all.map((d) => terminal(d.itemId)));
    expect(answers[1]).toEqual({ data: [all[0]], nextCursor: all[0]?.processId });
    expect(answers[2]).toEqual({ data: all.slice(1, 3), nextCursor: null });
    expect(answers[3]).toEqual({ data: [all[0]], nextCursor: all[0]?.processId });
    expect(answers.slice(4, 7)).toEqual([
      { code: -32600, message: "invalid cursor: invalid digit found in string" },
      { code: -32600, message: "invalid cursor: cannot parse integer from empty string" },
      { code: -32600, message: "invalid cursor: number too large to fit in target type" },
    ]);
    expect(answers[7]).toEqual({ data: all, nextCursor: null });
    expect(answers[8]).toEqual({ data: all.filter((d) => d.itemId !== "call_c"), nextCursor: null });
    expect(answers.slice(9)).toEqual([
      { terminated: true },
      { terminated: false },
      { code: -32600, message: "invalid background terminal process id: invalid digit found in string" },
      {
        code: -32600,
        message: "invalid background terminal process id: cannot parse integer from empty string",
      },
      {},
      { data: [], nextCursor: null },
      { code: -32600, message: `thread not found: ${UNKNOWN}` },
      { code: -32600, message: `thread not found: ${UNKNOWN}` },
      {
        code: -32600,
        message:
          "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
      },
    ]);
    const notifications = t.filter((e) => !("answer" in e));
    const ended = (callId: string, status: string, output: string | null, exitCode: number) => ({
      "item/completed": {
        item: expect.objectContaining({
          id: callId,
          status,
          aggregatedOutput: output,
          exitCode,
          processId: `<pid ${callId}>`,
        }),
        threadId: "<thread>",
        turnId: "<turn>",
        completedAtMs: "<ms>",
      },
    });
    expect(notifications).toEqual([
      {
        "item/commandExecution/outputDelta": {
          threadId: "<thread>",
          turnId: "<turn>",
          itemId: "call_c",
          delta: "done\n",
        },
      },
      ended("call_c", "completed", "done\n", 0),
      ended("call_a", "failed", null, -1),
      ended("call_b", "failed", null, -1),
    ]);
  });

  it.runIf(IMPLS.includes("real"))(
    "ours and 0.166.0 give the same transcript, up to the random ids' order",
    () => {
      // Which commands a page holds depends on the random process ids (the pages' contents are checked above against
      // the same expectations): compare each page's size and whether it goes on.
      const unordered = (impl: Impl) =>
        (results.get(impl) as Run).transcript.map((e) => {
          const page = (e as { answer?: { data?: { itemId: string }[]; nextCursor?: string | null } }).answer;
          if (!page?.data) return e;
          return {
            answer: { size: page.data.length, nextCursor: page.nextCursor === null ? null : "<cursor>" },
          };
        });
      expect(unordered("ours")).toEqual(unordered("real"));
    },
  );
});
