import fs from "node:fs";
import path from "node:path";
import type { Protocol0166 } from "@codex-ts/app-server-protocol";
import { CODEX_0166_BIN, type TestAppServer, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";
import {
  continuationFiles,
  revert,
  rolloutFiles,
  runTurn,
  type TurnView,
  turnTexts,
} from "./helpers/reverted-0166.js";

/**
 * `thread/revert` of a paginated thread (one codex 0.166.0 started), side by side: 0.166.0 writes the thread, the
 * store is copied, 0.166.0 reverts it in one copy and this server in the other, with the same notifications and
 * answers. The continuation written here reads back the same turns here and in 0.166.0, which resumes it and whose
 * model sees the kept history only. Bad input gets one error each and loses no file.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "revert-paginated-test", version: "1.0" };
if (!CODEX_0166_BIN) console.warn("revert paginated: codex 0.166.0 not found (CODEX_0166_BIN); skipped");

/** The notifications a revert is compared by (a resume's late ones, goals, MCP start-up, are not its). */
const SHOWN = new Set([
  "thread/status/changed",
  "thread/readState/changed",
  "turn/completed",
  "thread/reverted",
]);
type Msg = {
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { message: string };
};

/** What a request caused, in order, ids and times left out: notifications by method (and status), then the answer. */
async function outcome(c: TestAppServer<Protocol0166>, send: () => Promise<unknown>) {
  const from = c.messages.length;
  let error: string | null = null;
  const result = (await send().catch((e: { message?: string }) => {
    error = e.message ?? String(e);
  })) as Record<string, unknown> | undefined;
  // `thread/reverted` follows a successful answer.
  if (error === null) await sinceThen(c, from, "thread/reverted");
  const seen = (c.messages.slice(from) as Msg[])
    .filter((m) => !m.method || SHOWN.has(m.method))
    .map((m) =>
      m.method === "thread/status/changed"
        ? `status ${(m.params as { status: { type: string } }).status.type}`
        : m.method === "turn/completed"
          ? `turn/completed ${(m.params as { turn: { status: string } }).turn.status}`
          : (m.method ?? (m.error ? `error ${m.error.message}` : "answer")),
    );
  return { error, seen, answer: result ? answerShape(result) : null };
}

/** A revert's answer without its ids, times, paths and cursors: which fields, which thread state, whether cursors. */
function answerShape(r: Record<string, unknown>) {
  const thread = r.thread as Record<string, unknown>;
  return {
    fields: Object.keys(r).sort(),
    thread: {
      status: thread.status,
      historyMode: thread.historyMode,
      preview: thread.preview,
      turns: thread.turns,
      pathIsContinuation: /_[0-9a-f-]{36}\.jsonl$/.test(String(thread.path)),
    },
    cursors: [r.turnsBackwardsCursor != null, r.itemsBackwardsCursor != null],
  };
}

/** Waits for a `method` notification among the messages from index `from` on. */
const sinceThen = (c: TestAppServer<Protocol0166>, from: number, method: string) =>
  c.waitUntil(() => c.messages.slice(from).some((m) => (m as Msg).method === method), method);

const sizes = (home: string) =>
  Object.fromEntries(rolloutFiles(home).map((f) => [f, fs.statSync(path.join(home, f)).size]));

/** Every rollout there before is still there, none shorter. */
function expectNothingLost(before: Record<string, number>, home: string) {
  const after = sizes(home);
  for (const [f, size] of Object.entries(before)) expect(after[f] ?? -1).toBeGreaterThanOrEqual(size);
}

const TURN_NAMES = ["<turn 1>", "<turn 2>", "<turn 3>"];

/** A paginated thread 0.166.0 wrote: its id and its three turns' ids ("one", "two", "three"). */
type Written = { id: string; turns: string[] };

/**
 * The same steps on `c` (0.166.0 or this server) for thread `t`, loaded by a resume: bad input, a revert before the
 * second turn, the read back, a second revert of that turn, a turn after it, and a revert of a running turn. Returns
 * what each step caused, ids and times left out, and the model input of the turn after the revert.
 */
async function revertSteps(s: MockServer0166, t: Written) {
  const { c, mock } = s;
  const [t1, t2] = t.turns as [string, string, string];
  const out: Record<string, unknown> = {};
  await c.request("thread/resume", { threadId: t.id });
  const unknownThread = "019bf4f0-5080-7000-8000-000000000001";
  out.unknownThread = await outcome(c, () => revert(s, unknownThread, t2));
  out.unknownTurn = await outcome(c, () => revert(s, t.id, "nope"));
  out.reverted = await outcome(c, () => revert(s, t.id, t2));
  const read = await c.request("thread/read", { threadId: t.id, includeTurns: true });
  out.read = { texts: turnTexts(read.thread.turns as TurnView[]), ids: read.thread.turns.map((x) => x.id) };
  out.page = (await c.request("thread/turns/list", { threadId: t.id })).data.map((x) => x.id);
  out.twice = await outcome(c, () => revert(s, t.id, t2).then(() => undefined));
  const mark = mock.requests.length;
  const t4 = await runTurn(s, t.id, "four");
  const sent = JSON.stringify(mock.requests.slice(mark).map((r) => r.body));
  out.modelSaw = ["one", "two", "three"].map((x) => sent.includes(`"re ${x}"`));
  // A running turn is interrupted, then the thread reverted (here: before that very turn).
  mock.enqueue({ kind: "hang" });
  const from = c.messages.length;
  const asked = mock.requests.length;
  const { turn } = await c.request("turn/start", {
    threadId: t.id,
    input: [{ type: "text", text: "hang" }],
  });
  await sinceThen(c, from, "turn/started");
  await sinceThen(c, from, "thread/status/changed");
  // The model was asked (and hangs): the turn is running, and the queue holds nothing left over.
  await c.waitUntil(() => mock.requests.length > asked, "the model request");
  out.running = await outcome(c, () => revert(s, t.id, turn.id));
  const last = await c.request("thread/read", { threadId: t.id, includeTurns: true });
  out.afterRunning = turnTexts(last.thread.turns as TurnView[]);
  // Before the first turn: nothing is left, and a thread unread from a turn cut is read again.
  out.first = await outcome(c, () => revert(s, t.id, t1));
  const empty = await c.request("thread/read", { threadId: t.id, includeTurns: true });
  out.afterFirst = empty.thread.turns.length;
  const t6 = await runTurn(s, t.id, "six");
  const named = [t.id, ...t.turns, t4, t6].reduce(
    (text, id, i) => text.replaceAll(id, i === 0 ? "<thread>" : `<turn ${i}>`),
    JSON.stringify(out),
  );
  return { out: JSON.parse(named), t4, t6 };
}

describe.skipIf(!CODEX_0166_BIN)("thread/revert of a paginated thread", () => {
  it("reverts as 0.166.0 does, and both read the kept history", { timeout: 240_000 }, async () => {
    const real = await startMockServer0166(suite, "real", {
      client: CLIENT,
      prefix: "codex-0166-revert-paged-",
    });
    const home = path.join(real.root, "codex-home");
    // Two threads 0.166.0 wrote alike: it reverts one, this server the other.
    const written: Written[] = [];
    for (let i = 0; i < 2; i++) {
      const { thread } = await real.c.request("thread/start", { cwd: real.root, model: "gpt-5.5" });
      const turns = [];
      for (const text of ["one", "two", "three"]) turns.push(await runTurn(real, thread.id, text));
      written.push({ id: thread.id, turns });
    }
    const [theirs, mine] = written as [Written, Written];
    await real.c.close();
    const native = await startOnHome0166(suite, "real", { home, cwd: real.root, client: CLIENT });
    const nativeRun = await revertSteps({ ...real, c: native }, theirs);
    await native.close();
    const before = sizes(home);
    const ours = await startOnHome0166(suite, "ours", { home, cwd: real.root, client: CLIENT });
    const ourRun = await revertSteps({ ...real, c: ours }, mine);
    await ours.close();
    expect(ourRun.out).toEqual(nativeRun.out);
    expectNothingLost(before, home);
    // What 0.166.0 answered, spelled out.
    expect(ourRun.out).toMatchObject({
      unknownThread: {
        error: "thread not found: 019bf4f0-5080-7000-8000-000000000001",
        seen: ["error thread not found: 019bf4f0-5080-7000-8000-000000000001"],
      },
      unknownTurn: {
        error: "turn not found: nope",
        seen: ["status notLoaded", "status idle", "error turn not found: nope"],
      },
      reverted: {
        error: null,
        seen: ["status notLoaded", "status idle", "answer", "thread/reverted"],
        answer: {
          fields: ["itemsBackwardsCursor", "thread", "turnsBackwardsCursor"],
          thread: { status: { type: "idle" }, historyMode: "paginated", turns: [], pathIsContinuation: true },
          cursors: [true, true],
        },
      },
      read: { texts: ["one → re one"], ids: ["<turn 1>"] },
      page: ["<turn 1>"],
      twice: { error: "turn not found: <turn 2>" },
      modelSaw: [true, false, false],
      running: {
        error: null,
        seen: [
          "status idle",
          "turn/completed interrupted",
          "status notLoaded",
          "status idle",
          "answer",
          "thread/reverted",
        ],
      },
      afterRunning: ["one → re one", "four → re four"],
      first: {
        error: null,
        seen: ["status notLoaded", "thread/readState/changed", "status idle", "answer", "thread/reverted"],
        answer: { thread: { turns: [] }, cursors: [false, false] },
      },
      afterFirst: 0,
    });

    // The continuations, as 0.166.0's: each keeps its thread's history up to the first line of the reverted turn
    // (its `task_started`) in the rollout holding it, numbered with that line's ordinal, and is named after it.
    const lines = (file: string) => fs.readFileSync(path.join(home, file), "utf8");
    const cuts = (t: Written) =>
      continuationFiles(home, t.id).map((file) => {
        const meta = JSON.parse(lines(file).split("\n")[0]!);
        const base = meta.payload.history_base;
        // Before the first turn nothing is kept: the history starts anew.
        if (!base) return { base: "none", ordinal: meta.ordinal, id: meta.payload.id === t.id };
        const from =
          base.thread_id === t.id
            ? rolloutFiles(home).find((f) => f.endsWith(`-${t.id}.jsonl`))!
            : continuationFiles(home, t.id).find((f) => f.includes(base.thread_id))!;
        const cut = JSON.parse(
          Buffer.from(lines(from)).subarray(base.end_byte_offset).toString().split("\n")[0]!,
        );
        return {
          base: base.thread_id === t.id ? "first rollout" : "continuation",
          sameOrdinal: meta.ordinal === base.end_ordinal_exclusive && cut.ordinal === meta.ordinal,
          cutAt: `${cut.payload.type} ${TURN_NAMES[t.turns.indexOf(cut.payload.turn_id)] ?? "<running turn>"}`,
          id: meta.payload.id === t.id,
        };
      });
    expect(cuts(mine)).toEqual(cuts(theirs));
    expect(cuts(mine)).toEqual([
      { base: "first rollout", sameOrdinal: true, cutAt: "task_started <turn 2>", id: true },
      { base: "continuation", sameOrdinal: true, cutAt: "task_started <running turn>", id: true },
      { base: "none", ordinal: 0, id: true },
    ]);

    // 0.166.0 resumes the thread this server reverted: the same turns, and its model sees the kept history only.
    const after = await startOnHome0166(suite, "real", { home, cwd: real.root, client: CLIENT });
    const resumed = await after.request("thread/resume", { threadId: mine.id });
    expect(resumed.thread.path).toBe(path.join(home, continuationFiles(home, mine.id).at(-1)!));
    // Reverted before its first turn, the thread's history starts anew in the last continuation: 0.166.0 shows the
    // one turn run here after it.
    const nativeSees = await after.request("thread/turns/list", { threadId: mine.id });
    expect(nativeSees.data.map((t) => t.id)).toEqual([ourRun.t6]);
    const mark = real.mock.requests.length;
    await runTurn({ ...real, c: after }, mine.id, "seven");
    const sentThere = JSON.stringify(real.mock.requests.slice(mark).map((r) => r.body));
    // (Answers as the model gave them, quoted: the instructions hold words like "are one".)
    expect(sentThere).toContain('"re six"');
    for (const gone of ["one", "two", "three", "four"]) expect(sentThere).not.toContain(`"re ${gone}"`);
    expect(sentThere).not.toContain('"hang"');
    await after.close();
  });

  it("refuses a legacy thread in 0.166.0's words, as 0.166.0 does", { timeout: 120_000 }, async () => {
    const ours = await startMockServer0166(suite, "ours", {
      client: CLIENT,
      prefix: "codex-0166-revert-legacy-",
    });
    const home = path.join(ours.root, "codex-home");
    const { thread } = await ours.c.request("thread/start", { cwd: ours.root });
    const t1 = await runTurn(ours, thread.id, "one");
    const refusal = {
      error: "thread/revert only supports paginated threads",
      seen: ["error thread/revert only supports paginated threads"],
      answer: null,
    };
    expect(await outcome(ours.c, () => revert(ours, thread.id, t1))).toEqual(refusal);
    await ours.c.close();
    const before = sizes(home);
    const native = await startOnHome0166(suite, "real", { home, cwd: ours.root, client: CLIENT });
    await native.request("thread/resume", { threadId: thread.id });
    expect(await outcome(native, () => revert({ ...ours, c: native }, thread.id, t1))).toEqual(refusal);
    await native.close();
    expectNothingLost(before, home);
  });
});
