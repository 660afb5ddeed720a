import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { gen0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  REFERENCE_CODEX_BIN,
  responses,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * What a 0.166 thread's rollout keeps of its turns: read back in a fresh process, the history is what the live
 * stream showed (turn ids, statuses, a failed turn's error, each finished item with its id: commands, patches,
 * compactions). The same rollout stays readable by codex 0.166.0 (a legacy thread to it: the same turns, their
 * messages) and by codex 0.58.0, where installed. A thread codex 0.166.0 started and this server continued can be
 * resumed by 0.166.0 again (its lines stay numbered).
 */
const suite = useAppServerSuite();
const CLIENT = { name: "records-test", version: "1.0" };
const FULL_ACCESS = { approvalPolicy: "never", sandbox: "danger-full-access" } as const;
/** A web search the model made, as the Responses API streams it. */
const WEB_SEARCH = {
  event: "response.output_item.done",
  data: {
    type: "response.output_item.done",
    item: {
      type: "web_search_call",
      id: "ws_1",
      status: "completed",
      action: { type: "search", query: "dots" },
    },
  },
};
/** A 1×1 PNG, for view_image. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

type Turn = { id: string; status: string; items: { id: string; type: string }[] };

const after = (s: MockServer0166, from: number) => s.c.messages.slice(from);
const paramsOf = <T>(m: Message) => m.params as T;

/** Starts a turn and waits for its end; returns the turn as the live notifications showed it. */
async function liveTurn(s: MockServer0166, threadId: string, text: string): Promise<Turn> {
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", { threadId, input: [{ type: "text", text }] });
  return finished(s, turn.id, from);
}

async function finished(s: MockServer0166, turnId: string, from: number): Promise<Turn> {
  const done = await s.c.waitFor(
    (m) => m.method === "turn/completed" && paramsOf<{ turn: { id: string } }>(m).turn.id === turnId,
    "turn/completed",
  );
  const items = after(s, from)
    .filter((m) => m.method === "item/completed" && paramsOf<{ turnId: string }>(m).turnId === turnId)
    .map((m) => paramsOf<{ item: { id: string; type: string } }>(m).item)
    .map(({ id, type }) => ({ id, type }));
  return { id: turnId, status: paramsOf<{ turn: { status: string } }>(done).turn.status, items };
}

const shape = (turns: gen0166.Turn[]): Turn[] =>
  turns.map((t) => ({ id: t.id, status: t.status, items: t.items.map(({ id, type }) => ({ id, type })) }));

describe("a 0.166 thread's rollout keeps its turns and items", () => {
  it("reads back as the live stream showed it, here and (its turns and messages) on codex 0.166.0 and 0.58.0", {
    timeout: 120_000,
  }, async () => {
    const s = await startMockServer0166(suite, "ours", { client: CLIENT, prefix: "records" });
    const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5", ...FULL_ACCESS });
    const live: Turn[] = [];
    await writeFile(path.join(s.root, "dot.png"), PNG);
    s.mock.enqueue(
      responses.turn(
        ...responses.reasoning("looking"),
        ...responses.functionCall("exec_command", { cmd: "echo hello", yield_time_ms: 10_000 }, "call_echo"),
        ...responses.functionCall("view_image", { path: "dot.png" }, "call_image"),
        WEB_SEARCH,
      ),
      responses.turn(responses.message("it said hello")),
    );
    live.push(await liveTurn(s, thread.id, "run echo"));
    // Read at once on turn/completed: the stored turn is over too.
    const atOnce = (await s.c.request("thread/read", { threadId: thread.id, includeTurns: true })).thread;
    expect(atOnce.turns.map((t) => t.status)).toEqual(["completed"]);
    expect(atOnce.turns[0]!.completedAt).toEqual(expect.any(Number));
    s.mock.enqueue(
      responses.turn(
        ...responses.customToolCall(
          "apply_patch",
          "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n",
        ),
      ),
      responses.turn(responses.message("patched")),
    );
    live.push(await liveTurn(s, thread.id, "patch it"));
    s.mock.enqueue({ kind: "http", status: 400, body: '{"error":{"message":"no such model","type":"bad"}}' });
    live.push(await liveTurn(s, thread.id, "fail please"));
    s.mock.enqueue(responses.turn(responses.message("the summary")));
    const compactFrom = s.c.messages.length;
    await s.c.request("thread/compact/start", { threadId: thread.id });
    const compactStart = await s.c.waitFor(
      (m) => m.method === "turn/started" && s.c.messages.indexOf(m) >= compactFrom,
      "compaction turn",
    );
    live.push(await finished(s, paramsOf<{ turn: { id: string } }>(compactStart).turn.id, compactFrom));
    // A turn interrupted while its command runs: the command's item never completes, and is not recorded.
    s.mock.enqueue(
      responses.turn(
        responses.message("starting"),
        ...responses.functionCall("exec_command", { cmd: "sleep 30", yield_time_ms: 60_000 }, "call_sleep"),
      ),
    );
    const interruptFrom = s.c.messages.length;
    const { turn } = await s.c.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "wait" }],
    });
    await s.c.waitFor(
      (m) => m.method === "item/started" && paramsOf<{ item: { id: string } }>(m).item.id === "call_sleep",
      "the command's start",
    );
    await s.c.request("turn/interrupt", { threadId: thread.id, turnId: turn.id });
    live.push(await finished(s, turn.id, interruptFrom));
    // A turn in plan mode: its proposed plan is an item of its own.
    s.mock.enqueue(
      responses.turn(responses.message("Ok.\n<proposed_plan>\n# Plan\n- a\n</proposed_plan>\n")),
    );
    const planFrom = s.c.messages.length;
    const planned = await s.c.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "plan it" }],
      collaborationMode: { mode: "plan", settings: { model: "gpt-5.5", reasoning_effort: null } },
    });
    live.push(await finished(s, planned.turn.id, planFrom));
    await s.c.close();

    expect(live.map((t) => t.status)).toEqual([
      "completed",
      "completed",
      "failed",
      "completed",
      "interrupted",
      "completed",
    ]);
    expect(live.flatMap((t) => t.items.map((i) => i.type))).toEqual(
      expect.arrayContaining([
        "commandExecution",
        "imageView",
        "webSearch",
        "fileChange",
        "contextCompaction",
        "reasoning",
        "plan",
      ]),
    );

    // A fresh process reads the rollout back as the live stream showed it.
    const home = path.join(s.root, "codex-home");
    const again = await startOnHome0166(suite, "ours", { home, cwd: s.root, client: CLIENT });
    const read = (await again.request("thread/read", { threadId: thread.id, includeTurns: true })).thread;
    expect(shape(read.turns)).toEqual(live);
    expect(read.historyMode).toBe("legacy");
    const failed = read.turns[2]!;
    expect(failed.error?.message).toContain("no such model");
    const command = read.turns[0]!.items.find((i) => i.type === "commandExecution");
    expect(command).toMatchObject({
      command: "/bin/bash -lc 'echo hello'",
      exitCode: 0,
      status: "completed",
    });
    expect((command as { aggregatedOutput?: string }).aggregatedOutput).toContain("hello");
    expect(read.turns[1]!.items.find((i) => i.type === "fileChange")).toMatchObject({
      changes: [{ path: path.join(s.root, "a.txt"), kind: { type: "add" }, diff: "hi\n" }],
    });
    // A web search shows its action, live and stored, as 0.166.0 shows it.
    const action = { type: "search", query: "dots", queries: null };
    const liveSearch = s.c.messages.find(
      (m) =>
        m.method === "item/completed" && paramsOf<{ item: { type: string } }>(m).item.type === "webSearch",
    );
    expect(paramsOf<{ item: unknown }>(liveSearch!).item).toMatchObject({
      query: "dots",
      action,
      results: null,
    });
    expect(read.turns[0]!.items.find((i) => i.type === "webSearch")).toMatchObject({ query: "dots", action });
    // Pages of turns without their items (the turn index alone) show the same statuses.
    const bare = await again.request("thread/turns/list", {
      threadId: thread.id,
      itemsView: "notLoaded",
      sortDirection: "asc",
    });
    expect(bare.data.map((t) => [t.id, t.status])).toEqual(live.map((t) => [t.id, t.status]));
    // The items in pages are the same, with their times.
    const items = await again.request("thread/items/list", { threadId: thread.id, limit: 100 });
    expect(items.data.map((e) => e.item.id)).toEqual(live.flatMap((t) => t.items.map((i) => i.id)));
    expect(items.data.every((e) => typeof e.completedAtMs === "number")).toBe(true);
    await again.close();

    if (CODEX_0166_BIN) {
      // 0.166.0 reads the rollout as a legacy thread: the same turns, with the messages of each.
      const native = await startOnHome0166(suite, "real", { home, cwd: s.root, client: CLIENT });
      const theirs = (await native.request("thread/read", { threadId: thread.id, includeTurns: true }))
        .thread;
      expect(theirs.turns.map((t) => [t.id, t.status])).toEqual(live.map((t) => [t.id, t.status]));
      expect(theirs.turns[2]!.error?.message).toBe(failed.error?.message);
      const texts = (turns: gen0166.Turn[]) =>
        turns.map((t) =>
          t.items.flatMap((i) =>
            i.type === "userMessage"
              ? i.content.map((c) => (c.type === "text" ? c.text : ""))
              : i.type === "agentMessage"
                ? [i.text]
                : [],
          ),
        );
      // A compaction's turn shows 0.58.0's notice there, and the compaction item here; a plan-mode answer shows
      // whole there (0.58.0's event), split into its message and plan item here.
      const same = (_: unknown, n: number) => n !== 3 && n !== 5;
      expect(texts(theirs.turns).filter(same)).toEqual(texts(read.turns).filter(same));
      await native.close();
    }

    if (REFERENCE_CODEX_BIN) {
      // 0.58.0 resumes it (skipping the records it does not know) with its history.
      const old = await suite.start({ bin: "reference", home, cwd: s.root });
      const resumed = await old.request("resumeConversation", { path: read.path ?? "", overrides: null });
      const messages = (resumed.initialMessages ?? []) as { type: string; message?: string }[];
      expect(messages.filter((m) => m.type === "user_message").map((m) => m.message)).toEqual([
        "run echo",
        "patch it",
        "fail please",
        "wait",
        "plan it",
      ]);
      await old.close();
    }
  });

  for (const impl of CODEX_0166_BIN ? (["ours", "real"] as const) : (["ours"] as const))
    it(`a thread resumed without a model goes on with the one it last ran with (${impl})`, {
      timeout: 60_000,
    }, async () => {
      const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: `records-model-${impl}` });
      // Not the config's model (gpt-5.5).
      const { thread } = await s.c.request("thread/start", {
        cwd: s.root,
        model: "gpt-5.6-luna",
        ...FULL_ACCESS,
      });
      s.mock.enqueue(responses.turn(responses.message("first")));
      await liveTurn(s, thread.id, "first");
      await s.c.close();
      const again = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "", sharing: s });
      const resumed = await again.c.request("thread/resume", { threadId: thread.id, excludeTurns: true });
      expect(resumed.model).toBe("gpt-5.6-luna");
      s.mock.enqueue(responses.turn(responses.message("second")));
      await liveTurn(again, thread.id, "second");
      expect((s.mock.requests.at(-1)?.body as { model?: string } | undefined)?.model).toBe("gpt-5.6-luna");
      await again.c.close();
    });

  it.skipIf(!CODEX_0166_BIN)(
    "a thread codex 0.166.0 started, continued here, is resumed by 0.166.0 again",
    {
      timeout: 120_000,
    },
    async () => {
      const native = await startMockServer0166(suite, "real", { client: CLIENT, prefix: "records-native" });
      const { thread } = await native.c.request("thread/start", {
        cwd: native.root,
        model: "gpt-5.5",
        ...FULL_ACCESS,
      });
      native.mock.enqueue(responses.turn(responses.message("first answer")));
      const first = await liveTurn(native, thread.id, "first");
      await native.c.close();

      const home = path.join(native.root, "codex-home");
      const ours = await startOnHome0166(suite, "ours", { home, cwd: native.root, client: CLIENT });
      await ours.request("thread/resume", { threadId: thread.id, excludeTurns: true });
      native.mock.enqueue(
        responses.turn(
          ...responses.functionCall(
            "exec_command",
            { cmd: "echo again", yield_time_ms: 10_000 },
            "call_again",
          ),
        ),
        responses.turn(responses.message("second answer")),
      );
      const from = ours.messages.length;
      const { turn } = await ours.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "second" }],
      });
      await ours.waitFor(
        (m) => m.method === "turn/completed" && ours.messages.indexOf(m) >= from,
        "turn/completed",
      );
      const read = (await ours.request("thread/read", { threadId: thread.id, includeTurns: true })).thread;
      expect(read.historyMode).toBe("paginated");
      expect(read.turns.map((t) => t.id)).toEqual([first.id, turn.id]);
      expect(read.turns[1]!.items.map((i) => i.type)).toEqual([
        "userMessage",
        "commandExecution",
        "agentMessage",
      ]);
      await ours.close();

      // Every line is numbered, from 0 on, as 0.166.0 numbers a paginated rollout's lines.
      const lines = (await readFile(read.path ?? "", "utf8")).trimEnd().split("\n");
      expect(lines.map((l) => (JSON.parse(l) as { ordinal?: number }).ordinal)).toEqual(
        lines.map((_, n) => n),
      );

      // 0.166.0 resumes it and answers on it.
      const back = await startOnHome0166(suite, "real", { home, cwd: native.root, client: CLIENT });
      const resumed = await back.request("thread/resume", { threadId: thread.id, excludeTurns: true });
      expect(resumed.thread.id).toBe(thread.id);
      native.mock.enqueue(responses.turn(responses.message("third answer")));
      const backFrom = back.messages.length;
      await back.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "third" }] });
      const done = await back.waitFor(
        (m) => m.method === "turn/completed" && back.messages.indexOf(m) >= backFrom,
        "turn/completed",
      );
      expect(paramsOf<{ turn: { status: string } }>(done).turn.status).toBe("completed");
      await back.close();
    },
  );
});
