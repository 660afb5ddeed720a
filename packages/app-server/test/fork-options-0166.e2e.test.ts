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
    expect(c.schemaProblems()).toEqual([]);
    await c.close();
    // A new process: resumed, each thread shows what it was forked with again; listed, none shows a source.
    c = await start(command, home);
    const listed = (await c.call("thread/list", {})).data.map((t) => t.threadSource ?? null);
    const resumed = [];
    for (const r of [labelled, rooted, plain]) {
      const back = await c.call("thread/resume", { threadId: r.thread.id });
      resumed.push({ ...shown(back.thread), responseRoots: back.runtimeWorkspaceRoots });
    }
    await c.close();
    const norm = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(tmp, "<tmp>"));
    return norm({ answers, announced, metas, resumed, listed });
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
    if (!CODEX_0166_BIN) return;
    const native = await run([CODEX_0166_BIN], "native");
    const { metas: oursMetas, ...oursRest } = ours;
    const { metas: nativeMetas, ...nativeRest } = native;
    expect(oursRest).toEqual(nativeRest);
    // 0.166.0 records the fork's cwd as its roots when none are given; this server records roots only when given.
    const sources = (m: { thread_source: unknown }[]) => m.map((x) => x.thread_source);
    expect(sources(oursMetas)).toEqual(sources(nativeMetas));
    expect(nativeMetas[1].runtime_workspace_roots).toEqual(oursMetas[1].runtime_workspace_roots);
  }, 120_000);
});
