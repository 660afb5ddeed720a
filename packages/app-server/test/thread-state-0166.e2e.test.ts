import fs from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  responses,
  type ScriptedResponse,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * The per-thread state 0.166.0 keeps beside the rollouts (attachments, read state, memory mode) and its memory
 * methods, on this server and, where it is installed, on the native codex 0.166.0 with the same script: every
 * answer and refusal, and the notifications in their place among the answers.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 thread state: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const UNKNOWN = "0199a8e2-0000-7000-8000-000000000000";
const BAD_ID =
  "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1";

const CLIENT = { name: "thread-state-0166", version: "1.0" };

const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-thread-state-" });

/** A server whose config turns the `memories` feature on (in the `[features]` table the modern home writes). */
async function memoriesServer(impl: Impl): Promise<MockServer0166> {
  const mock = await suite.newMock();
  const root = await suite.workdir("codex-0166-thread-state-");
  const home = await suite.home({ mock, modern: true, dir: path.join(root, "codex-home") });
  const config = path.join(home, "config.toml");
  const text = await fs.readFile(config, "utf8");
  await fs.writeFile(config, text.replace("[features]\n", "[features]\nmemories = true\n"));
  const c = await startOnHome0166(suite, impl, { home, cwd: root, client: CLIENT });
  return { c, mock, root };
}

const answer = (text: string): ScriptedResponse => ({
  kind: "sse",
  events: [responses.created(), ...responses.message(text), responses.completed()],
});

/** Runs one turn to its end on thread `id` (0.166.0 keeps a thread's state once its first turn is stored). */
async function completeTurn(s: MockServer0166, id: string): Promise<string> {
  s.mock.enqueue(answer("ok"));
  const { turn } = await s.c.request("turn/start", { threadId: id, input: [{ type: "text", text: "hi" }] });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return turn.id;
}

async function storedThread(s: MockServer0166): Promise<string> {
  const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
  await completeTurn(s, thread.id);
  return thread.id;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * A transcript with run-dependent values named: the threads by the names given, every other UUID (attachment ids,
 * revisions, turn ids) as `<uuid>`, and Unix times as `<s>`.
 */
function named(value: unknown, names: Record<string, string>): unknown {
  const text = JSON.stringify(value)
    .replace(UUID, (u) => names[u] ?? (u === UNKNOWN ? u : "<uuid>"))
    .replace(/"createdAt":\d+/g, '"createdAt":"<s>"')
    .replace(/\|\d+\|/g, "|<s>|");
  return JSON.parse(text);
}

/**
 * Sends requests one at a time; `seen()` is what the client read since, in order: each answer (or `code message`,
 * with `data` when there is some) and the notifications `watched` picks, wherever they came among the answers.
 */
function recorder(s: MockServer0166, watched: (m: Message) => boolean) {
  const start = s.c.messages.length;
  const methods = new Map<unknown, string>();
  const request = s.c.request.bind(s.c) as (m: string, p: unknown) => Promise<unknown>;
  return {
    async run(method: string, params: Record<string, unknown>): Promise<unknown> {
      const sentAt = s.c.sent.length;
      const result = await request(method, params).catch((err: unknown) => err);
      const sent = s.c.sent.slice(sentAt).find((m) => m.method === method);
      methods.set(sent?.id, method);
      return result;
    },
    seen(): unknown[] {
      const seen: unknown[] = [];
      for (const m of s.c.messages.slice(start)) {
        if (m.method !== undefined) {
          if (watched(m)) seen.push([m.method, m.params]);
          continue;
        }
        const method = methods.get(m.id);
        if (!method) continue;
        const e = m.error as { code: number; message: string; data?: unknown } | undefined;
        if (!e) seen.push([method, m.result]);
        else
          seen.push([
            method,
            e.data === undefined
              ? `${e.code} ${e.message}`
              : { error: `${e.code} ${e.message}`, data: e.data },
          ]);
      }
      return seen;
    },
  };
}

describe("thread attachments compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: add, list and its pages, owners, remove, the refusals, and the notifications after the answers",
    { timeout: 180_000 },
    async (impl) => {
      const s = await server(impl);
      const a = await storedThread(s);
      const b = await storedThread(s);
      const r = recorder(s, (m) => m.method === "thread/attachment/updated");
      await r.run("thread/attachment/list", { threadId: a });
      await r.run("thread/attachment/add", {
        threadId: a,
        attachmentType: "file",
        identityKey: "k1",
        payload: { a: 1 },
      });
      await r.run("thread/attachment/add", {
        threadId: a,
        attachmentType: "file",
        identityKey: "k1",
        payload: { a: 2 },
      });
      await r.run("thread/attachment/add", {
        threadId: a,
        attachmentType: "x",
        identityKey: "k2",
        payload: [1, "s"],
      });
      await r.run("thread/attachment/add", {
        threadId: b,
        attachmentType: "file",
        identityKey: "k1",
        payload: null,
      });
      await r.run("thread/attachment/list", { threadId: a, limit: 0 });
      const page = (await r.run("thread/attachment/list", { threadId: a, limit: 1 })) as {
        nextCursor: string;
      };
      await r.run("thread/attachment/list", { threadId: a, limit: 1, cursor: page.nextCursor });
      await r.run("thread/attachmentOwner/list", { attachmentType: "file", identityKey: "k1" });
      const owners = (await r.run("thread/attachmentOwner/list", {
        attachmentType: "file",
        identityKey: "k1",
        limit: 1,
      })) as { nextCursor: string };
      await r.run("thread/attachmentOwner/list", {
        attachmentType: "file",
        identityKey: "k1",
        limit: 1,
        cursor: owners.nextCursor,
      });
      await r.run("thread/attachmentOwner/list", {
        attachmentType: "file",
        identityKey: "k1",
        archived: true,
      });
      await r.run("thread/attachment/remove", { threadId: a, attachmentType: "file", identityKey: "k1" });
      await r.run("thread/attachment/remove", { threadId: a, attachmentType: "file", identityKey: "k1" });
      await r.run("thread/archive", { threadId: b });
      await r.run("thread/attachmentOwner/list", { attachmentType: "file", identityKey: "k1" });
      await r.run("thread/attachmentOwner/list", {
        attachmentType: "file",
        identityKey: "k1",
        archived: false,
      });
      await r.run("thread/attachment/list", { threadId: a });
      // Refusals, in 0.166.0's order of checks: the identity and the payload before the thread.
      await r.run("thread/attachment/add", {
        threadId: "nope",
        attachmentType: "",
        identityKey: "k",
        payload: 1,
      });
      await r.run("thread/attachment/add", {
        threadId: a,
        attachmentType: "t",
        identityKey: "  ",
        payload: 1,
      });
      await r.run("thread/attachment/add", {
        threadId: a,
        attachmentType: "t".repeat(257),
        identityKey: "k",
        payload: 1,
      });
      await r.run("thread/attachment/add", {
        threadId: a,
        attachmentType: "t",
        identityKey: "k".repeat(257),
        payload: 1,
      });
      await r.run("thread/attachment/add", {
        threadId: a,
        attachmentType: "t",
        identityKey: "k",
        payload: "x".repeat(65535),
      });
      await r.run("thread/attachment/add", { threadId: a, attachmentType: "t", identityKey: "k" });
      await r.run("thread/attachment/add", {
        threadId: "nope",
        attachmentType: "t",
        identityKey: "k",
        payload: 1,
      });
      await r.run("thread/attachment/add", {
        threadId: UNKNOWN,
        attachmentType: "t",
        identityKey: "k",
        payload: 1,
      });
      await r.run("thread/attachment/remove", { threadId: UNKNOWN, attachmentType: "t", identityKey: "k" });
      await r.run("thread/attachment/list", { threadId: UNKNOWN });
      await r.run("thread/attachment/list", { threadId: a, cursor: "garbage" });
      await r.run("thread/attachment/list", { threadId: a, cursor: `${b}|0|${a}` });
      await r.run("thread/attachmentOwner/list", { attachmentType: "file", identityKey: "" });
      await r.run("thread/attachmentOwner/list", { attachmentType: "file", identityKey: "k1", cursor: "{}" });

      const attachment = (type: string, key: string, payload: unknown) => ({
        id: "<uuid>",
        attachmentType: type,
        identityKey: key,
        payload,
        createdAt: "<s>",
      });
      const updated = (thread: string, type: string, key: string, operation: string) => [
        "thread/attachment/updated",
        { threadId: thread, attachmentType: type, identityKey: key, attachmentId: "<uuid>", operation },
      ];
      // This server names the missing field in `data` (README, deliberate deviations); 0.166.0 sends none.
      const missingPayload =
        impl === "ours"
          ? { error: "-32600 Invalid request: missing field `payload`", data: { path: "params.payload" } }
          : "-32600 Invalid request: missing field `payload`";
      const k1a = attachment("file", "k1", { a: 1 });
      const k2 = attachment("x", "k2", [1, "s"]);
      expect(named(r.seen(), { [a]: "<a>", [b]: "<b>" })).toEqual([
        ["thread/attachment/list", { data: [], nextCursor: null }],
        ["thread/attachment/add", { outcome: "created", attachment: k1a }],
        updated("<a>", "file", "k1", "created"),
        ["thread/attachment/add", { outcome: "existing", attachment: k1a }],
        ["thread/attachment/add", { outcome: "created", attachment: k2 }],
        updated("<a>", "x", "k2", "created"),
        ["thread/attachment/add", { outcome: "created", attachment: attachment("file", "k1", null) }],
        updated("<b>", "file", "k1", "created"),
        ["thread/attachment/list", { data: [k1a], nextCursor: "<a>|<s>|<uuid>" }],
        ["thread/attachment/list", { data: [k1a], nextCursor: "<a>|<s>|<uuid>" }],
        ["thread/attachment/list", { data: [k2], nextCursor: null }],
        [
          "thread/attachmentOwner/list",
          {
            data: [
              { threadId: "<a>", archived: false },
              { threadId: "<b>", archived: false },
            ],
            nextCursor: null,
          },
        ],
        [
          "thread/attachmentOwner/list",
          {
            data: [{ threadId: "<a>", archived: false }],
            nextCursor: JSON.stringify({
              attachment_type: "file",
              identity_key: "k1",
              archived: null,
              thread_id: "<a>",
            }),
          },
        ],
        ["thread/attachmentOwner/list", { data: [{ threadId: "<b>", archived: false }], nextCursor: null }],
        ["thread/attachmentOwner/list", { data: [], nextCursor: null }],
        ["thread/attachment/remove", {}],
        updated("<a>", "file", "k1", "deleted"),
        ["thread/attachment/remove", {}],
        ["thread/archive", {}],
        ["thread/attachmentOwner/list", { data: [{ threadId: "<b>", archived: true }], nextCursor: null }],
        ["thread/attachmentOwner/list", { data: [], nextCursor: null }],
        ["thread/attachment/list", { data: [k2], nextCursor: null }],
        ["thread/attachment/add", "-32602 attachmentType must not be empty"],
        ["thread/attachment/add", "-32602 identityKey must not be empty"],
        ["thread/attachment/add", "-32602 attachmentType must not exceed 256 bytes"],
        ["thread/attachment/add", "-32602 identityKey must not exceed 256 bytes"],
        ["thread/attachment/add", "-32602 attachment payload must not exceed 65536 bytes"],
        ["thread/attachment/add", missingPayload],
        ["thread/attachment/add", `-32602 ${BAD_ID}`],
        ["thread/attachment/add", `-32602 thread not found: ${UNKNOWN}`],
        ["thread/attachment/remove", `-32602 thread not found: ${UNKNOWN}`],
        ["thread/attachment/list", { data: [], nextCursor: null }],
        ["thread/attachment/list", "-32602 invalid pagination cursor"],
        ["thread/attachment/list", "-32602 invalid pagination cursor"],
        ["thread/attachmentOwner/list", "-32602 identityKey must not be empty"],
        ["thread/attachmentOwner/list", "-32602 invalid pagination cursor"],
      ]);
    },
  );

  it.each(IMPLS)("%s: a thread holds at most 100 identities", { timeout: 180_000 }, async (impl) => {
    const s = await server(impl);
    const id = await storedThread(s);
    for (let i = 0; i < 100; i++)
      await s.c.request("thread/attachment/add", {
        threadId: id,
        attachmentType: "n",
        identityKey: `${i}`,
        payload: i,
      });
    await expect(
      s.c.request("thread/attachment/add", {
        threadId: id,
        attachmentType: "n",
        identityKey: "100",
        payload: 0,
      }),
    ).rejects.toMatchObject({ code: -32602, message: "thread attachment identity count exceeds 100" });
    // An identity it holds is still found; a page holds at most 100.
    const existing = await s.c.request("thread/attachment/add", {
      threadId: id,
      attachmentType: "n",
      identityKey: "5",
      payload: 0,
    });
    expect(existing).toMatchObject({ outcome: "existing", attachment: { payload: 5 } });
    const first = await s.c.request("thread/attachment/list", { threadId: id });
    expect(first.data).toHaveLength(25);
    const all = await s.c.request("thread/attachment/list", { threadId: id, limit: 1000 });
    expect(all.data.map((x) => x.payload)).toEqual([...Array(100).keys()]);
  });
});

describe("thread read state compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: turns make a thread unread; read, unread, conflicts; thread/read and thread/list show it",
    { timeout: 180_000 },
    async (impl) => {
      const s = await server(impl);
      const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
      const id = thread.id;
      const from = s.c.messages.length;
      const t1 = await completeTurn(s, id);
      // The new read state comes first, before the thread goes idle and the turn's end.
      const order = s.c.messages
        .slice(from)
        .filter((m) =>
          ["thread/readState/changed", "thread/status/changed", "turn/completed"].includes(m.method ?? ""),
        )
        .map((m) => m.method);
      expect(order.slice(-3)).toEqual([
        "thread/readState/changed",
        "thread/status/changed",
        "turn/completed",
      ]);
      const r = recorder(s, (m) => m.method === "thread/readState/changed");
      const read = (await r.run("thread/read", { threadId: id })) as { readState: { revision: string } };
      const seenRevision = read.readState.revision;
      await r.run("thread/readState/update", {
        threadId: id,
        expectedRevision: "stale",
        operation: { type: "read" },
      });
      const marked = (await r.run("thread/readState/update", {
        threadId: id,
        expectedRevision: seenRevision,
        operation: { type: "read" },
      })) as { readState: { revision: string } };
      await r.run("thread/list", {});
      const unread = (await r.run("thread/readState/update", {
        threadId: id,
        expectedRevision: marked.readState.revision,
        operation: { type: "unread" },
      })) as { readState: { revision: string } };
      await r.run("thread/readState/update", {
        threadId: id,
        expectedRevision: unread.readState.revision,
        operation: { type: "read" },
      });
      const t2 = await completeTurn(s, id);
      await completeTurn(s, id);
      await r.run("thread/read", { threadId: id });
      await r.run("thread/readState/update", {
        threadId: UNKNOWN,
        expectedRevision: "x",
        operation: { type: "read" },
      });
      await r.run("thread/readState/update", {
        threadId: "nope",
        expectedRevision: "x",
        operation: { type: "read" },
      });
      const eph = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5", ephemeral: true });
      await r.run("thread/readState/update", {
        threadId: eph.thread.id,
        expectedRevision: `initial:${eph.thread.id}`,
        operation: { type: "read" },
      });

      const state = (firstUnread: unknown) => ({ firstUnread, revision: "<uuid>" });
      const changed = (firstUnread: unknown) => [
        "thread/readState/changed",
        { threadId: "<id>", readState: state(firstUnread) },
      ];
      const seen = named(
        r.seen().map((e) => {
          const [method, result] = e as [string, Record<string, unknown>];
          if (method === "thread/read") return [method, { readState: result.readState }];
          if (method === "thread/list") return [method, { readStates: result.readStates }];
          return e;
        }),
        { [id]: "<id>", [t1]: "<t1>", [t2]: "<t2>", [eph.thread.id]: "<eph>" },
      );
      expect(seen).toEqual([
        ["thread/read", { readState: state({ type: "turn", turnId: "<t1>" }) }],
        [
          "thread/readState/update",
          {
            error: "-32600 read state changed",
            data: { reason: "readStateConflict", readState: state({ type: "turn", turnId: "<t1>" }) },
          },
        ],
        changed(null),
        ["thread/readState/update", { readState: state(null) }],
        ["thread/list", { readStates: { "<id>": state(null) } }],
        changed({ type: "threadStart" }),
        ["thread/readState/update", { readState: state({ type: "threadStart" }) }],
        changed(null),
        ["thread/readState/update", { readState: state(null) }],
        // Unread from the first turn completed after it was read, however many follow (each a new revision).
        changed({ type: "turn", turnId: "<t2>" }),
        changed({ type: "turn", turnId: "<t2>" }),
        ["thread/read", { readState: state({ type: "turn", turnId: "<t2>" }) }],
        ["thread/readState/update", `-32600 thread not loaded: ${UNKNOWN}`],
        ["thread/readState/update", `-32602 ${BAD_ID}`],
        ["thread/readState/update", "-32600 thread read state unavailable"],
      ]);
    },
  );
});

describe("memory methods compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: memory mode, the memory summary with the feature on, reset, rollout/compress",
    { timeout: 180_000 },
    async (impl) => {
      const s = await memoriesServer(impl);
      const home = path.join(s.root, "codex-home");
      const id = await storedThread(s);
      const memories = path.join(home, "memories");
      await fs.mkdir(path.join(memories, "rollout_summaries"), { recursive: true });
      await fs.writeFile(path.join(memories, "memory_summary.md"), "remember this\n");
      await fs.writeFile(path.join(memories, "rollout_summaries", "a.md"), "a");
      const outside = path.join(s.root, "outside");
      await fs.mkdir(outside);
      await fs.writeFile(path.join(outside, "kept"), "k");
      await fs.symlink(outside, path.join(memories, "link"));
      const eph = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5", ephemeral: true });
      const r = recorder(s, () => false);
      await r.run("thread/memory/read", { threadId: id });
      await r.run("thread/memoryMode/set", { threadId: id, mode: "disabled" });
      await r.run("thread/memoryMode/set", { threadId: id, mode: "enabled" });
      await r.run("thread/memoryMode/set", { threadId: eph.thread.id, mode: "disabled" });
      await r.run("thread/memoryMode/set", { threadId: UNKNOWN, mode: "disabled" });
      await r.run("thread/memoryMode/set", { threadId: "nope", mode: "disabled" });
      await r.run("thread/memory/read", { threadId: eph.thread.id });
      await r.run("thread/memory/read", { threadId: UNKNOWN });
      await r.run("memory/reset", {});
      await r.run("thread/memory/read", { threadId: id });
      await r.run("rollout/compress", {});
      // A thread is given the memories there were when it loaded: none for the first, the summary for the second.
      expect(named(r.seen(), { [id]: "<id>", [eph.thread.id]: "<eph>" })).toEqual([
        ["thread/memory/read", { summary: null }],
        ["thread/memoryMode/set", {}],
        ["thread/memoryMode/set", {}],
        ["thread/memoryMode/set", "-32600 ephemeral thread does not support metadata updates: <eph>"],
        ["thread/memoryMode/set", `-32600 no rollout found for thread id ${UNKNOWN}`],
        ["thread/memoryMode/set", `-32600 ${BAD_ID}`],
        ["thread/memory/read", { summary: "remember this\n" }],
        ["thread/memory/read", `-32600 thread not found: ${UNKNOWN}`],
        ["memory/reset", {}],
        ["thread/memory/read", { summary: null }],
        ["rollout/compress", {}],
      ]);
      // The directory is emptied; what a link inside pointed to is untouched.
      expect(await fs.readdir(memories)).toEqual([]);
      expect(await fs.readFile(path.join(outside, "kept"), "utf8")).toBe("k");
    },
  );

  it.each(IMPLS)(
    "%s: without the memories feature no summary is given",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await storedThread(s);
      const memories = path.join(s.root, "codex-home", "memories");
      await fs.mkdir(memories, { recursive: true });
      await fs.writeFile(path.join(memories, "memory_summary.md"), "remember this\n");
      expect(await s.c.request("thread/memory/read", { threadId: id })).toEqual({ summary: null });
    },
  );

  it("ours: the experimental methods need the experimental API", { timeout: 60_000 }, async () => {
    const s = await server("ours");
    const c = await suite.start({
      home: path.join(s.root, "codex-home"),
      protocol: protocol0166,
      cwd: s.root,
      initialize: false,
    });
    await c.initialize({ name: "plain", version: "1" }, { experimentalApi: false });
    for (const method of ["thread/memory/read", "memory/reset", "rollout/compress"] as const) {
      const params = method === "thread/memory/read" ? { threadId: UNKNOWN } : undefined;
      await expect(
        (c.request as (m: string, p: unknown) => Promise<unknown>)(method, params),
      ).rejects.toMatchObject({
        code: -32600,
        message: `${method} requires experimentalApi capability`,
      });
    }
  });
});

describe("thread state across a restart, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: attachments and read states outlive the process; memories need a loaded thread; a deleted thread's state goes with it",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const id = await storedThread(s);
      await s.c.request("thread/attachment/add", {
        threadId: id,
        attachmentType: "t",
        identityKey: "k",
        payload: { v: 1 },
      });
      const { readState } = await s.c.request("thread/read", { threadId: id });
      const marked = await s.c.request("thread/readState/update", {
        threadId: id,
        expectedRevision: readState?.revision ?? "",
        operation: { type: "read" },
      });
      await s.c.close();
      const again = await startOnHome0166(suite, impl, {
        home: path.join(s.root, "codex-home"),
        cwd: s.root,
        client: { name: "again", version: "1" },
      });
      const list = await again.request("thread/attachment/list", { threadId: id });
      expect(list.data.map((a) => a.payload)).toEqual([{ v: 1 }]);
      expect((await again.request("thread/read", { threadId: id })).readState).toEqual(marked.readState);
      // A stored thread not loaded has no memories selected: 0.166.0 does not know it for this method.
      await expect(again.request("thread/memory/read", { threadId: id })).rejects.toMatchObject({
        code: -32600,
        message: `thread not found: ${id}`,
      });
      await again.request("thread/delete", { threadId: id });
      expect(await again.request("thread/attachment/list", { threadId: id })).toEqual({
        data: [],
        nextCursor: null,
      });
      expect(
        await again.request("thread/attachmentOwner/list", { attachmentType: "t", identityKey: "k" }),
      ).toEqual({
        data: [],
        nextCursor: null,
      });
    },
  );
});
