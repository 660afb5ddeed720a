import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  errorOf,
  gate,
  responses,
  rolloutFiles,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * `turn/start.outputSchema` (0.166), as codex-acp 2.6.0's title generation uses it: an ephemeral thread, one turn
 * with a schema and a model, the answer parsed as JSON. Compared with the native codex 0.166.0 where it is
 * installed: the request's `text.format`, that it applies to that turn only, that any JSON value goes through
 * unchecked, and that an ephemeral thread leaves no rollout.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("0.166 output schema: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const TITLE_SCHEMA = {
  type: "object",
  properties: { title: { type: "string" } },
  required: ["title"],
  additionalProperties: false,
};

const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: { name: "output-schema", version: "1.0" },
    prefix: "outschema-",
  });

/** Runs one turn (with `extra` on its turn/start) and resolves with its completed turn. */
async function runTurn(s: MockServer0166, threadId: string, extra: Record<string, unknown>) {
  s.mock.enqueue(responses.turn(responses.message(JSON.stringify({ title: "Rust borrow checker help" }))));
  const { turn } = await s.c.request("turn/start", {
    threadId,
    input: [{ type: "text", text: "Generate a title" }],
    ...extra,
  });
  const done = await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return (done.params as { turn: { status: string; items: { type: string; text?: string }[] } }).turn;
}

const formatOf = (s: MockServer0166, index: number): unknown =>
  (s.mock.requests.at(index)?.body as { text?: { format?: unknown } } | undefined)?.text?.format ?? null;

/** Every rollout file under CODEX_HOME's sessions/ and archived_sessions/. */

describe("0.166 turn/start.outputSchema compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: the title flow: ephemeral thread, text.format on that turn only, JSON answer, no rollout, name set",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const { thread: main } = await s.c.request("thread/start", { cwd: s.root });
      const { thread: ep } = await s.c.request("thread/start", { cwd: s.root, ephemeral: true });
      expect({ ephemeral: ep.ephemeral, path: ep.path }).toEqual({ ephemeral: true, path: null });

      const turn = await runTurn(s, ep.id, { outputSchema: TITLE_SCHEMA, model: "gpt-5.6-luna" });
      const format = formatOf(s, -1);
      expect(format).toEqual({
        type: "json_schema",
        strict: true,
        schema: TITLE_SCHEMA,
        name: "codex_output_schema",
      });
      expect(Object.keys(format as object)).toEqual(["type", "strict", "schema", "name"]);
      expect(s.mock.requests.at(-1)?.body).toMatchObject({ model: "gpt-5.6-luna" });

      // codex-acp's extractTitle: the agent message parsed as JSON; then the main thread is renamed.
      const message = turn.items.find((i) => i.type === "agentMessage");
      const title = String(JSON.parse(message?.text ?? "{}").title);
      await s.c.request("thread/name/set", { threadId: main.id, name: title });
      const renamed = await s.c.waitFor((m) => m.method === "thread/name/updated", "thread/name/updated");
      expect(renamed.params).toMatchObject({ threadId: main.id, threadName: "Rust borrow checker help" });

      // The schema was that turn's: the next one sends none.
      await runTurn(s, ep.id, {});
      expect(formatOf(s, -1)).toBeNull();

      // Nothing of the ephemeral thread is stored or listed.
      const stored = await rolloutFiles(path.join(s.root, "codex-home"));
      expect(stored.filter((f) => f.includes(ep.id))).toEqual([]);
      const listed = await s.c.request("thread/list", {});
      expect(listed.data.map((t) => t.id)).not.toContain(ep.id);
    },
  );

  it.each(IMPLS)(
    "%s: any JSON value goes to the model as given (the provider judges it); null means none",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const { thread } = await s.c.request("thread/start", { cwd: s.root, ephemeral: true });
      const seen: unknown[] = [];
      for (const value of ["x", 5, [], { type: "nonsense" }, { type: "object", properties: 3 }, null]) {
        const turn = await runTurn(s, thread.id, { outputSchema: value });
        expect(turn.status).toBe("completed");
        seen.push(formatOf(s, -1));
      }
      const sent = (schema: unknown) => ({
        type: "json_schema",
        strict: true,
        schema,
        name: "codex_output_schema",
      });
      expect(seen).toEqual([
        sent("x"),
        sent(5),
        sent([]),
        sent({ type: "nonsense" }),
        sent({ type: "object", properties: 3 }),
        null,
      ]);
    },
  );
});

describe("0.166 turn/start while a turn runs, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: joins the running turn; another outputSchema is refused with ActiveTurnOutputSchemaMismatch",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const { thread } = await s.c.request("thread/start", { cwd: s.root });
      // The first request streams nothing until input joins and cuts it short; the requests made for the joined
      // input are held until all three have joined (else the turn could end between two joins), then answer "ok".
      const joinedAll = gate();
      const held = {
        kind: "held" as const,
        until: joinedAll.until,
        answer: responses.turn(responses.message("ok")),
      };
      s.mock.enqueue({ kind: "keepalive", intervalMs: 200 }, held, held, held);
      const start = (text: string, extra: Record<string, unknown>) =>
        s.c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text }], ...extra });
      const { turn } = await start("first", { outputSchema: TITLE_SCHEMA });
      // Input sent before the turn's first request would join that (endless) request: wait until it is out.
      while (s.mock.requests.length === 0) await new Promise((r) => setTimeout(r, 20));

      const other = { ...TITLE_SCHEMA, required: [] };
      const refused = await errorOf(start("other schema", { outputSchema: other }));
      expect({ code: refused.code, message: refused.message }).toEqual({
        code: -32603,
        message: "failed to submit turn input: ActiveTurnOutputSchemaMismatch",
      });
      // The same schema in another key order, none, or null: the input joins the running turn.
      const reordered = Object.fromEntries(Object.entries(TITLE_SCHEMA).reverse());
      const joined = [
        await start("same schema", { outputSchema: reordered }),
        await start("no schema", {}),
        await start("null schema", { outputSchema: null }),
      ];
      joinedAll.open();
      expect(joined.map((j) => j.turn)).toEqual(Array.from({ length: 3 }, () => ({ ...turn })));
      const done = await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
        "turn/completed",
      );
      expect((done.params as { turn: { status: string } }).turn.status).toBe("completed");
      const userTexts = s.c.messages
        .filter((m) => m.method === "item/completed")
        .map((m) => m.params as { turnId: string; item: { type: string; content?: { text: string }[] } })
        .filter((p) => p.item.type === "userMessage")
        .map((p) => [p.turnId === turn.id, p.item.content?.[0]?.text]);
      expect(userTexts).toEqual([
        [true, "first"],
        [true, "same schema"],
        [true, "no schema"],
        [true, "null schema"],
      ]);
      // The refused input went nowhere; the joined ones reached the model within the turn, which kept its schema.
      const last = s.mock.requests.at(-1)?.body;
      expect(JSON.stringify(last)).toContain("null schema");
      expect(JSON.stringify(last)).not.toContain("other schema");
      expect(formatOf(s, -1)).toMatchObject({ schema: TITLE_SCHEMA });
    },
  );
});

describe("0.166 ephemeral threads compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: what needs a stored thread is refused in 0.166.0's words; the preview stays empty",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const { thread } = await s.c.request("thread/start", { cwd: s.root, ephemeral: true });
      await runTurn(s, thread.id, {});
      const id = thread.id;
      const refusal = async (p: Promise<unknown>) => {
        const e = await errorOf(p);
        return `${e.code} ${e.message.replaceAll(id, "<id>")}`;
      };
      expect({
        read: await refusal(s.c.request("thread/read", { threadId: id, includeTurns: true })),
        turns: await refusal(s.c.request("thread/turns/list", { threadId: id })),
        items: await refusal(s.c.request("thread/items/list", { threadId: id })),
        name: await refusal(s.c.request("thread/name/set", { threadId: id, name: "x" })),
        fork: await refusal(s.c.request("thread/fork", { threadId: id })),
        archive: await refusal(s.c.request("thread/archive", { threadId: id })),
        delete: await refusal(s.c.request("thread/delete", { threadId: id })),
      }).toEqual({
        read: "-32600 ephemeral threads do not support includeTurns",
        turns: "-32600 ephemeral threads do not support thread/turns/list",
        items: "-32601 thread/items/list is not supported yet",
        name: "-32600 ephemeral thread does not support metadata updates: <id>",
        fork: "-32600 no rollout found for thread id <id>",
        archive: "-32600 no rollout found for thread id <id>",
        delete: "-32600 thread is not persisted and cannot be deleted: <id>",
      });
      // Still loaded after the refusals (the delete unloaded nothing), with no preview.
      expect((await s.c.request("thread/loaded/list", {})).data).toEqual([id]);
      const { thread: read } = await s.c.request("thread/read", { threadId: id });
      expect({ ephemeral: read.ephemeral, path: read.path, preview: read.preview }).toEqual({
        ephemeral: true,
        path: null,
        preview: "",
      });
    },
  );
});

describe("0.166 turn/start.outputSchema on a Chat Completions provider", () => {
  it("fails the turn before any request, in 0.58.0's words", { timeout: 60_000 }, async () => {
    const mock = await suite.newMock();
    const root = await suite.workdir("outschema-chat-");
    const home = await suite.home({
      mock,
      modern: true,
      wireApi: "chat",
      dir: path.join(root, "codex-home"),
    });
    const c = await suite.start({ home, protocol: protocol0166, cwd: root, initialize: false });
    await c.initialize({ name: "output-schema", version: "1.0" }, { experimentalApi: true });
    const { thread } = await c.request("thread/start", { cwd: root, ephemeral: true });
    const { turn } = await c.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "title" }],
      outputSchema: TITLE_SCHEMA,
    });
    const done = await c.waitFor(
      (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
      "turn/completed",
    );
    expect(done.params).toMatchObject({
      turn: {
        status: "failed",
        error: { message: "unsupported operation: output_schema is not supported for Chat Completions API" },
      },
    });
    expect(mock.requests).toEqual([]);
  });
});
