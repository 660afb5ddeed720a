import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CODEX_0166_BIN,
  type MockModelServer,
  mockCodexHome,
  responses,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userTexts } from "./helpers/model-scripts.js";
import { ModernClient, OURS } from "./helpers/modern-client.js";

/**
 * `thread/fork` and `thread/start` options beyond the history, side by side with codex 0.166.0 on copies of one
 * store written by this server: `threadSource` and `runtimeWorkspaceRoots` show on the new thread, are recorded in
 * its session_meta and shown again when it is resumed.
 */

let tmp: string;
let mock: MockModelServer;
let cwd: string;
let other: string;
const clients: ModernClient[] = [];

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-fork-options-")));
  mock = await startMockModelServer();
  cwd = path.join(tmp, "project");
  other = path.join(tmp, "other");
  await fs.mkdir(cwd);
  await fs.mkdir(other);
});
afterAll(async () => {
  for (const c of clients) if (c.running) await c.close();
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function start(command: string[], home: string): Promise<ModernClient> {
  const c = await ModernClient.start(command, { codexHome: home, cwd });
  clients.push(c);
  return c;
}

/** A store with one thread of one turn, written by this server; its id. */
async function store(name: string): Promise<{ home: string; id: string }> {
  const home = await mockCodexHome(mock.baseUrl, { modern: true, dir: path.join(tmp, name) });
  const c = await start(OURS, home);
  const { thread } = await c.call("thread/start", { cwd });
  mock.enqueue(responses.turn(responses.message("First answer.")));
  await c.turn(thread.id, "First question");
  await c.close();
  return { home, id: thread.id };
}

type Described = {
  threadSource?: string | null | undefined;
  environments?: { runtimeWorkspaceRoots: string[] }[] | null | undefined;
};
const shown = (t: Described) => ({
  threadSource: t.threadSource ?? null,
  roots: t.environments?.[0]?.runtimeWorkspaceRoots ?? null,
});
async function sessionMeta(file: string): Promise<Record<string, unknown>> {
  const first = (await fs.readFile(file, "utf8")).split("\n", 1)[0] as string;
  return (JSON.parse(first) as { payload: Record<string, unknown> }).payload;
}

describe("thread/fork {threadSource, runtimeWorkspaceRoots}", () => {
  const run = async (command: string[], name: string) => {
    const { home, id } = await store(name);
    let c = await start(command, home);
    const from = c.mark();
    const labelled = await c.call("thread/fork", { threadId: id, threadSource: "review-bot" });
    const rooted = await c.call("thread/fork", { threadId: id, runtimeWorkspaceRoots: [cwd, other] });
    const plain = await c.call("thread/fork", { threadId: id });
    // Listed while loaded: no source shown either.
    const listedLoaded = (await c.call("thread/list", {})).data.map((t) => t.threadSource ?? null);
    const started = await c.call("thread/start", {
      cwd,
      threadSource: "started-bot",
      runtimeWorkspaceRoots: [other],
    });
    await c.waitFor(
      (m) =>
        m.method === "thread/started" &&
        (m.params as { thread: { id: string } }).thread.id === started.thread.id,
      { from },
    );
    const announced = c
      .received(from)
      .filter((m) => m.method === "thread/started")
      .map((m) => shown((m.params as { thread: Described }).thread));
    const answers = [labelled, rooted, plain, started].map((r) => ({
      ...shown(r.thread),
      responseRoots: r.runtimeWorkspaceRoots,
    }));
    const metas = await Promise.all(
      [labelled, rooted, plain].map(async (r) => {
        const m = await sessionMeta(r.thread.path as string);
        return {
          thread_source: m.thread_source ?? null,
          runtime_workspace_roots: m.runtime_workspace_roots ?? null,
        };
      }),
    );
    // This server writes a started thread's rollout at once: its session_meta records them too.
    if (command === OURS)
      expect(await sessionMeta(started.thread.path as string)).toMatchObject({
        thread_source: "started-bot",
        runtime_workspace_roots: [other],
      });
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
    // A new process: resumed, each thread shows what it was forked with again; listed, none shows a source.
    c = await start(command, home);
    const listed = (await c.call("thread/list", {})).data.map((t) => t.threadSource ?? null);
    // Read while not loaded: this server shows the recorded source (0.166.0 only for its own paginated threads).
    const read = [];
    for (const r of [labelled, plain])
      read.push((await c.call("thread/read", { threadId: r.thread.id })).thread.threadSource ?? null);
    const resumed = [];
    for (const r of [labelled, rooted, plain]) {
      const back = await c.call("thread/resume", { threadId: r.thread.id });
      resumed.push({ ...shown(back.thread), responseRoots: back.runtimeWorkspaceRoots });
    }
    await c.close();
    const norm = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(tmp, "<tmp>"));
    return norm({ answers, announced, metas, resumed, listed, listedLoaded, read });
  };

  it("shows them on the fork, records them in its session_meta and shows them again on resume, as 0.166.0 does", async () => {
    const ours = await run(OURS, "ours");
    expect(ours.answers).toEqual([
      { threadSource: "review-bot", roots: ["<tmp>/project"], responseRoots: ["<tmp>/project"] },
      {
        threadSource: null,
        roots: ["<tmp>/project", "<tmp>/other"],
        responseRoots: ["<tmp>/project", "<tmp>/other"],
      },
      { threadSource: null, roots: ["<tmp>/project"], responseRoots: ["<tmp>/project"] },
      { threadSource: "started-bot", roots: ["<tmp>/other"], responseRoots: ["<tmp>/other"] },
    ]);
    expect(ours.metas).toEqual([
      { thread_source: "review-bot", runtime_workspace_roots: null },
      { thread_source: null, runtime_workspace_roots: ["<tmp>/project", "<tmp>/other"] },
      { thread_source: null, runtime_workspace_roots: null },
    ]);
    expect(ours.resumed).toEqual(ours.answers.slice(0, 3));
    expect(ours.listed.every((s: unknown) => s === null)).toBe(true);
    expect(ours.listedLoaded.every((s: unknown) => s === null)).toBe(true);
    expect(ours.read).toEqual(["review-bot", null]);
    if (!CODEX_0166_BIN) return;
    const native = await run([CODEX_0166_BIN], "native");
    const { metas: oursMetas, read: _oursRead, ...oursRest } = ours;
    const { metas: nativeMetas, read: _nativeRead, ...nativeRest } = native;
    expect(oursRest).toEqual(nativeRest);
    // 0.166.0 records the fork's cwd as its roots when none are given; this server records roots only when given.
    const sources = (m: { thread_source: unknown }[]) => m.map((x) => x.thread_source);
    expect(sources(oursMetas)).toEqual(sources(nativeMetas));
    expect(nativeMetas[1].runtime_workspace_roots).toEqual(oursMetas[1].runtime_workspace_roots);
  }, 120_000);
});

describe("thread/fork {ephemeral} and thread/start {ephemeral}", () => {
  /** The rollout files under `sessions/` and `archived_sessions/`. */
  async function rollouts(home: string): Promise<string[]> {
    const found: string[] = [];
    for (const dir of ["sessions", "archived_sessions"])
      for (const e of await fs
        .readdir(path.join(home, dir), { recursive: true, withFileTypes: true })
        .catch(() => []))
        if (e.isFile()) found.push(path.relative(home, path.join(e.parentPath, e.name)));
    return found.sort();
  }

  const run = async (command: string[], name: string) => {
    const { home, id } = await store(name);
    const files = await rollouts(home);
    let c = await start(command, home);
    const steps: unknown[] = [];
    const outcome = async (method: string, params: Record<string, unknown>) => {
      const m = await c.raw(method, params);
      return m.error ? { error: m.error } : "ok";
    };
    // The source's turns (their ids are the live ones, new in every store): the fork's are named by position.
    const sourceTurns = (await c.call("thread/read", { threadId: id, includeTurns: true })).thread.turns.map(
      (t) => t.id,
    );
    const fork = await c.call("thread/fork", { threadId: id, ephemeral: true });
    const eph = fork.thread.id;
    steps.push({
      path: fork.thread.path ?? null,
      ephemeral: fork.thread.ephemeral,
      preview: fork.thread.preview,
      forkedFromSource: fork.thread.forkedFromId === id,
      turns: fork.thread.turns.map((t) => [sourceTurns.indexOf(t.id), t.status, t.items.map((i) => i.type)]),
    });
    steps.push({ listed: (await c.call("thread/list", {})).data.map((t) => t.id === eph) });
    steps.push({ loaded: (await c.call("thread/loaded/list", {})).data.includes(eph) });
    steps.push(await outcome("thread/read", { threadId: eph, includeTurns: true }));
    const read = await c.call("thread/read", { threadId: eph });
    steps.push({ readPath: read.thread.path ?? null, readEphemeral: read.thread.ephemeral });
    steps.push(await outcome("thread/turns/list", { threadId: eph }));
    // A turn on the fork: the model gets the source's history; nothing is written.
    const before = mock.requests.length;
    mock.enqueue(responses.turn(responses.message("Ephemeral answer.")));
    await c.turn(eph, "Ephemeral question");
    const texts = userTexts(mock.requests[before]!.body);
    steps.push({ texts });
    steps.push({ written: (await rollouts(home)).filter((f) => !files.includes(f)) });
    for (const method of ["thread/resume", "thread/fork", "thread/archive"])
      steps.push(await outcome(method, { threadId: eph }));
    steps.push(await outcome("thread/name/set", { threadId: eph, name: "A name" }));
    // A new ephemeral thread: no rollout either.
    const started = await c.call("thread/start", { cwd, ephemeral: true });
    mock.enqueue(responses.turn(responses.message("Started answer.")));
    await c.turn(started.thread.id, "Started question");
    steps.push({
      startedPath: started.thread.path ?? null,
      startedEphemeral: started.thread.ephemeral,
      written: (await rollouts(home)).filter((f) => !files.includes(f)),
    });
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
    // Gone with the process.
    c = await start(command, home);
    steps.push(await outcome("thread/read", { threadId: eph }));
    steps.push(await outcome("thread/resume", { threadId: eph }));
    await c.close();
    return JSON.parse(JSON.stringify(steps).replaceAll(eph, "<eph>"));
  };

  it("keeps them out of the store as 0.166.0 does: no rollout, not listed, gone with the process", async () => {
    const ours = await run(OURS, "ephemeral-ours");
    expect(ours[0]).toMatchObject({
      path: null,
      ephemeral: true,
      preview: "First question",
      forkedFromSource: true,
    });
    expect(ours[6]).toEqual({ texts: ["First question", "Ephemeral question"] });
    expect(ours[7]).toEqual({ written: [] });
    expect(ours[12]).toMatchObject({ startedPath: null, written: [] });
    if (!CODEX_0166_BIN) return;
    const native = await run([CODEX_0166_BIN], "ephemeral-native");
    expect(ours).toEqual(native);
  }, 120_000);
});
