import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  CODEX_0166_BIN,
  gate,
  type Message,
  responses,
  rolloutFiles,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it, vi } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * `thread/shellCommand` (the user's own `!cmd` in a thread) on this server and, where it is installed, on the native
 * codex 0.166.0, with the same steps and the same expectations (read off 0.166.0): `{}` at once; on an idle thread a
 * turn of its own with one `commandExecution` item (`source: "userShell"`, the user's shell with `-lc`, the
 * thread's cwd, stdout then stderr, exit code, `failed` on a non-zero exit); the model sees the outcome as a
 * `<user_shell_command>` user message on the next turn; the rollout keeps the item and that message; a timeout of 0
 * fails at once; while a turn runs the command joins that turn, which asks the model once more with the outcome in
 * view; refusals in 0.166.0's words, and a thread that is not loaded is not found.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("thread/shellCommand: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const CLIENT = { name: "shell-command-test", version: "1.0" };
const UNKNOWN = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";

interface CommandItem {
  type: string;
  id: string;
  command: string;
  cwd: string;
  source: string;
  status: string;
  commandActions: unknown[];
  aggregatedOutput: string | null;
  exitCode: number | null;
  processId: string | null;
}

const turnOf = (m: Message) => (m.params as { turn: { id: string } }).turn.id;
const itemOf = (m: Message) => (m.params as { item: CommandItem }).item;

async function answerOf(s: MockServer0166, params: Record<string, unknown>): Promise<unknown> {
  try {
    return { answered: await s.c.request("thread/shellCommand", params as never) };
  } catch (err) {
    const e = err as { code?: number; message: string };
    return { code: e.code, message: e.message };
  }
}

/** Runs `command` on the idle thread; resolves with the messages from its answer to its turn's end. */
async function shellTurn(s: MockServer0166, threadId: string, command: string, timeoutMs?: number) {
  const from = s.c.messages.length;
  expect(
    await s.c.request("thread/shellCommand", {
      threadId,
      command,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    }),
  ).toEqual({});
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && s.c.messages.indexOf(m) >= from,
    "turn/completed",
  );
  return s.c.messages.slice(from);
}

/** The `<user_shell_command>` text with its duration taken out. */
const withoutDuration = (text: string) => text.replace(/Duration: \d+\.\d{4} seconds/, "Duration: D seconds");

describe("thread/shellCommand compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: runs the user's command on its own turn and tells the model",
    { timeout: 120_000 },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-shellcmd-" });
      const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
      const script = "echo out; echo err >&2; pwd; exit 3";
      const sent = await shellTurn(s, thread.id, script);

      // The answer, then the turn: active, started, the item, its output, completed, idle, turn completed.
      const methods = sent
        .map((m) => m.method ?? "answer")
        // The thread's own start may be announced after its answer, in either.
        .filter((m) => m !== "item/commandExecution/outputDelta" && m !== "thread/started");
      expect(methods).toEqual([
        "answer",
        "thread/status/changed",
        "turn/started",
        "item/started",
        "item/completed",
        "thread/status/changed",
        "turn/completed",
      ]);
      const turnId = turnOf(sent.find((m) => m.method === "turn/started") as Message);
      const started = itemOf(sent.find((m) => m.method === "item/started") as Message);
      const done = itemOf(sent.find((m) => m.method === "item/completed") as Message);
      expect(started).toMatchObject({
        type: "commandExecution",
        command: `/bin/bash -lc '${script}'`,
        cwd: s.root,
        processId: null,
        source: "userShell",
        status: "inProgress",
        commandActions: [{ type: "unknown", command: script }],
        aggregatedOutput: null,
        exitCode: null,
      });
      // stdout, then stderr (the deltas stream as they come).
      expect(done).toMatchObject({
        id: started.id,
        status: "failed",
        exitCode: 3,
        aggregatedOutput: `out\n${s.root}\nerr\n`,
      });
      const deltas = sent
        .filter((m) => m.method === "item/commandExecution/outputDelta")
        .map((m) => m.params as { delta: string; itemId: string; turnId: string });
      expect(deltas.every((d) => d.itemId === started.id && d.turnId === turnId)).toBe(true);
      expect(
        deltas
          .map((d) => d.delta)
          .join("")
          .split("\n")
          .sort(),
      ).toEqual(["", "err", "out", s.root].sort());
      const completed = sent.find((m) => m.method === "turn/completed") as Message;
      expect((completed.params as { turn: unknown }).turn).toMatchObject({
        id: turnId,
        status: "completed",
        items: [],
      });
      // No model request for it.
      expect(s.mock.requests).toHaveLength(0);

      // The next turn's request carries the outcome as a user message.
      s.mock.enqueue({
        kind: "sse",
        events: [responses.created(), ...responses.message("ok"), responses.completed()],
      });
      const { turn } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "hi" }],
      });
      await s.c.waitFor((m) => m.method === "turn/completed" && turnOf(m) === turn.id, "second turn");
      const input = (
        s.mock.requests.at(-1)!.body as { input: { role?: string; content?: { text?: string }[] }[] }
      ).input;
      const records = input.filter((i) => i.content?.[0]?.text?.startsWith("<user_shell_command>"));
      expect(records.map((i) => [i.role, withoutDuration(i.content?.[0]?.text ?? "")])).toEqual([
        [
          "user",
          `<user_shell_command>\n<command>\n${script}\n</command>\n<result>\nExit code: 3\nDuration: D seconds\nOutput:\nout\n${s.root}\nerr\n\n</result>\n</user_shell_command>`,
        ],
      ]);
      expect(input.at(-1)?.content?.[0]?.text).toBe("hi");

      // A timeout of 0 ends the command at once: 0.166.0's execution error, exit code -1.
      const timedOut = await shellTurn(s, thread.id, "sleep 5; echo late", 0);
      const timedOutItem = itemOf(timedOut.find((m) => m.method === "item/completed") as Message);
      expect(timedOutItem).toMatchObject({
        source: "userShell",
        status: "failed",
        exitCode: -1,
        durationMs: 0,
      });
      expect(timedOutItem.aggregatedOutput).toMatch(
        /^execution error: Sandbox\(Timeout \{ output: ExecToolCallOutput \{ exit_code: 124, stdout: StreamOutput \{ text: "", truncated_after_lines: None \}, .* timed_out: true \} \}\)$/,
      );

      // The rollout: the turn's start, the item, the model's message, the end.
      const [file] = await rolloutFiles(path.join(s.root, "codex-home"));
      const lines = (await readFile(file as string, "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> });
      const ofTurn = lines.filter(
        (l) =>
          l.payload.turn_id === turnId ||
          (l.type === "response_item" &&
            String(JSON.stringify(l.payload)).includes(`<command>\\n${script.replace(/"/g, '\\"')}`)),
      );
      expect(ofTurn.map((l) => `${l.type}:${l.payload.type}`)).toEqual([
        "event_msg:task_started",
        "event_msg:item_completed",
        "response_item:message",
        "event_msg:task_complete",
      ]);
      expect((ofTurn[1]!.payload as { item: unknown }).item).toMatchObject({
        type: "CommandExecution",
        id: started.id,
        command: ["/bin/bash", "-lc", script],
        source: "user_shell",
        status: "failed",
        exit_code: 3,
      });
      expect((ofTurn[2]!.payload as { role: string }).role).toBe("user");

      // Read back: the command's turn holds the item, and no user message for the outcome.
      const read = await s.c.request("thread/read", { threadId: thread.id, includeTurns: true });
      const turns = read.thread.turns.map((t) =>
        t.items.map((i) => (i.type === "commandExecution" ? `${i.type}:${i.source}:${i.status}` : i.type)),
      );
      expect(turns).toEqual([
        ["commandExecution:userShell:failed"],
        ["userMessage", "agentMessage"],
        ["commandExecution:userShell:failed"],
      ]);

      // Resumed by another server process, the thread's next request still carries both outcomes.
      await s.c.close();
      const other = await startOnHome0166(suite, impl, {
        home: path.join(s.root, "codex-home"),
        cwd: s.root,
        client: CLIENT,
      });
      await other.request("thread/resume", { threadId: thread.id });
      s.mock.enqueue({
        kind: "sse",
        events: [responses.created(), ...responses.message("ok"), responses.completed()],
      });
      const again = await other.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "again" }],
      });
      await other.waitFor(
        (m) => m.method === "turn/completed" && turnOf(m) === again.turn.id,
        "turn/completed after resume",
      );
      const resumed = (s.mock.requests.at(-1)!.body as { input: { content?: { text?: string }[] }[] }).input
        .map((i) => i.content?.[0]?.text ?? "")
        .filter((t) => t.startsWith("<user_shell_command>"))
        .map((t) => t.split("\n")[2]);
      expect(resumed).toEqual([script, "sleep 5; echo late"]);
    },
  );

  it.each(IMPLS)(
    "%s: a command sent while a turn runs joins that turn",
    { timeout: 120_000 },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, {
        client: CLIENT,
        prefix: "codex-0166-shellcmd-turn-",
      });
      const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
      const held = gate();
      s.mock.enqueue(
        {
          kind: "held",
          until: held.until,
          answer: {
            kind: "sse",
            events: [responses.created(), ...responses.message("first"), responses.completed()],
          },
        },
        { kind: "sse", events: [responses.created(), ...responses.message("second"), responses.completed()] },
      );
      const { turn } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "go" }],
      });
      // The turn's request is with the model (held): the command runs beside it.
      await vi.waitFor(() => expect(s.mock.requests).toHaveLength(1), { timeout: 30_000, interval: 20 });
      expect(
        await s.c.request("thread/shellCommand", { threadId: thread.id, command: "echo during" }),
      ).toEqual({});
      const done = await s.c.waitFor(
        (m) => m.method === "item/completed" && itemOf(m).type === "commandExecution",
        "the command's item",
      );
      expect((done.params as { turnId: string }).turnId).toBe(turn.id);
      expect(itemOf(done)).toMatchObject({
        source: "userShell",
        status: "completed",
        exitCode: 0,
        aggregatedOutput: "during\n",
      });
      held.open();
      await s.c.waitFor((m) => m.method === "turn/completed" && turnOf(m) === turn.id, "turn/completed");
      // The model answered first without the outcome, then once more with it (the request was not cut short).
      expect(s.mock.requests).toHaveLength(2);
      const texts = (n: number) =>
        (s.mock.requests[n]!.body as { input: { content?: { text?: string }[] }[] }).input.map(
          (i) => i.content?.[0]?.text ?? "",
        );
      expect(texts(0).some((t) => t.startsWith("<user_shell_command>"))).toBe(false);
      expect(withoutDuration(texts(1).at(-1) ?? "")).toBe(
        "<user_shell_command>\n<command>\necho during\n</command>\n<result>\nExit code: 0\nDuration: D seconds\nOutput:\nduring\n\n</result>\n</user_shell_command>",
      );
      const messages = s.c.messages
        .filter((m) => m.method === "item/completed" && itemOf(m).type === "agentMessage")
        .map((m) => (m.params as { item: { text: string } }).item.text);
      expect(messages).toEqual(["first", "second"]);
    },
  );

  it.each(IMPLS)("%s: an interrupt stops the command and its turn", { timeout: 120_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-shellcmd-stop-" });
    const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
    await s.c.request("thread/shellCommand", { threadId: thread.id, command: "echo start; sleep 30" });
    // It has started once it printed.
    const delta = await s.c.waitFor((m) => m.method === "item/commandExecution/outputDelta", "its output");
    const turnId = (delta.params as { turnId: string }).turnId;
    expect(await s.c.request("turn/interrupt", { threadId: thread.id, turnId })).toEqual({});
    const ended = await s.c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((ended.params as { turn: { id: string; status: string } }).turn).toMatchObject({
      id: turnId,
      status: "interrupted",
    });
    const completed = (m: Message) => m.method === "item/completed";
    // 0.166.0 races itself here: under load its interrupt can end the user shell task before the command's
    // cancellation is reported, and the item then never completes (seen with 3 test runs in parallel). Its item,
    // when it comes, is held to what ours must send; ours always completes it.
    const done =
      impl === "real"
        ? await s.c.waitFor(completed, "item/completed", 10_000).catch(() => null)
        : await s.c.waitFor(completed, "item/completed");
    if (!done) return;
    expect(itemOf(done)).toMatchObject({
      source: "userShell",
      status: "failed",
      exitCode: -1,
      aggregatedOutput: "command aborted by user",
    });
  });

  it.each(IMPLS)("%s: refuses what 0.166.0 refuses", { timeout: 120_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, {
      client: CLIENT,
      prefix: "codex-0166-shellcmd-refusals-",
    });
    const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
    const id = thread.id;
    expect(await answerOf(s, { threadId: UNKNOWN, command: "x" })).toEqual({
      code: -32600,
      message: `thread not found: ${UNKNOWN}`,
    });
    // The command and the timeout are checked before the thread.
    expect(await answerOf(s, { threadId: UNKNOWN, command: "" })).toEqual({
      code: -32600,
      message: "command must not be empty",
    });
    expect(await answerOf(s, { threadId: UNKNOWN, command: "x", timeoutMs: -1 })).toEqual({
      code: -32602,
      message: "thread/shellCommand timeoutMs must be non-negative, got -1",
    });
    expect(await answerOf(s, { threadId: "nope", command: "" })).toEqual({
      code: -32600,
      message: "command must not be empty",
    });
    expect(await answerOf(s, { threadId: "nope", command: "x" })).toMatchObject({
      code: -32600,
      message: expect.stringMatching(/^invalid thread id: /),
    });
    expect(await answerOf(s, { threadId: id })).toEqual({
      code: -32600,
      message: "Invalid request: missing field `command`",
    });
    expect(await answerOf(s, { threadId: id, command: 5 })).toEqual({
      code: -32600,
      message: "Invalid request: invalid type: integer `5`, expected a string",
    });
    expect(await answerOf(s, { threadId: id, command: "  " })).toEqual({
      code: -32600,
      message: "command must not be empty",
    });
    expect(await answerOf(s, { threadId: id, command: "x", timeoutMs: -1 })).toEqual({
      code: -32602,
      message: "thread/shellCommand timeoutMs must be non-negative, got -1",
    });
    expect(await answerOf(s, { threadId: id, command: "", timeoutMs: -1 })).toEqual({
      code: -32600,
      message: "command must not be empty",
    });
    // Nothing ran.
    expect(s.c.messages.filter((m) => m.method === "turn/started")).toHaveLength(0);

    // A stored thread that this server has not loaded is not found.
    await shellTurn(s, id, "true");
    const other = await startOnHome0166(suite, impl, {
      home: path.join(s.root, "codex-home"),
      cwd: s.root,
      client: CLIENT,
    });
    expect(
      await (async () => {
        try {
          return await other.request("thread/shellCommand", { threadId: id, command: "true" });
        } catch (err) {
          const e = err as { code?: number; message: string };
          return { code: e.code, message: e.message };
        }
      })(),
    ).toEqual({ code: -32600, message: `thread not found: ${id}` });
  });
});
