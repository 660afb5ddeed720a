import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CLI_MAIN,
  CODEX_0166_BIN,
  gate,
  type MockModelServer,
  mockCodexHome,
  REFERENCE_CODEX_BIN,
  responses,
  startAppServer,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heldAnswer, userTexts } from "./helpers/model-scripts.js";
import { ModernClient } from "./helpers/modern-client.js";

/**
 * The 0.166 methods that manage threads — `thread/fork`, `thread/archive`, `thread/unarchive`, `thread/delete`,
 * `thread/name/set`, `thread/loaded/list`, `thread/unsubscribe` (and the unload that follows), `thread/compact/start`
 * — run as one script against this server and against codex 0.166.0 on copies of the same store, once written by
 * 0.166.0 and once by this server: the transcripts (requests, answers, errors, notifications, in order) agree, apart
 * from the notifications listed in the README as 0.166.0's own (read state, deprecation notices).
 */
const OURS = [process.execPath, CLI_MAIN];
/** Anything the Rust binaries might try to reach beyond 127.0.0.1 goes to a closed port instead. */
const OFFLINE = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "127.0.0.1,localhost",
};
const UNKNOWN = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** Notifications only 0.166.0 sends (see the README), and ones no step waits for. */
const IGNORED = new Set([
  "thread/readState/changed",
  "deprecationNotice",
  "account/rateLimits/updated",
  "remoteControl/status/changed",
  "thread/tokenUsage/updated",
  "configWarning",
]);

let tmp: string;
let mock: MockModelServer;
const clients: ModernClient[] = [];

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-admin-")));
  mock = await startMockModelServer();
});
afterAll(async () => {
  for (const c of clients) if (c.running) await c.close();
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A CODEX_HOME for both servers, with a one-second unload delay (0.166.0's `thread_unload_delay_secs`). */
async function newHome(name: string): Promise<string> {
  const home = await mockCodexHome(mock.baseUrl, { dir: path.join(tmp, name), modern: true });
  const config = path.join(home, "config.toml");
  await fs.writeFile(config, `thread_unload_delay_secs = 1\n${await fs.readFile(config, "utf8")}`);
  return home;
}

async function start(command: string[], home: string): Promise<ModernClient> {
  const cwd = path.join(tmp, "project");
  await fs.mkdir(cwd, { recursive: true });
  const c = await ModernClient.start(command, { codexHome: home, cwd });
  clients.push(c);
  return c;
}

/** A stored thread of two turns, written by `command`; its id and the id of its first turn. */
async function storedThread(command: string[], home: string): Promise<{ id: string; firstTurn: string }> {
  const c = await start(command, home);
  const { thread } = await c.call("thread/start", {
    cwd: path.join(tmp, "project"),
  });
  mock.enqueue(responses.turn(responses.message("First answer.")));
  await c.turn(thread.id, "First question");
  mock.enqueue(responses.turn(responses.message("Second answer.")));
  await c.turn(thread.id, "Second question");
  await c.close();
  return { id: thread.id, firstTurn: await firstTurnId(rolloutOf(thread)) };
}

/** A thread's rollout file (a stored thread always has one; an ephemeral one would not). */
function rolloutOf(thread: { id: string; path?: string | null | undefined }): string {
  if (!thread.path) throw new Error(`thread ${thread.id} has no rollout path`);
  return thread.path;
}

/**
 * The id 0.166.0 gives the first turn of a rollout: its `task_started` turn id in a rollout it wrote, `rollout-<n>`
 * (n: the line of the first `user_message` event) in a 0.58.0-format one.
 */
async function firstTurnId(file: string): Promise<string> {
  const lines = (await fs.readFile(file, "utf8")).split("\n");
  for (const [n, line] of lines.entries()) {
    if (!line) continue;
    const r = JSON.parse(line) as { type: string; payload: { type?: string; turn_id?: string } };
    if (r.type !== "event_msg") continue;
    if (r.payload.type === "task_started" && r.payload.turn_id) return r.payload.turn_id;
    if (r.payload.type === "user_message") return `rollout-${n}`;
  }
  throw new Error(`no turn in ${file}`);
}

/**
 * One client's script over a stored thread, as a transcript: each request, then what the server sent until its
 * answer and the notifications the step waits for. Ids are written as `<name>`, paths relative to CODEX_HOME.
 */
async function script(
  command: string[],
  home: string,
  source: { id: string; firstTurn: string },
  writer: "ours" | "0.166.0",
) {
  const c = await start(command, home);
  const names = new Map<string, string>([
    [source.id, "<source>"],
    [UNKNOWN, "<unknown>"],
  ]);
  const steps: string[] = [];
  const norm = (v: unknown) =>
    JSON.stringify(v)
      .replaceAll(home, "<home>")
      .replace(/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-[0-9T-]{19}-/g, "sessions/<day>/rollout-<time>-")
      .replace(UUID, (id) => names.get(id) ?? "<other>");
  const step = async (method: string, params: Record<string, unknown>, waitFor: string[] = []) => {
    const from = c.mark();
    const m = await c.raw(method, params);
    if (!m.error) for (const w of waitFor) await c.waitFor((n) => n.method === w, { from });
    steps.push(`→ ${method} ${norm(params)}`);
    for (const n of c.received(from)) {
      if (n.method !== undefined && !IGNORED.has(n.method))
        steps.push(`⇐ ${n.method} ${norm(brief(n.params))}`);
      else if (n.method === undefined && n.id === m.id)
        steps.push(`← ${n.error ? `error ${norm(n.error)}` : norm(brief(n.result))}`);
    }
    return m.result as Record<string, unknown> | undefined;
  };
  const id = { threadId: source.id };
  await step("thread/name/set", { ...id, name: "  Renamed  " }, ["thread/name/updated"]);
  await step("thread/name/set", { ...id, name: " " });
  // 0.166.0 forks a rollout in 0.58.0's format only whole (see the README); one of its own at a turn.
  const cut = writer === "0.166.0" ? { lastTurnId: source.firstTurn } : {};
  const fork = await step("thread/fork", { ...id, ...cut, excludeTurns: true }, ["thread/started"]);
  if (!fork) return { steps, forkMeta: null, names0166: "", schema: c.schemaProblems(), sourceId: source.id };
  const forkId = (fork.thread as { id: string }).id;
  names.set(forkId, "<fork>");
  const forkFile = (fork.thread as { path: string }).path;
  const forkMeta = JSON.parse((await fs.readFile(forkFile, "utf8")).split("\n")[0]!);
  await step("thread/fork", { ...id, lastTurnId: "bogus" });
  await step("thread/fork", { ...id, beforeTurnId: "x", lastTurnId: "y" });
  // Params refused before anything is read, in 0.166.0's words.
  await step("thread/fork", { ...id, attachToSource: true, ephemeral: true });
  await step("thread/fork", { ...id, deferGoalContinuation: true, ephemeral: true });
  await step("thread/fork", { ...id, experimentalDisablePredictionMcp: true });
  await step("thread/fork", { ...id, permissions: ":workspace", sandbox: "read-only" });
  await step("thread/fork", { ...id, experimentalPredictionMode: true });
  await step("thread/fork", { ...id, experimentalPredictionMode: true, ephemeral: true, lastTurnId: "x" });
  // 0.166.0 attaches forks of its own threads only (this server attaches none: README).
  if (writer === "ours") await step("thread/fork", { ...id, attachToSource: true });
  await step("thread/loaded/list", {});
  await step("thread/loaded/list", { cursor: "nope" });
  await step("thread/archive", id, ["thread/archived"]);
  await step("thread/archive", id);
  await step("thread/name/set", { ...id, name: "x" });
  await step("thread/unarchive", id, ["thread/unarchived"]);
  await step("thread/unarchive", id);
  await step("thread/unsubscribe", { threadId: forkId });
  await step("thread/unsubscribe", { threadId: forkId });
  // Idle and followed by nobody: unloaded after the delay, and said so.
  await c.waitFor((n) => n.method === "thread/closed", {});
  await step("thread/unsubscribe", { threadId: forkId });
  await step("thread/loaded/list", {});
  await step("thread/delete", { threadId: forkId }, ["thread/deleted"]);
  await step("thread/delete", { threadId: forkId });
  for (const method of ["thread/archive", "thread/unarchive", "thread/delete", "thread/fork"]) {
    await step(method, { threadId: UNKNOWN });
    await step(method, { threadId: "nope" });
  }
  for (const method of ["thread/name/set", "thread/unsubscribe", "thread/compact/start"]) {
    await step(method, { threadId: UNKNOWN, name: "x" });
    await step(method, { threadId: "nope", name: "x" });
  }
  const names0166 = await fs.readFile(path.join(home, "session_index.jsonl"), "utf8");
  await c.close();
  return {
    steps,
    forkMeta,
    names0166: names0166.replace(UUID, (i) => names.get(i) ?? "<other>"),
    schema: c.schemaProblems(),
    sourceId: source.id,
  };
}

/** session_index.jsonl's lines without their times. */
function nameLines(text: string): string[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const { id, thread_name } = JSON.parse(l) as { id: string; thread_name: string };
      return `${id} ${thread_name}`;
    });
}

/** What a step's payload says that both servers must agree on (the rest is compared by the thread tests). */
function brief(v: unknown): unknown {
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (o.thread && typeof o.thread === "object") {
    const t = o.thread as Record<string, unknown>;
    return {
      thread: {
        id: t.id,
        forkedFromId: t.forkedFromId,
        name: t.name,
        status: t.status,
        preview: t.preview,
        path: t.path,
        turns: t.turns,
      },
    };
  }
  return v;
}

describe("0.166 thread management", () => {
  for (const writer of ["ours", "0.166.0"] as const) {
    it.skipIf(writer === "0.166.0" && !CODEX_0166_BIN)(
      `agrees with codex 0.166.0 on a store written by ${writer}`,
      async () => {
        const writerCommand = writer === "ours" ? OURS : [CODEX_0166_BIN!];
        // Each server gets a store of its own from the same writer (0.166.0's state database records absolute
        // paths, so a copied CODEX_HOME is not the same store to it); ids are compared by role.
        const oursHome = await newHome(`ours-on-${writer}`);
        const ours = await script(OURS, oursHome, await storedThread(writerCommand, oursHome), writer);
        expect(ours.schema).toEqual([]);
        expect(ours.forkMeta).toMatchObject({
          type: "session_meta",
          payload: { forked_from_id: ours.sourceId },
        });
        expect(ours.steps).toContain('⇐ thread/name/updated {"threadId":"<source>","threadName":"Renamed"}');
        // The fork inherited the name; deleting it removed its line, the source's lines stay.
        expect(ours.names0166).toContain('{"id":"<source>","thread_name":"Renamed"');
        expect(ours.names0166).not.toContain('"<fork>"');
        if (!CODEX_0166_BIN) return;
        const nativeHome = await newHome(`native-on-${writer}`);
        const native = await script(
          [CODEX_0166_BIN],
          nativeHome,
          await storedThread(writerCommand, nativeHome),
          writer,
        );
        expect(ours.steps).toEqual(native.steps);
        // The names file ends with the same names (0.166.0 also drops a deleted thread's lines).
        expect(nameLines(ours.names0166)).toEqual(nameLines(native.names0166));
        expect(native.forkMeta).toMatchObject({
          type: "session_meta",
          payload: { forked_from_id: native.sourceId },
        });
      },
      120_000,
    );
  }
});

describe("0.166 thread management, live threads", () => {
  it("thread/compact/start runs the compaction as a turn with a contextCompaction item, as 0.166.0 shows it", async () => {
    const run = async (command: string[]) => {
      const home = await newHome(`compact-${command.length}`);
      const c = await start(command, home);
      const { thread } = await c.call("thread/start", {
        cwd: path.join(tmp, "project"),
      });
      mock.enqueue(responses.turn(responses.message("An answer.")));
      await c.turn(thread.id, "A question");
      mock.enqueue(responses.turn(responses.message("The summary.")));
      const from = c.mark();
      expect(await c.call("thread/compact/start", { threadId: thread.id })).toEqual({});
      await c.waitFor((m) => m.method === "turn/completed", { from });
      const steps = c
        .received(from)
        .filter((m) => m.method !== undefined && !IGNORED.has(m.method))
        .map((m) => {
          const p = m.params as {
            item?: { type: string };
            status?: { type: string };
            turn?: { status: string };
          };
          return `${m.method} ${p.item?.type ?? p.status?.type ?? p.turn?.status ?? ""}`.trim();
        });
      expect(c.schemaProblems()).toEqual([]);
      await c.close();
      return steps;
    };
    const ours = await run(OURS);
    expect(ours).toEqual([
      "thread/status/changed active",
      "turn/started inProgress",
      "item/started contextCompaction",
      "item/completed contextCompaction",
      "thread/status/changed idle",
      "turn/completed completed",
    ]);
    if (CODEX_0166_BIN) expect(ours).toEqual(await run([CODEX_0166_BIN]));
  }, 60_000);

  it("forks a 0.58.0-format thread at a turn (0.166.0 refuses): the fork's turns and its next request hold only the history up to it", async () => {
    const home = await newHome("fork-at-turn");
    const source = await storedThread(OURS, home);
    const c = await start(OURS, home);
    const fork = await c.call("thread/fork", { threadId: source.id, lastTurnId: source.firstTurn });
    expect(fork.thread.forkedFromId).toBe(source.id);
    expect(fork.thread.turns.map((t) => t.id)).toEqual([source.firstTurn]);
    expect(fork.thread.turns[0]!.items.find((i) => i.type === "agentMessage")?.text).toBe("First answer.");
    mock.enqueue(responses.turn(responses.message("Forked answer.")));
    await c.turn(fork.thread.id, "Question in the fork");
    expect(userTexts(mock.requests.at(-1)!.body)).toEqual(["First question", "Question in the fork"]);
    // The source is untouched; `beforeTurnId` of its first turn forks an empty history.
    const empty = await c.call("thread/fork", {
      threadId: source.id,
      beforeTurnId: source.firstTurn,
    });
    expect(empty.thread.turns).toEqual([]);
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
  }, 60_000);

  it("a fork of a thread whose turn is running ends that turn, in the fork only, as interrupted (as 0.166.0 does)", async () => {
    /** Forks a thread in the middle of its second turn; what the fork shows and records, and how the source ends. */
    const run = async (command: string[], name: string) => {
      const home = await newHome(name);
      const c = await start(command, home);
      const { thread } = await c.call("thread/start", {
        cwd: path.join(tmp, "project"),
      });
      mock.enqueue(responses.turn(responses.message("Done before.")));
      await c.turn(thread.id, "Earlier question");
      // The answer holds after its first word until the fork is made: the turn runs whenever the fork arrives.
      const forked = gate();
      mock.enqueue(heldAnswer(20, forked.until));
      const from = c.mark();
      const { turn } = await c.call("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "Long question" }],
      });
      await c.waitFor((m) => m.method === "item/agentMessage/delta", { from });
      const fork = await c.call("thread/fork", { threadId: thread.id });
      forked.open();
      const records = (await fs.readFile(rolloutOf(fork.thread), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { type: string; payload: { type?: string; reason?: string } });
      const aborted = records.filter((r) => r.type === "event_msg" && r.payload.type === "turn_aborted");
      // The source's turn runs on to its end.
      const done = await c.turnCompleted(turn.id, from);
      await c.close();
      return {
        home,
        fork: fork.thread,
        summary: {
          forkTurns: fork.thread.turns.map((t) => t.status),
          aborted: aborted.map((r) => r.payload.reason),
          source: (done.params as { turn: { status: string } }).turn.status,
        },
      };
    };
    const { home, fork, summary } = await run(OURS, "fork-running");
    expect(summary).toEqual({
      forkTurns: ["completed", "interrupted"],
      aborted: ["interrupted"],
      source: "completed",
    });
    if (CODEX_0166_BIN) expect((await run([CODEX_0166_BIN], "fork-running-native")).summary).toEqual(summary);

    // The fork stays readable: codex 0.166.0 and codex 0.58.0 resume it with its history and the interruption.
    if (CODEX_0166_BIN) {
      const modern = await start([CODEX_0166_BIN], home);
      const resumed = await modern.call("thread/resume", {
        threadId: fork.id,
      });
      expect(resumed.thread.turns.map((t) => t.status)).toEqual(["completed", "interrupted"]);
      await modern.close();
    }
    if (REFERENCE_CODEX_BIN) {
      const old = await startAppServer({
        bin: "reference",
        home,
        cwd: path.join(tmp, "project"),
        env: OFFLINE,
      });
      await old.initialize();
      const resumed = await old.request("resumeConversation", { path: fork.path });
      const events = resumed.initialMessages ?? [];
      expect(events.flatMap((e) => (e.type === "user_message" ? [e.message] : []))).toEqual([
        "Earlier question",
        "Long question",
      ]);
      expect(events.at(-1)).toMatchObject({ type: "turn_aborted", reason: "interrupted" });
      await old.close();
    }
  }, 90_000);
});

describe("0.166 thread management, unloading", () => {
  it("an unsubscribed thread sends nothing more, stays loaded while its turn runs, then unloads after the delay", async () => {
    const home = await newHome("unload-running");
    const c = await start(OURS, home);
    const { thread } = await c.call("thread/start", {
      cwd: path.join(tmp, "project"),
    });
    // The answer holds after its first word until the thread was seen still loaded past the unload delay.
    const seenLoaded = gate();
    mock.enqueue(heldAnswer(40, seenLoaded.until));
    const from = c.mark();
    await c.call("turn/start", { threadId: thread.id, input: [{ type: "text", text: "Long question" }] });
    await c.waitFor((m) => m.method === "item/agentMessage/delta", { from });
    expect(await c.call("thread/unsubscribe", { threadId: thread.id })).toEqual({ status: "unsubscribed" });
    const unsubscribed = c.mark();
    // The turn outlasts the unload delay (1 s): the thread is still loaded when the delay first ends.
    await new Promise((r) => setTimeout(r, 1_300));
    expect(await c.call("thread/loaded/list", {})).toEqual({ data: [thread.id], nextCursor: null });
    seenLoaded.open();
    const closed = await c.waitFor((m) => m.method === "thread/closed", { from });
    expect(closed.params).toEqual({ threadId: thread.id });
    const after = c
      .received(unsubscribed)
      .filter((m) => m.method !== undefined)
      .map((m) => m.method);
    expect(after).toEqual(["thread/status/changed", "thread/closed"]);
    expect(await c.call("thread/loaded/list", {})).toEqual({ data: [], nextCursor: null });
    // The turn was not cut short: its answer is in the rollout, and a resume brings the thread back.
    const resumed = await c.call("thread/resume", {
      threadId: thread.id,
    });
    expect(resumed.thread.turns.map((t) => t.status)).toEqual(["completed"]);
    await c.close();
  }, 60_000);
});

describe("0.166 thread management, bad input", () => {
  it("refuses to delete or fork a rollout outside the sessions folders, and touches nothing there", async () => {
    const home = await newHome("outside");
    const outside = path.join(tmp, "outside");
    await fs.mkdir(outside, { recursive: true });
    const id = "01a2d000-0000-7000-8000-000000000001";
    const target = path.join(outside, "precious.jsonl");
    const meta = {
      timestamp: "2026-01-01T00:00:00.000Z",
      type: "session_meta",
      payload: {
        id,
        timestamp: "2026-01-01T00:00:00.000Z",
        cwd: tmp,
        originator: "x",
        cli_version: "0.58.0",
        instructions: null,
        source: "vscode",
      },
    };
    await fs.writeFile(target, `${JSON.stringify(meta)}\n`);
    const day = path.join(home, "sessions", "2026", "01", "01");
    await fs.mkdir(day, { recursive: true });
    const link = path.join(day, `rollout-2026-01-01T00-00-00-${id}.jsonl`);
    await fs.symlink(target, link);
    const c = await start(OURS, home);
    // The link is not a rollout of the sessions folders: not found, and neither it nor its target is removed.
    expect(await c.error("thread/delete", { threadId: id })).toEqual({
      code: -32600,
      message: `no rollout found for thread id ${id}`,
    });
    for (const named of [target, link]) {
      const forked = await c.error("thread/fork", { threadId: id, path: named });
      expect(forked.code).toBe(-32600);
      expect(forked.message).toContain("must be in the sessions or archived_sessions directory");
    }
    expect(await fs.readFile(target, "utf8")).toBe(`${JSON.stringify(meta)}\n`);
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readdir(day)).toEqual([path.basename(link)]);
    await c.close();
  }, 60_000);

  it("a delete racing a resume of the same thread answers both clearly and loses no other file", async () => {
    const home = await newHome("race");
    const victim = await storedThread(OURS, home);
    const bystander = await storedThread(OURS, home);
    const files = async () =>
      (await fs.readdir(path.join(home, "sessions"), { recursive: true })).filter((f) =>
        f.endsWith(".jsonl"),
      );
    const bystanderFile = (await files()).find((f) => f.includes(bystander.id))!;
    const before = await fs.readFile(path.join(home, "sessions", bystanderFile));
    const c = await start(OURS, home);
    const [resumed, deleted] = await Promise.all([
      c.raw("thread/resume", { threadId: victim.id }),
      c.raw("thread/delete", { threadId: victim.id }),
    ]);
    // Whichever came first: the delete succeeds (the thread is unloaded), the resume succeeds or fails clearly.
    expect(deleted.error).toBeUndefined();
    if (resumed.error)
      expect((resumed.error as { message: string }).message).toMatch(
        /no rollout found|failed to load rollout/,
      );
    expect((await files()).some((f) => f.includes(victim.id))).toBe(false);
    expect(await fs.readFile(path.join(home, "sessions", bystanderFile))).toEqual(before);
    expect(await c.call("thread/loaded/list", {})).toEqual({ data: [], nextCursor: null });
    // The server still serves the other thread.
    const again = await c.call("thread/resume", { threadId: bystander.id });
    expect(again.thread.id).toBe(bystander.id);
    expect(await c.error("thread/resume", { threadId: victim.id })).toEqual({
      code: -32600,
      message: `no rollout found for thread id ${victim.id}`,
    });
    await c.close();
  }, 60_000);
});

describe("0.166 thread management through the typed client", () => {
  it("names, archives, unarchives and deletes a thread, with typed answers and notifications", async () => {
    const home = await newHome("typed");
    const cwd = path.join(tmp, "project");
    await fs.mkdir(cwd, { recursive: true });
    const c = await startAppServer({ home, cwd, protocol: protocol0166 });
    await c.initialize();
    const { thread } = await c.request("thread/start", { cwd });
    mock.enqueue(responses.turn(responses.message("Typed answer.")));
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "Typed question" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect(await c.request("thread/name/set", { threadId: thread.id, name: "Typed" })).toEqual({});
    const renamed = await c.waitFor((m) => m.method === "thread/name/updated", "thread/name/updated");
    expect(renamed.params).toEqual({ threadId: thread.id, threadName: "Typed" });
    expect(await c.request("thread/loaded/list", {})).toEqual({ data: [thread.id], nextCursor: null });
    expect(await c.request("thread/archive", { threadId: thread.id })).toEqual({});
    await c.waitFor((m) => m.method === "thread/archived", "thread/archived");
    expect(await c.request("thread/loaded/list", {})).toEqual({ data: [], nextCursor: null });
    const { thread: back } = await c.request("thread/unarchive", { threadId: thread.id });
    expect(back).toMatchObject({
      id: thread.id,
      name: "Typed",
      preview: "Typed question",
      status: { type: "notLoaded" },
      turns: [],
    });
    expect(await c.request("thread/delete", { threadId: thread.id })).toEqual({});
    await c.waitFor((m) => m.method === "thread/deleted", "thread/deleted");
    const left = await fs.readdir(path.join(home, "sessions"), { recursive: true });
    expect(left.filter((f) => f.endsWith(".jsonl"))).toEqual([]);
    // Its name went with it: the names file holds no line of the thread, and nothing of the rewrite is left.
    expect(await fs.readFile(path.join(home, "session_index.jsonl"), "utf8")).not.toContain(thread.id);
    expect((await fs.readdir(home)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect((await c.close()).code).toBe(0);
  }, 60_000);
});
