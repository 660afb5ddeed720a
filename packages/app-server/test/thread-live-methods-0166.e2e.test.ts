import { readFile } from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  gate,
  referenceEnv0166,
  responses,
  rolloutFiles,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * `thread/inject_items`, `collaborationMode/list` and `turn/settings/update` on this server and, where it is
 * installed, on the native codex 0.166.0, with the same steps and expectations (read off 0.166.0): injected items
 * reach the next model request and the rollout, and nothing is announced; the collaboration mode presets; a running
 * turn's settings, which 0.166.0 changes only behind a feature; the refusals in 0.166.0's words.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("live thread methods: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const CLIENT = { name: "live-methods-test", version: "1.0" };
const UNKNOWN = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";

async function answerOf(
  s: MockServer0166["c"],
  method: string,
  params: Record<string, unknown>,
): Promise<unknown> {
  try {
    return { answered: await (s.request as (m: string, p: unknown) => Promise<unknown>)(method, params) };
  } catch (err) {
    const e = err as { code?: number; message: string };
    return { code: e.code, message: e.message };
  }
}

const INJECTED = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "injected question" }] },
  { type: "message", role: "assistant", content: [{ type: "output_text", text: "injected answer" }] },
];

describe("live thread methods compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: thread/inject_items", { timeout: 120_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-inject-" });
    const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
    await s.c.waitFor((m) => m.method === "thread/started", "thread/started");
    const from = s.c.messages.length;
    expect(await answerOf(s.c, "thread/inject_items", { threadId: thread.id, items: INJECTED })).toEqual({
      answered: {},
    });
    // An item of a kind 0.166.0 does not know is taken (as its catch-all) and sent to no model.
    expect(
      await answerOf(s.c, "thread/inject_items", { threadId: thread.id, items: [{ type: "bogus" }] }),
    ).toEqual({
      answered: {},
    });
    expect(await answerOf(s.c, "thread/inject_items", { threadId: thread.id, items: [5] })).toEqual({
      code: -32600,
      message:
        "items[0] is not a valid response item: invalid type: integer `5`, expected internally tagged enum ResponseItem",
    });
    expect(await answerOf(s.c, "thread/inject_items", { threadId: thread.id, items: [] })).toEqual({
      code: -32600,
      message: "items must not be empty",
    });
    expect(await answerOf(s.c, "thread/inject_items", { threadId: UNKNOWN, items: INJECTED })).toEqual({
      code: -32600,
      message: `thread not found: ${UNKNOWN}`,
    });
    expect(await answerOf(s.c, "thread/inject_items", { threadId: thread.id })).toEqual({
      code: -32600,
      message: "Invalid request: missing field `items`",
    });
    // Nothing announced.
    expect(s.c.messages.slice(from).filter((m) => m.method !== undefined)).toEqual([]);

    // The next request carries them, before the turn's input.
    s.mock.enqueue({
      kind: "sse",
      events: [responses.created(), ...responses.message("ok"), responses.completed()],
    });
    const { turn } = await s.c.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "hi" }],
    });
    await s.c.waitFor(
      (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
      "turn/completed",
    );
    const input = (
      s.mock.requests.at(-1)!.body as { input: { role?: string; content?: { text?: string }[] }[] }
    ).input;
    const texts = input.map((i) => `${i.role}:${i.content?.[0]?.text ?? ""}`);
    const at = texts.indexOf("user:injected question");
    expect(at).toBeGreaterThanOrEqual(0);
    expect(texts.slice(at)).toEqual(["user:injected question", "assistant:injected answer", "user:hi"]);
    expect(texts.some((t) => t.includes("bogus"))).toBe(false);

    // The rollout keeps them (a resume sees them), and no turn is read back for them.
    const [file] = await rolloutFiles(path.join(s.root, "codex-home"));
    const kept = (await readFile(file as string, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; payload: { content?: { text?: string }[] } })
      .filter((l) => l.type === "response_item" && l.payload.content?.[0]?.text?.startsWith("injected"));
    expect(kept.map((l) => l.payload.content?.[0]?.text)).toEqual(["injected question", "injected answer"]);
    const read = await s.c.request("thread/read", { threadId: thread.id, includeTurns: true });
    expect(read.thread.turns.map((t) => t.items.map((i) => i.type))).toEqual([
      ["userMessage", "agentMessage"],
    ]);

    // A thread this server has not loaded is not found.
    const other = await startOnHome0166(suite, impl, {
      home: path.join(s.root, "codex-home"),
      cwd: s.root,
      client: CLIENT,
    });
    expect(await answerOf(other, "thread/inject_items", { threadId: thread.id, items: INJECTED })).toEqual({
      code: -32600,
      message: `thread not found: ${thread.id}`,
    });

    // Resumed there, its next request still carries them.
    await s.c.close();
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
      (m) =>
        m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === again.turn.id,
      "turn/completed after resume",
    );
    const resumed = (
      s.mock.requests.at(-1)!.body as { input: { content?: { text?: string }[] }[] }
    ).input.map((i) => i.content?.[0]?.text ?? "");
    expect(resumed.filter((t) => t.startsWith("injected"))).toEqual(["injected question", "injected answer"]);
  });

  it.each(IMPLS)(
    "%s: collaborationMode/list and turn/settings/update",
    { timeout: 120_000 },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, {
        client: CLIENT,
        prefix: "codex-0166-turn-settings-",
      });
      expect(await answerOf(s.c, "collaborationMode/list", {})).toEqual({
        answered: {
          data: [
            { name: "Plan", mode: "plan", model: null, reasoning_effort: "medium" },
            { name: "Default", mode: "default", model: null, reasoning_effort: null },
          ],
        },
      });
      const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
      const held = gate();
      s.mock.enqueue({
        kind: "held",
        until: held.until,
        answer: {
          kind: "sse",
          events: [responses.created(), ...responses.message("ok"), responses.completed()],
        },
      });
      const { turn } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "go" }],
      });
      await s.c.waitFor((m) => m.method === "turn/started", "turn/started");
      const update = (extra: Record<string, unknown>, threadId = thread.id) =>
        answerOf(s.c, "turn/settings/update", { threadId, turnId: turn.id, ...extra });
      const FEATURE = {
        code: -32600,
        message: "turn settings updates require the step_model_switching feature",
      };
      expect(await update({ model: "gpt-5.4" })).toEqual(FEATURE);
      expect(await update({ effort: "high" })).toEqual(FEATURE);
      expect(await update({ serviceTier: null })).toEqual(FEATURE);
      expect(await update({ model: "gpt-5.4" }, UNKNOWN)).toEqual({
        code: -32600,
        message: `thread not found: ${UNKNOWN}`,
      });
      expect(await update({ approvalsReviewer: "user" })).toEqual({
        answered: { status: "applied" },
      });
      expect(await update({ approvalsReviewer: "user" }, UNKNOWN)).toEqual({
        code: -32600,
        message: `thread not found: ${UNKNOWN}`,
      });
      expect(await update({ cwd: "/tmp" })).toEqual({
        code: -32600,
        message:
          "Invalid request: unknown field `cwd`, expected one of `threadId`, `turnId`, `approvalsReviewer`, `model`, `effort`, `summary`, `serviceTier`",
      });
      held.open();
      await s.c.waitFor((m) => m.method === "turn/completed", "turn/completed");
      // A turn that is over, or another one, is no target; a change of nothing needs the feature.
      expect(await update({ approvalsReviewer: "user" })).toEqual({
        answered: { status: "targetUnavailable" },
      });
      expect(
        await answerOf(s.c, "turn/settings/update", {
          threadId: thread.id,
          turnId: "nope",
          approvalsReviewer: "user",
        }),
      ).toEqual({ answered: { status: "targetUnavailable" } });
      expect(await update({})).toEqual(FEATURE);
      // The turn ran with the thread's model.
      expect((s.mock.requests[0]!.body as { model: string }).model).toBe("gpt-5.5");
    },
  );

  it.each(IMPLS)(
    "%s: the experimental ones need the experimental API",
    { timeout: 120_000 },
    async (impl) => {
      const home = await suite.home({ mock: suite.mock, modern: true });
      const cwd = await suite.workdir("codex-0166-no-experimental-");
      const c =
        impl === "ours"
          ? await suite.start({ home, protocol: protocol0166, cwd, initialize: false })
          : await suite.start({
              bin: "0.166",
              home,
              protocol: protocol0166,
              cwd,
              env: referenceEnv0166(home, cwd),
              initialize: false,
            });
      await c.initialize(CLIENT, {});
      expect(await answerOf(c, "collaborationMode/list", {})).toEqual({
        code: -32600,
        message: "collaborationMode/list requires experimentalApi capability",
      });
      expect(
        await answerOf(c, "turn/settings/update", { threadId: UNKNOWN, turnId: "t", model: "x" }),
      ).toEqual({
        code: -32600,
        message: "turn/settings/update requires experimentalApi capability",
      });
    },
  );
});
