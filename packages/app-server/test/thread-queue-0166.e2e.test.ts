import fs from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  gate,
  type Message,
  referenceEnv0166,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";
import { heldAnswer, userTexts } from "./helpers/model-scripts.js";

/**
 * The thread queue (`thread/queue/*`, `thread/queue/changed`) on this server and, where it is installed, on the native
 * codex 0.166.0 with the same script: answers and refusals, what a queued message becomes (a turn of its own, its
 * user message carrying the client's id), when the queue drains (after a turn that was not interrupted; an
 * interrupt pauses it until `thread/queue/start`), and a queue kept across programs on one CODEX_HOME.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 queue: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const CLIENT = { name: "queue-0166", version: "1.0" };
const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-queue-" });

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

const text = (t: string) => [{ type: "text" as const, text: t }];
type Params = Record<string, unknown>;

/** A request's answer, or its error as `code message` (ids written as the test names them). */
async function outcome(s: MockServer0166, method: string, params: Params, names: Record<string, string>) {
  const request = s.c.request.bind(s.c) as (m: string, p: unknown) => Promise<unknown>;
  const named = (t: string) => Object.entries(names).reduce((acc, [name, id]) => acc.replaceAll(id, name), t);
  try {
    return JSON.parse(named(JSON.stringify(await request(method, params))));
  } catch (err) {
    const e = err as { code?: number; message: string; data?: unknown };
    return `${e.code} ${named(e.message)}${e.data ? ` ${JSON.stringify(e.data)}` : ""}`;
  }
}

/** Starts a turn held after its first words (until `open`), and resolves once its answer streams. */
async function runningTurn(s: MockServer0166, threadId: string) {
  const held = gate();
  s.mock.enqueue(heldAnswer(5, held.until));
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", { threadId, input: text("running") });
  await s.c.waitFor(
    (m) => s.c.messages.indexOf(m) >= from && m.method === "item/agentMessage/delta",
    "the running turn's first words",
  );
  return { turnId: turn.id, open: held.open };
}

const turnCompleted = (s: MockServer0166, turnId: string) =>
  s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
    `turn ${turnId} completed`,
  );

/** The queue's changes, turns and user messages from `from` on, as `method [detail]` lines. */
function story(ms: Message[]): string[] {
  const lines: string[] = [];
  for (const m of ms) {
    const p = m.params as { turn?: { status: string }; item?: { type: string; clientId?: string | null } };
    if (m.method === "thread/queue/changed" || m.method === "turn/started") lines.push(m.method);
    else if (m.method === "turn/completed") lines.push(`turn/completed ${p.turn?.status}`);
    else if (m.method === "item/completed" && p.item?.type === "userMessage")
      lines.push(`userMessage ${p.item.clientId}`);
  }
  return lines;
}

const ids = (list: { data: { id: string }[] }) => list.data.map((q) => q.id);

describe("thread queue compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: answers and refusals of every queue method", { timeout: 120_000 }, async (impl) => {
    const s = await server(impl);
    const id = await newThread(s);
    const eph = await newThread(s, true);
    const unknown = "0199a8e2-0000-7000-8000-000000000000";
    const running = await runningTurn(s, id);
    const names: Record<string, string> = { "<thread>": id, "<eph>": eph };
    const seen: unknown[] = [];
    const run = async (method: string, params: Params) =>
      seen.push([method.slice("thread/queue/".length), await outcome(s, method, params, names)]);
    const add = async (name: string, input: unknown) => {
      const r = await s.c.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: name,
        input: input as ReturnType<typeof text>,
      });
      names[`<${name}>`] = r.queuedSubmission.id;
      seen.push([
        "add",
        await outcome(s, "thread/queue/list", { threadId: id, limit: 1, cursor: "0" }, names),
      ]);
    };
    await fs.writeFile(path.join(s.root, "one.png"), Buffer.from(PNG, "hex"));
    await add("a", text("first"));
    await add("b", [
      { type: "text", text: "é!", text_elements: [{ byteRange: { start: 0, end: 2 }, placeholder: "p" }] },
      { type: "image", url: "data:image/png;base64,AAAA", detail: "low" },
      { type: "localImage", path: "one.png" },
    ]);
    await add("c", text("third"));
    await run("thread/queue/list", { threadId: id, limit: 2 });
    await run("thread/queue/list", { threadId: id, cursor: "2", limit: 0 });
    await run("thread/queue/list", { threadId: id, cursor: "9" });
    await run("thread/queue/list", { threadId: id, cursor: "x" });
    await run("thread/queue/list", { threadId: id, cursor: "" });
    await run("thread/queue/add", { threadId: id, clientUserMessageId: "x", input: [] });
    await run("thread/queue/add", { threadId: unknown, clientUserMessageId: "x", input: [] });
    await run("thread/queue/add", {
      threadId: unknown,
      clientUserMessageId: "x",
      input: [{ type: "image", url: "https://example.com/a.png" }],
    });
    await run("thread/queue/add", {
      threadId: id,
      clientUserMessageId: "x",
      input: text("x".repeat(1048577)),
    });
    await run("thread/queue/add", {
      threadId: id,
      clientUserMessageId: "x",
      input: [{ type: "localImage", path: "missing.png" }],
    });
    await run("thread/queue/add", { threadId: "nope", clientUserMessageId: "x", input: text("x") });
    await run("thread/queue/add", { threadId: eph, clientUserMessageId: "x", input: text("x") });
    await run("thread/queue/update", { threadId: id, queuedSubmissionId: names["<c>"], input: text("3rd") });
    await run("thread/queue/update", { threadId: id, queuedSubmissionId: "nope", input: text("x") });
    await run("thread/queue/update", { threadId: id, queuedSubmissionId: "nope", input: [] });
    await run("thread/queue/reorder", { threadId: id, queuedSubmissionIds: [names["<a>"], names["<b>"]] });
    await run("thread/queue/reorder", {
      threadId: id,
      queuedSubmissionIds: [names["<c>"], names["<a>"], names["<a>"]],
    });
    await run("thread/queue/reorder", {
      threadId: id,
      queuedSubmissionIds: [names["<c>"], names["<a>"], names["<b>"]],
    });
    await run("thread/queue/list", { threadId: id });
    await run("thread/queue/start", { threadId: id });
    await run("thread/queue/start", { threadId: id, queuedSubmissionId: "nope" });
    await run("thread/queue/delete", { threadId: id, queuedSubmissionId: names["<b>"] });
    await run("thread/queue/delete", { threadId: id, queuedSubmissionId: names["<b>"] });
    await run("thread/queue/list", { threadId: unknown });
    await run("thread/queue/start", { threadId: eph });
    await run("thread/queue/delete", { threadId: eph, queuedSubmissionId: "x" });
    const image = `data:image/png;base64,${Buffer.from(PNG, "hex").toString("base64")}`;
    const q = (name: string, input: unknown[]) => ({ id: `<${name}>`, input, clientUserMessageId: name });
    const t = (s: string) => ({ type: "text", text: s, text_elements: [] });
    const a = q("a", [t("first")]);
    const b = q("b", [
      { type: "text", text: "é!", text_elements: [{ byteRange: { start: 0, end: 2 }, placeholder: "p" }] },
      { type: "image", url: "data:image/png;base64,AAAA", detail: "low" },
      { type: "image", url: image, detail: null },
    ]);
    const c = q("c", [t("third")]);
    const c3 = q("c", [t("3rd")]);
    const notFound = `-32603 failed to read thread: invalid thread-store request: no rollout found for thread id ${unknown}`;
    const ephemeral = "-32600 ephemeral thread does not support queued submissions: <eph>";
    expect(seen).toEqual([
      ["add", { data: [a], nextCursor: null }],
      ["add", { data: [a], nextCursor: "1" }],
      ["add", { data: [a], nextCursor: "1" }],
      ["list", { data: [a, b], nextCursor: "2" }],
      ["list", { data: [c], nextCursor: null }],
      ["list", { data: [], nextCursor: null }],
      ["list", "-32600 invalid queue pagination cursor: invalid digit found in string"],
      ["list", "-32600 invalid queue pagination cursor: cannot parse integer from empty string"],
      ["add", "-32600 only user input can be added to the user-message queue"],
      ["add", notFound],
      ["add", "-32600 remote image URLs are not supported; use an inline data URL instead"],
      [
        "add",
        '-32602 Input exceeds the maximum length of 1048576 characters. {"input_error_code":"input_too_large","max_chars":1048576,"actual_chars":1048577}',
      ],
      ["add", "-32600 local queued attachment is invalid: No such file or directory (os error 2)"],
      [
        "add",
        "-32600 invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
      ],
      ["add", ephemeral],
      ["update", { queuedSubmission: c3 }],
      ["update", "-32600 queued submission not found: nope"],
      ["update", "-32600 only user input can be added to the user-message queue"],
      ["reorder", "-32600 queue reorder must include every queued submission exactly once"],
      ["reorder", "-32600 queue reorder must include every queued submission exactly once"],
      ["reorder", {}],
      ["list", { data: [c3, a, b], nextCursor: null }],
      ["start", "-32600 thread already has an active or pending turn"],
      ["start", "-32600 queued submission not found: nope"],
      ["delete", { deleted: true }],
      ["delete", { deleted: false }],
      ["list", notFound],
      ["start", ephemeral],
      ["delete", ephemeral],
    ]);
    running.open();
    await turnCompleted(s, running.turnId);
  });

  it.each(IMPLS)(
    "%s: a queue drains one turn per message once the running turn completes; each turn's user message carries its client id",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      const running = await runningTurn(s, id);
      const from = s.c.messages.length;
      await s.c.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "c1",
        input: text("queued 1"),
      });
      await s.c.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "c2",
        input: text("queued 2"),
      });
      await s.c.waitFor(
        () => s.c.messages.slice(from).filter((m) => m.method === "thread/queue/changed").length === 2,
        "the two additions announced",
      );
      running.open();
      await s.c.waitFor(
        () => story(s.c.messages.slice(from)).filter((l) => l === "turn/completed completed").length === 3,
        "the running turn and both queued ones completed",
      );
      expect(story(s.c.messages.slice(from))).toEqual([
        "thread/queue/changed",
        "thread/queue/changed",
        "turn/completed completed",
        "thread/queue/changed",
        "turn/started",
        "userMessage c1",
        "turn/completed completed",
        "thread/queue/changed",
        "turn/started",
        "userMessage c2",
        "turn/completed completed",
      ]);
      expect(s.mock.requests.map((r) => userTexts(r.body).at(-1))).toEqual([
        "running",
        "queued 1",
        "queued 2",
      ]);
      expect(await s.c.request("thread/queue/list", { threadId: id })).toEqual({
        data: [],
        nextCursor: null,
      });
    },
  );

  it.each(IMPLS)(
    "%s: a message queued on an idle thread starts at once; an interrupt pauses the queue until thread/queue/start",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      let from = s.c.messages.length;
      await s.c.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "idle",
        input: text("at once"),
      });
      await s.c.waitFor(
        () => story(s.c.messages.slice(from)).includes("turn/completed completed"),
        "its turn",
      );
      expect(story(s.c.messages.slice(from))).toEqual([
        "thread/queue/changed",
        "thread/queue/changed",
        "turn/started",
        "userMessage idle",
        "turn/completed completed",
      ]);
      const running = await runningTurn(s, id);
      const q1 = await s.c.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "q1",
        input: text("q1"),
      });
      const q2 = await s.c.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "q2",
        input: text("q2"),
      });
      await s.c.request("turn/interrupt", { threadId: id, turnId: running.turnId });
      await turnCompleted(s, running.turnId);
      // Paused: a message added now does not start either.
      const q3 = await s.c.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "q3",
        input: text("q3"),
      });
      const queued = [q1, q2, q3].map((r) => r.queuedSubmission.id);
      expect(ids(await s.c.request("thread/queue/list", { threadId: id }))).toEqual(queued);
      // Starting the second one by id: its turn, then the queue goes on by itself (q1, then q3).
      from = s.c.messages.length;
      const started = await s.c.request("thread/queue/start", {
        threadId: id,
        queuedSubmissionId: queued[1],
      });
      expect(started.turn).toMatchObject({ status: "inProgress", items: [], startedAt: null });
      await s.c.waitFor(
        () => story(s.c.messages.slice(from)).filter((l) => l === "turn/completed completed").length === 3,
        "the three queued turns",
      );
      expect(story(s.c.messages.slice(from)).filter((l) => l.startsWith("userMessage"))).toEqual([
        "userMessage q2",
        "userMessage q1",
        "userMessage q3",
      ]);
      expect(await s.c.request("thread/queue/start", { threadId: id }).catch((e: Error) => e.message)).toBe(
        "queue is empty",
      );
    },
  );

  it.each(IMPLS)(
    "%s: a queue is kept: listed after a restart without the thread loaded, started on resume; nothing announced meanwhile",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      await s.c.request("turn/start", { threadId: id, input: text("first") });
      await s.c.waitFor((m) => m.method === "turn/completed", "the first turn");
      await s.c.close();
      const home = path.join(s.root, "codex-home");
      const next = await startOnHome0166(suite, impl, { home, cwd: s.root, client: CLIENT });
      const from = next.messages.length;
      const added = await next.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "kept",
        input: text("kept"),
      });
      expect(ids(await next.request("thread/queue/list", { threadId: id }))).toEqual([
        added.queuedSubmission.id,
      ]);
      expect(await next.request("thread/loaded/list", {})).toEqual({ data: [], nextCursor: null });
      expect(await next.request("thread/queue/start", { threadId: id }).catch((e: Error) => e.message)).toBe(
        "resume the thread before starting a queued message",
      );
      // Nothing announced: no client follows a thread that is not loaded.
      expect(story(next.messages.slice(from))).toEqual([]);
      await next.request("thread/resume", { threadId: id });
      await next.waitFor((m) => m.method === "turn/completed", "the queued turn on resume");
      expect(story(next.messages.slice(from))).toEqual([
        "thread/queue/changed",
        "turn/started",
        "userMessage kept",
        "turn/completed completed",
      ]);
      expect(await next.request("thread/queue/list", { threadId: id })).toEqual({
        data: [],
        nextCursor: null,
      });
    },
  );

  it.each(IMPLS)(
    "%s: the queue methods and thread/queue/changed are for experimental clients; the queue drains for any",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      await s.c.request("turn/start", { threadId: id, input: text("first") });
      await s.c.waitFor((m) => m.method === "turn/completed", "the first turn");
      await s.c.close();
      const home = path.join(s.root, "codex-home");
      const queuer = await startOnHome0166(suite, impl, { home, cwd: s.root, client: CLIENT });
      await queuer.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "kept",
        input: text("kept"),
      });
      await queuer.close();
      const plain = await suite.start({
        ...(impl === "real" ? { bin: "0.166" as const, env: referenceEnv0166(home, s.root) } : {}),
        home,
        protocol: protocol0166,
        cwd: s.root,
        initialize: false,
      });
      await plain.initialize(CLIENT, {});
      const err = await plain.request("thread/queue/list", { threadId: id }).catch((e: Error) => e.message);
      expect(err).toBe("thread/queue/list requires experimentalApi capability");
      const from = plain.messages.length;
      await plain.request("thread/resume", { threadId: id });
      await plain.waitFor((m) => m.method === "turn/completed", "the queued turn on resume");
      expect(story(plain.messages.slice(from))).toEqual([
        "turn/started",
        "userMessage kept",
        "turn/completed completed",
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: a message another process queues on a loaded idle thread is noticed (0.166.0 polls every 10 s) and started",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await newThread(s);
      await s.c.request("turn/start", { threadId: id, input: text("first") });
      await s.c.waitFor((m) => m.method === "turn/completed", "the first turn");
      const from = s.c.messages.length;
      const home = path.join(s.root, "codex-home");
      const other = await startOnHome0166(suite, impl, { home, cwd: s.root, client: CLIENT });
      await other.request("thread/queue/add", {
        threadId: id,
        clientUserMessageId: "ext",
        input: text("external"),
      });
      await s.c.waitFor(
        () => story(s.c.messages.slice(from)).includes("turn/completed completed"),
        "the externally queued turn",
      );
      expect(story(s.c.messages.slice(from))).toEqual([
        "thread/queue/changed",
        "thread/queue/changed",
        "turn/started",
        "userMessage ext",
        "turn/completed completed",
      ]);
    },
  );
});

if (CODEX_0166_BIN)
  describe("a queue shared with codex 0.166.0 on one CODEX_HOME", () => {
    it.each([
      ["ours", "real"],
      ["real", "ours"],
    ] as const)(
      "queued by %s, listed and started on resume by %s",
      { timeout: 120_000 },
      async (writer, reader) => {
        const s = await server(writer);
        const id = await newThread(s);
        await s.c.request("turn/start", { threadId: id, input: text("first") });
        await s.c.waitFor((m) => m.method === "turn/completed", "the first turn");
        await s.c.close();
        // Queued while no program has the thread loaded (on a loaded idle thread it would start at once).
        const home = path.join(s.root, "codex-home");
        const queuer = await startOnHome0166(suite, writer, { home, cwd: s.root, client: CLIENT });
        const input = [
          {
            type: "text" as const,
            text: "é!",
            text_elements: [{ byteRange: { start: 0, end: 2 }, placeholder: "p" }],
          },
          { type: "image" as const, url: "data:image/png;base64,AAAA", detail: "low" as const },
        ];
        const added = await queuer.request("thread/queue/add", {
          threadId: id,
          clientUserMessageId: "y",
          input,
        });
        await queuer.close();
        const other = await startOnHome0166(suite, reader, { home, cwd: s.root, client: CLIENT });
        const listed = await other.request("thread/queue/list", { threadId: id });
        expect(listed).toEqual({ data: [added.queuedSubmission], nextCursor: null });
        await other.request("thread/resume", { threadId: id });
        const done = await other.waitFor(
          (m) =>
            m.method === "item/completed" &&
            (m.params as { item: { type: string } }).item.type === "userMessage",
          "the queued message's turn",
        );
        expect((done.params as { item: { clientId: string } }).item.clientId).toBe("y");
      },
    );
  });

/** A 1×1 PNG. */
const PNG =
  "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082";
