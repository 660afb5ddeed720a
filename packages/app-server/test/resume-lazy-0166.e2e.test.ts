import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  type MockModelServer,
  mockCodexHome,
  responses,
  startAppServer,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userTexts } from "./helpers/model-scripts.js";
import { ModernClient, OURS } from "./helpers/modern-client.js";
import { assistantItem as assistant, type Item, userItem as user } from "./helpers/response-items.js";

/**
 * `thread/resume` on a 0.166 connection answers from the rollout's session_meta line and turn index only; the
 * model's history is read on the thread's first turn (core README "Resume"), and before a summary compaction only
 * what it keeps (the user's text, ghost snapshots) is read. The first request must still be the one an eager resume
 * sends: a 0.58 connection's `thread/resume` (which reads the rollout at once) is the reference, on a copy of the
 * same rollout. A rollout truncated or replaced between the resume and the first turn gives the history of the file
 * as it is then, or a clear error when it no longer holds the thread.
 */

let tmp: string;
let mock: MockModelServer;
let cwd: string;
const clients: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-resume-lazy-")));
  mock = await startMockModelServer();
  cwd = path.join(tmp, "project");
  await fs.mkdir(cwd);
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

const line = (type: string, payload: unknown) =>
  `${JSON.stringify({ timestamp: "2026-12-01T10:00:00.000Z", type, payload })}\n`;
/** A 0.58.0-format turn: the user's message, its event, a tool call and its output, the answer. */
const turn = (n: number, text: string) =>
  line("response_item", user(text)) +
  line("event_msg", { type: "user_message", message: text, images: [] }) +
  line("response_item", {
    type: "function_call",
    name: "shell",
    arguments: JSON.stringify({ command: ["ls"] }),
    call_id: `call_${n}`,
  }) +
  line("response_item", {
    type: "function_call_output",
    call_id: `call_${n}`,
    output: "compiled module ok\n".repeat(300),
  }) +
  line("response_item", assistant(`answer ${n}`));

async function home(name: string): Promise<string> {
  return mockCodexHome(mock.baseUrl, { modern: true, dir: path.join(tmp, name) });
}

async function modern(codexHome: string): Promise<ModernClient> {
  const c = await ModernClient.start(OURS, { codexHome, cwd });
  clients.push(c);
  return c;
}

/** A thread recorded by ours (one turn), grown by hand to a long session that compacted late. */
async function longThread(codexHome: string): Promise<{ id: string; file: string; compactedAt: number }> {
  const c = await modern(codexHome);
  const { thread } = await c.call("thread/start", { cwd });
  mock.enqueue(responses.turn(responses.message("First answer.")));
  await c.turn(thread.id, "First question");
  await c.close();
  const file = thread.path as string;
  // 12 turns of 9 000 bytes of user text each: more than the 80 000 a compaction keeps, so the oldest ones fall
  // out and one is cut in the middle; a ghost snapshot and an aborted-turn marker among them.
  let body = "";
  for (let n = 1; n <= 12; n++) {
    body += turn(n, `request ${n}: ${String.fromCharCode(96 + n).repeat(9_000)}`);
    if (n === 5) body += line("response_item", { type: "ghost_snapshot", ghost_commit: { id: "ghost-5" } });
    if (n === 7) body += line("response_item", user("<turn_aborted>\nstopped\n</turn_aborted>"));
  }
  await fs.appendFile(file, body);
  const compactedAt = (await fs.stat(file)).size;
  await fs.appendFile(
    file,
    line("compacted", { message: "SUMMARY of the long session." }) + turn(13, "after the compaction"),
  );
  return { id: thread.id, file, compactedAt };
}

/** The same rollout in another CODEX_HOME (same path under it), for a second server to resume. */
async function copyInto(codexHome: string, from: string, file: string): Promise<string> {
  const to = path.join(codexHome, path.relative(from, file));
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.copyFile(file, to);
  return to;
}

/** The model request of a 0.58 connection's first turn after `thread/resume` (read at once: the reference). */
async function eagerRequest(codexHome: string, id: string, text: string): Promise<Item> {
  const s = await startAppServer({ home: codexHome, cwd });
  clients.push(s);
  await s.initialize({ name: "codex-ts-test", version: "1.0.0" });
  await s.request("thread/resume", { threadId: id });
  const before = mock.requests.length;
  mock.enqueue(responses.turn(responses.message("ok")));
  await s.request("turn/start", { threadId: id, input: [{ type: "text", text }] });
  await s.waitUntil(() => mock.requests.length > before, "the model request");
  const body = mock.requests[before]!.body as Item;
  await s.close();
  return body;
}

async function lazyRequest(c: ModernClient, id: string, text: string): Promise<Item> {
  const before = mock.requests.length;
  mock.enqueue(responses.turn(responses.message("ok")));
  await c.turn(id, text);
  return mock.requests[before]!.body as Item;
}

describe("0.166 thread/resume reads the history on the first turn", () => {
  it("sends the first turn the request an eager resume sends, for a history rebuilt across a compaction", {
    timeout: 60_000,
  }, async () => {
    const a = await home("lazy");
    const { id, file } = await longThread(a);
    const b = await home("eager");
    await copyInto(b, a, file);

    const c = await modern(a);
    const resumed = await c.call("thread/resume", { threadId: id, excludeTurns: true });
    expect(resumed.thread).toMatchObject({ id, turns: [] });
    const lazy = await lazyRequest(c, id, "next question");
    await c.close();
    const eager = await eagerRequest(b, id, "next question");

    expect(JSON.stringify(lazy.input)).toBe(JSON.stringify(eager.input));
    // The history is the compacted one: the newest 80 000 bytes of user text (the oldest of them cut), the summary,
    // the turn after it; the ghost snapshot is carried but never sent.
    const texts = userTexts(lazy);
    expect(texts.slice(-3)).toEqual([
      "SUMMARY of the long session.",
      "after the compaction",
      "next question",
    ]);
    expect(texts.some((t) => t.startsWith("request 1:"))).toBe(false);
    expect(texts.some((t) => t.startsWith("request 12:"))).toBe(true);
    expect(JSON.stringify(lazy.input)).not.toContain("answer 12");
    expect(JSON.stringify(lazy.input)).toContain("answer 13");
  });

  it("rebuilds the history of the file as it is when the rollout was truncated after the resume", {
    timeout: 60_000,
  }, async () => {
    const a = await home("truncated");
    const { id, file, compactedAt } = await longThread(a);
    const c = await modern(a);
    await c.call("thread/resume", { threadId: id, excludeTurns: true });
    // Another process cuts the compaction and the turn after it.
    await fs.truncate(file, compactedAt);
    const b = await home("truncated-eager");
    await copyInto(b, a, file);

    const lazy = await lazyRequest(c, id, "after the cut");
    await c.close();
    const eager = await eagerRequest(b, id, "after the cut");
    expect(JSON.stringify(lazy.input)).toBe(JSON.stringify(eager.input));
    const texts = userTexts(lazy);
    expect(texts[0]).toBe("First question");
    expect(texts.at(-1)).toBe("after the cut");
    expect(texts).not.toContain("SUMMARY of the long session.");
  });

  it("fails the first turn clearly when the rollout no longer holds the thread", {
    timeout: 60_000,
  }, async () => {
    const a = await home("replaced");
    const { id, file } = await longThread(a);
    const other = await longThread(a);
    const c = await modern(a);
    await c.call("thread/resume", { threadId: id, excludeTurns: true });
    // Replaced (a new file renamed over it) by another thread's rollout.
    await fs.copyFile(other.file, `${file}.tmp`);
    await fs.rename(`${file}.tmp`, file);

    const before = mock.requests.length;
    const from = c.mark();
    const { turn } = await c.call("turn/start", { threadId: id, input: [{ type: "text", text: "hello" }] });
    const done = await c.turnCompleted(turn.id, from);
    expect(done.params).toMatchObject({ turn: { id: turn.id, status: "failed" } });
    expect(JSON.stringify((done.params as { turn: { error: unknown } }).turn.error)).toContain(
      `no longer holds thread ${id}`,
    );
    expect(mock.requests.length).toBe(before);
    // The server is still there and answers.
    expect((await c.call("thread/read", { threadId: other.id })).thread.id).toBe(other.id);
    await c.close();
  });
  it("reads a rollout moved since the resume from where it is now, and fails clearly once it is deleted", {
    timeout: 60_000,
  }, async () => {
    const a = await home("moved");
    const { id, file } = await longThread(a);
    const c = await modern(a);
    await c.call("thread/resume", { threadId: id, excludeTurns: true });
    // Archived by another process: the first turn reads the history from archived_sessions.
    const archived = path.join(a, "archived_sessions", path.basename(file));
    await fs.mkdir(path.dirname(archived), { recursive: true });
    await fs.rename(file, archived);
    const texts = userTexts(await lazyRequest(c, id, "after the move"));
    expect(texts.at(-1)).toBe("after the move");
    expect(texts.length).toBeGreaterThan(1); // the history was read

    // Deleted before the first turn of another resume: that turn fails with words that say so, and nothing reaches
    // the model.
    const b = await home("deleted");
    const gone = await longThread(b);
    const d = await modern(b);
    await d.call("thread/resume", { threadId: gone.id, excludeTurns: true });
    await fs.rm(gone.file);
    const sent = mock.requests.length;
    const from = d.mark();
    const { turn } = await d.call("turn/start", {
      threadId: gone.id,
      input: [{ type: "text", text: "hello" }],
    });
    const done = await d.turnCompleted(turn.id, from);
    const error = (done.params as { turn: { status: string; error: { message: string } } }).turn;
    expect(error.status).toBe("failed");
    expect(error.error.message).toBe(
      `the rollout of thread ${gone.id} is gone: ${gone.file} was deleted or moved out of the sessions directories since the thread was resumed, so its history cannot be read`,
    );
    expect(JSON.stringify(done.params)).not.toContain("ENOENT");
    expect(mock.requests.length).toBe(sent);
    // The server keeps answering.
    expect((await d.call("thread/list", {})).data.map((t) => t.id)).not.toContain(gone.id);
    await c.close();
    await d.close();
  });
});

/**
 * The resume limit (app-server README "Limits", core README "Resume"): a rollout up to ROLLOUT_MAX_BYTES (256 MiB)
 * is read whole; a bigger one is replayed from its latest compactions, holding at most that many bytes of lines,
 * and one whose history since its last compaction is bigger is refused. The first case uses the real limit on a
 * sparse file (a hole of more than 256 MiB takes a few KB of disk); the others lower the limit for one server with
 * the test-only `CODEX_TS_TEST_ROLLOUT_MAX_BYTES`.
 */
describe("0.166 thread/resume past the resume limit", () => {
  const LOWERED = 200_000;
  /** A rollout by hand: a 0.58.0-format session_meta, the environment context, then `body`. */
  async function handWritten(
    codexHome: string,
    id: string,
    body: string | ((head: string) => Promise<void>),
  ) {
    const file = path.join(codexHome, "sessions/2026/12/01", `rollout-2026-12-01T10-00-00-${id}.jsonl`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const head =
      line("session_meta", {
        id,
        timestamp: "2026-12-01T10:00:00.000Z",
        cwd,
        originator: "codex_cli_rs",
        cli_version: "0.58.0",
        instructions: null,
        source: "vscode",
        model_provider: "mock",
      }) + line("response_item", user(`<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>`));
    if (typeof body === "string") await fs.writeFile(file, head + body);
    else await body(head);
    return file;
  }
  const bulk = (from: number, count: number) => {
    let body = "";
    for (let n = from; n < from + count; n++) body += turn(n, `request ${n}: ${"q".repeat(4_000)}`);
    return body;
  };
  const compaction =
    line("compacted", { message: "SUMMARY of the long session." }) + turn(99, "after the compaction");
  async function lowered(codexHome: string): Promise<ModernClient> {
    const c = await ModernClient.start(OURS, {
      codexHome,
      cwd,
      env: { CODEX_TS_TEST_ROLLOUT_MAX_BYTES: String(LOWERED) },
    });
    clients.push(c);
    return c;
  }

  it("replays a rollout over 256 MiB (sparse) from its latest compaction: the request an eager resume of it without the hole sends", {
    timeout: 120_000,
  }, async () => {
    const id = "01a24700-0000-7000-8000-000000000001";
    const a = await home("sparse");
    const HOLE = 256 * 1024 * 1024 + 16 * 1024 * 1024;
    const file = await handWritten(a, id, async (head) => {
      const f = await fs.open(
        path.join(a, "sessions/2026/12/01", `rollout-2026-12-01T10-00-00-${id}.jsonl`),
        "w",
      );
      const before = head + turn(1, "before the hole");
      await f.write(before, 0);
      await f.write(`\n${compaction}`, Buffer.byteLength(before) + HOLE);
      await f.close();
    });
    const st = await fs.stat(file);
    expect(st.size).toBeGreaterThan(HOLE);
    expect(st.blocks * 512).toBeLessThan(10 * 1024 * 1024);
    const c = await modern(a);
    await c.call("thread/resume", { threadId: id, excludeTurns: true });
    const lazy = await lazyRequest(c, id, "next question");
    await c.close();
    // The twin: the same lines without the hole, read whole by a 0.58 connection.
    const b = await home("sparse-twin");
    await handWritten(b, id, turn(1, "before the hole") + compaction);
    const eager = await eagerRequest(b, id, "next question");
    expect(JSON.stringify(lazy.input)).toBe(JSON.stringify(eager.input));
    expect(userTexts(lazy)).toContain("after the compaction");
  });

  it("with the limit lowered: reads a smaller rollout whole, replays a bigger one from its compaction, and refuses one with more than the limit since", {
    timeout: 120_000,
  }, async () => {
    const a = await home("lowered");
    const small = "01a24700-0000-7000-8000-000000000002";
    const compacted = "01a24700-0000-7000-8000-000000000003";
    const tooBig = "01a24700-0000-7000-8000-000000000004";
    await handWritten(a, small, bulk(1, 10));
    await handWritten(a, compacted, bulk(1, 40) + compaction);
    const refused = await handWritten(a, tooBig, bulk(1, 40));
    expect((await fs.stat(refused)).size).toBeGreaterThan(LOWERED);
    const b = await home("lowered-reference");
    for (const f of await fs.readdir(path.join(a, "sessions/2026/12/01")))
      await copyInto(b, a, path.join(a, "sessions/2026/12/01", f));

    const c = await lowered(a);
    // Under the limit: the whole history, as a 0.58 connection (default limit) reads it.
    await c.call("thread/resume", { threadId: small, excludeTurns: true });
    const whole = await lazyRequest(c, small, "next question");
    expect(JSON.stringify(whole.input)).toBe(
      JSON.stringify((await eagerRequest(b, small, "next question")).input),
    );
    expect(userTexts(whole)).toHaveLength(11);
    // Over it, compacted: replayed from the compaction (what the compaction keeps of the user's text, the summary,
    // what follows), the request a whole read of the same rollout sends.
    await c.call("thread/resume", { threadId: compacted, excludeTurns: true });
    const replayed = await lazyRequest(c, compacted, "next question");
    expect(JSON.stringify(replayed.input)).toBe(
      JSON.stringify((await eagerRequest(b, compacted, "next question")).input),
    );
    expect(userTexts(replayed)).toContain("after the compaction");
    // Over it, never compacted: refused by the resume itself, in words that say why; the server goes on.
    expect(await c.error("thread/resume", { threadId: tooBig })).toEqual({
      code: -32600,
      message: `failed to load rollout \`${refused}\`: the history to replay from its start is over ${LOWERED} bytes (no compaction since)`,
    });
    expect((await c.call("thread/list", {})).data.map((t) => t.id)).toContain(tooBig);
    await c.close();
  });
});
