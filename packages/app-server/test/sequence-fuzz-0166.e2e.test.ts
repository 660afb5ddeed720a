import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import {
  CLI_MAIN,
  JsonRpcChild,
  mockCodexHome,
  type RpcMessage,
  type SeededRandom,
  seededRandom,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { LEAKED_JS_FAILURE } from "./helpers/leaked-failure.js";
import { heldAnswer } from "./helpers/model-scripts.js";

/**
 * Seeded random sequences of 0.166 thread operations racing each other — `thread/start`, `turn/start` (the mock
 * model streams slowly: its answers hold after the first word for a while), `turn/interrupt`, `thread/archive`,
 * `thread/unarchive`, `thread/delete`, `thread/unsubscribe` (unloading at once: `thread_unload_delay_secs = 0`),
 * `thread/resume`, `thread/fork`, `thread/name/set` — with these invariants: every request is answered (within
 * `ANSWER_MS`), none with a leaked JavaScript failure; each `turn/started` gets exactly one `turn/completed` (on a
 * thread the client never unsubscribed from: an unsubscribed client is told nothing more); the server exits 0; and on
 * disk no rollout is both archived and live. `sequence-fuzz.e2e.test.ts` is the 0.58 and random-model template.
 */

const SEEDS = [612, 7, 2024];
const OPERATIONS = 150;
const MAX_IN_FLIGHT = 12;
const ANSWER_MS = 30_000;

/** A slow answer: its first word, then the rest after 50–800 ms (a turn an operation may well meet running). */
function slowAnswer(r: SeededRandom) {
  const ms = 50 + Math.floor(r.next() * 750);
  return heldAnswer(8, new Promise((done) => setTimeout(done, ms)));
}

const text = (t: string) => [{ type: "text", text: t }];

/** The ids of the rollout files under `dir` (their names end with the thread id). */
async function rolloutIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => []))
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else {
        const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl/.exec(e.name);
        if (m?.[1]) ids.push(m[1]);
      }
  };
  await walk(dir);
  return ids;
}

async function runSeed(seed: number): Promise<string[]> {
  const r = seededRandom(seed);
  const mock = await startMockModelServer([], {
    routes: [{ name: "slow", match: () => true, answer: () => slowAnswer(r) }],
  });
  const problems: string[] = [];
  try {
    const home = await mockCodexHome(mock.baseUrl, { modern: true, toml: "thread_unload_delay_secs = 0" });
    const work = await tempDir("codex-sequence0166-work-");
    const child = spawn(process.execPath, [CLI_MAIN, "app-server"], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const rpc = new JsonRpcChild(child, { jsonrpc: false, onRequest: () => ({ decision: "accept" }) });
    await rpc.request("initialize", {
      clientInfo: { name: "sequence", title: null, version: "1" },
      capabilities: { experimentalApi: true },
    });
    rpc.notify("initialized");

    const threads: string[] = [];
    const unsubscribed = new Set<string>();
    const inFlight = new Set<Promise<RpcMessage | undefined>>();
    const send = (method: string, params: Record<string, unknown>) => {
      const sent: Promise<RpcMessage | undefined> = rpc.request(method, params, ANSWER_MS).then(
        (answer) => {
          const error = answer.error as { code?: number; message?: string } | undefined;
          if (error && (typeof error.message !== "string" || LEAKED_JS_FAILURE.test(error.message)))
            problems.push(`${method}: ${JSON.stringify(error).slice(0, 200)}`);
          return answer;
        },
        (err: Error) => {
          problems.push(`seed ${seed}: ${method} ${JSON.stringify(params)}: ${err.message.slice(0, 300)}`);
          return undefined;
        },
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      return sent;
    };
    const onThread = (method: string, extra: Record<string, unknown> = {}) =>
      threads.length > 0 ? send(method, { threadId: r.pick(threads), ...extra }) : undefined;
    const remember = async (answer: Promise<RpcMessage | undefined> | undefined) => {
      const id = ((await answer)?.result as { thread?: { id?: string } } | undefined)?.thread?.id;
      if (id) threads.push(id);
    };
    const operations = [
      () =>
        remember(send("thread/start", { cwd: work, approvalPolicy: "never", sandbox: "danger-full-access" })),
      // A new thread with a turn at once (most other operations meet a thread mid-turn then).
      async () => {
        const answer = await send("thread/start", {
          cwd: work,
          approvalPolicy: "never",
          sandbox: "danger-full-access",
        });
        const id = (answer?.result as { thread?: { id?: string } } | undefined)?.thread?.id;
        if (!id) return;
        threads.push(id);
        await send("turn/start", { threadId: id, input: text("first") });
      },
      () => onThread("turn/start", { input: text("hi") }),
      () => onThread("turn/start", { input: text("more") }),
      () => onThread("turn/start", { input: text("again") }),
      () => onThread("turn/interrupt", { turnId: "" }),
      () => onThread("thread/archive"),
      () => onThread("thread/unarchive"),
      () => onThread("thread/delete"),
      async () => {
        if (threads.length === 0) return;
        const threadId = r.pick(threads);
        const answer = await send("thread/unsubscribe", { threadId });
        if ((answer?.result as { status?: string } | undefined)?.status === "unsubscribed")
          unsubscribed.add(threadId);
      },
      () => onThread("thread/resume"),
      () => remember(onThread("thread/fork")),
      () => onThread("thread/name/set", { name: `name ${Math.floor(r.next() * 100)}` }),
    ];
    const running = new Set<Promise<unknown>>();
    for (let i = 0; i < OPERATIONS; i++) {
      const op = Promise.resolve(r.pick(operations)());
      running.add(op);
      void op.finally(() => running.delete(op));
      if (r.next() < 0.5) await new Promise((done) => setTimeout(done, Math.floor(r.next() * 60)));
      if (inFlight.size > MAX_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(running);
    await Promise.all(inFlight);
    // Every turn still running is interrupted; then each turn the client saw start must have ended once.
    const loaded = await send("thread/loaded/list", {});
    for (const threadId of (loaded?.result as { data?: string[] } | undefined)?.data ?? [])
      await send("turn/interrupt", { threadId, turnId: "" });
    const turnsOf = (method: string) =>
      rpc.log
        .filter((e) => e.dir === "in" && e.msg.method === method)
        .map((e) => e.msg.params as { threadId: string; turn: { id: string } });
    const ended = () => {
      const counts = new Map<string, number>();
      for (const t of turnsOf("turn/completed")) counts.set(t.turn.id, (counts.get(t.turn.id) ?? 0) + 1);
      return counts;
    };
    const followed = () => turnsOf("turn/started").filter((t) => !unsubscribed.has(t.threadId));
    await rpc
      .waitFor(() => followed().every((t) => ended().has(t.turn.id)), { timeoutMs: ANSWER_MS })
      .catch(() => undefined);
    // Nothing is answered or sent after the last answer but what was in flight: one more request settles the wire.
    await send("thread/list", { limit: 5 });
    const counts = ended();
    for (const t of followed()) {
      const n = counts.get(t.turn.id) ?? 0;
      if (n !== 1)
        problems.push(`seed ${seed}: turn ${t.turn.id} of thread ${t.threadId}: ${n} turn/completed`);
    }
    for (const [id, n] of counts) if (n > 1) problems.push(`seed ${seed}: turn ${id}: ${n} turn/completed`);
    expect(threads.length).toBeGreaterThan(2);
    expect(await rpc.close()).toEqual({ code: 0, signal: null });
    expect(rpc.stderr).not.toMatch(/Uncaught|unhandled|TypeError/i);
    // On disk: no thread both archived and live.
    const live = new Set(await rolloutIds(path.join(home, "sessions")));
    for (const id of await rolloutIds(path.join(home, "archived_sessions")))
      if (live.has(id)) problems.push(`seed ${seed}: thread ${id} is both archived and live on disk`);
  } finally {
    await mock.close();
  }
  return problems;
}

describe("0.166 thread operations racing each other in random order", () => {
  for (const seed of SEEDS)
    it(`seed ${seed}: every request answered, every turn ended once, the store consistent`, async () => {
      expect(await runSeed(seed)).toEqual([]);
    }, 180_000);
});
