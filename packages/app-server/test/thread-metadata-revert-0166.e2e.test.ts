import path from "node:path";
import { CODEX_0166_BIN, responses, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * `thread/metadata/update` and `thread/revert` on this server and, where it is installed, on the native codex
 * 0.166.0, with the same steps and expectations (read off 0.166.0): the git information and Daybreak choice set on a
 * thread, loaded or not, shown by `thread/read` and `thread/list` (also to another server process on the same
 * CODEX_HOME); the refusals in 0.166.0's words; a legacy thread (every thread this server writes) cannot be reverted.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("metadata/revert: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const CLIENT = { name: "metadata-test", version: "1.0" };
const UNKNOWN = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";

async function answerOf(
  c: MockServer0166["c"],
  method: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  try {
    return { answered: await (c.request as (m: string, p: unknown) => Promise<unknown>)(method, params) };
  } catch (err) {
    const e = err as { code?: number; message: string };
    return { code: e.code, message: e.message };
  }
}

/** A thread with one finished turn ("hi" → "ok"); its id and that turn's. */
async function threadWithTurn(s: MockServer0166): Promise<{ threadId: string; turnId: string }> {
  const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
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
  return { threadId: thread.id, turnId: turn.id };
}

const shown = (answer: Record<string, unknown>) => {
  const thread = (
    answer.answered as { thread: { gitInfo: unknown; daybreakEnabled: unknown; turns: unknown[] } }
  ).thread;
  return { gitInfo: thread.gitInfo, daybreakEnabled: thread.daybreakEnabled, turns: thread.turns };
};

describe("thread/metadata/update and thread/revert compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: thread/metadata/update", { timeout: 120_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, { client: CLIENT, prefix: "codex-0166-metadata-" });
    const { threadId } = await threadWithTurn(s);
    const update = (extra: Record<string, unknown>, id = threadId) =>
      answerOf(s.c, "thread/metadata/update", { threadId: id, ...extra });
    const NO_FIELD = { code: -32600, message: "thread metadata update must include at least one field" };
    expect(await update({})).toEqual(NO_FIELD);
    expect(await update({ daybreakEnabled: null, gitInfo: null })).toEqual(NO_FIELD);
    expect(await update({ gitInfo: {} })).toEqual({
      code: -32600,
      message: "gitInfo must include at least one field",
    });
    expect(await update({ projectId: "nope" })).toEqual({ code: -32600, message: "project not found: nope" });
    expect(await update({ gitInfo: { sha: "x" } }, UNKNOWN)).toEqual({
      code: -32600,
      message: `no rollout found for thread id ${UNKNOWN}`,
    });

    const full = { sha: "abc", branch: "main", originUrl: "https://example.invalid/repo.git" };
    expect(shown(await update({ gitInfo: full }))).toEqual({
      gitInfo: full,
      daybreakEnabled: null,
      turns: [],
    });
    expect(shown(await update({ gitInfo: { branch: null } }))).toEqual({
      gitInfo: { ...full, branch: null },
      daybreakEnabled: null,
      turns: [],
    });
    expect(shown(await update({ daybreakEnabled: true, projectId: "" }))).toMatchObject({
      gitInfo: { ...full, branch: null },
      daybreakEnabled: true,
    });
    const read = await s.c.request("thread/read", { threadId });
    expect([read.thread.gitInfo, read.thread.daybreakEnabled]).toEqual([{ ...full, branch: null }, true]);
    const list = await s.c.request("thread/list", {});
    expect(list.data.map((t) => [t.id, t.gitInfo, t.daybreakEnabled])).toEqual([
      [threadId, { ...full, branch: null }, true],
    ]);

    // Another server on the same CODEX_HOME: the thread is not loaded there; it sees and changes the same metadata.
    await s.c.close();
    const other = await startOnHome0166(suite, impl, {
      home: path.join(s.root, "codex-home"),
      cwd: s.root,
      client: CLIENT,
    });
    const elsewhere = await answerOf(other, "thread/metadata/update", { threadId, gitInfo: { sha: "def" } });
    expect(shown(elsewhere)).toEqual({
      gitInfo: { ...full, sha: "def", branch: null },
      daybreakEnabled: true,
      turns: [],
    });
    expect((elsewhere.answered as { thread: { status: unknown } }).thread.status).toEqual({
      type: "notLoaded",
    });
    const readThere = await other.request("thread/read", { threadId });
    expect([readThere.thread.gitInfo, readThere.thread.daybreakEnabled]).toEqual([
      { ...full, sha: "def", branch: null },
      true,
    ]);
  });

  it.each(IMPLS)("%s: thread/revert refuses a legacy thread", { timeout: 120_000 }, async (impl) => {
    // The thread is written by this server (a legacy rollout), then loaded by `impl`.
    const writer = await startMockServer0166(suite, "ours", { client: CLIENT, prefix: "codex-0166-revert-" });
    const { threadId, turnId } = await threadWithTurn(writer);
    await writer.c.close();
    const c = await startOnHome0166(suite, impl, {
      home: path.join(writer.root, "codex-home"),
      cwd: writer.root,
      client: CLIENT,
    });
    expect(await answerOf(c, "thread/revert", { threadId, beforeTurnId: turnId })).toEqual({
      code: -32600,
      message: `thread not found: ${threadId}`,
    });
    await c.request("thread/resume", { threadId });
    expect(await answerOf(c, "thread/revert", { threadId, beforeTurnId: turnId })).toEqual({
      code: -32600,
      message: "thread/revert only supports paginated threads",
    });
    expect(await answerOf(c, "thread/revert", { threadId: UNKNOWN, beforeTurnId: turnId })).toEqual({
      code: -32600,
      message: `thread not found: ${UNKNOWN}`,
    });
    expect(await answerOf(c, "thread/revert", { threadId })).toEqual({
      code: -32600,
      message: "Invalid request: missing field `beforeTurnId`",
    });
    // Nothing changed: the turn is still there.
    const read = await c.request("thread/read", { threadId, includeTurns: true });
    expect(read.thread.turns.map((t) => t.id)).toEqual([turnId]);
  });
});
