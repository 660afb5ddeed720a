import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Message } from "@codex-ts/test-support";
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
 * What `thread/read {includeTurns}`, `thread/resume` and `thread/fork` send besides their answer, with and without
 * the turns, side by side with codex 0.166.0 on the same store: a `deprecationNotice` first when a paginated
 * thread (one 0.166.0 wrote) is read whole, and `thread/tokenUsage/updated` after the answer only with the turns
 * (a resume that loads a paginated thread sends it anyway; one that rejoins a loaded thread repeats it).
 */

let tmp: string;
let mock: MockModelServer;
let cwd: string;
const clients: ModernClient[] = [];
const REAL = CODEX_0166_BIN ? [CODEX_0166_BIN] : null;

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-hydration-")));
  mock = await startMockModelServer();
  cwd = path.join(tmp, "project");
  await fs.mkdir(cwd);
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

/** A store holding one thread of one turn, written by `writer` (0.166.0's is paginated, ours legacy). */
async function store(writer: string[], name: string): Promise<{ home: string; id: string }> {
  const home = await mockCodexHome(mock.baseUrl, { modern: true, dir: path.join(tmp, name) });
  const c = await start(writer, home);
  const { thread } = await c.call("thread/start", { cwd });
  mock.enqueue(responses.turn(responses.message("First answer.")));
  await c.turn(thread.id, "First question");
  await c.close();
  return { home, id: thread.id };
}

/** A message as the comparison sees it: the notice's words, the answer's shape, other notifications by name. */
function shown(m: Message): unknown {
  if (m.method === "deprecationNotice") return m.params;
  if (m.method) return m.method;
  if (m.error) return { error: (m.error as { message: string }).message };
  const thread = (m.result as { thread?: { historyMode: string; turns: unknown[] } }).thread;
  return { answer: thread ? { historyMode: thread.historyMode, turns: thread.turns.length } : "ok" };
}

/** Each step's messages, up to the answer and the notifications it causes (the goal's report ends each request). */
async function script(command: string[], home: string, id: string): Promise<Record<string, unknown[]>> {
  const steps: Record<string, unknown[]> = {};
  let c = await start(command, home);
  /** Sends a request; its messages are those up to the answer, or up to the notification `last` after it. */
  const step = async (label: string, last: string | null, send: () => Promise<unknown>) => {
    const from = c.mark();
    await send();
    if (last) await c.waitFor((m) => m.method === last, { from });
    steps[label] = c
      .received(from)
      .filter(
        (m) => m.method !== "remoteControl/status/changed" && m.method !== "mcpServer/startupStatus/updated",
      )
      .map(shown);
  };
  // The goal's report ends a resume's messages, the new thread's announcement a fork's.
  const cleared = "thread/goal/cleared";
  const started = "thread/started";
  await step("read whole", null, () => c.call("thread/read", { threadId: id, includeTurns: true }));
  await step("load without turns", cleared, () =>
    c.call("thread/resume", { threadId: id, excludeTurns: true }),
  );
  await step("rejoin without turns", cleared, () =>
    c.call("thread/resume", { threadId: id, excludeTurns: true }),
  );
  await step("rejoin with turns", cleared, () => c.call("thread/resume", { threadId: id }));
  await step("fork without turns", started, () =>
    c.call("thread/fork", { threadId: id, excludeTurns: true }),
  );
  await step("fork with turns", started, () => c.call("thread/fork", { threadId: id }));
  await c.close();
  c = await start(command, home);
  await step("load with turns", cleared, () => c.call("thread/resume", { threadId: id }));
  await c.close();
  return steps;
}

const RESUME_NOTICE = {
  summary:
    "Full-history hydration is deprecated for paginated threads; use `excludeTurns: true`, then page with `thread/turns/list` and `thread/items/list`.",
  details: null,
};
const READ_NOTICE = {
  summary:
    "Full-history hydration is deprecated for paginated threads; omit `includeTurns` or set it to `false`, then page with `thread/turns/list` and `thread/items/list`.",
  details: null,
};

/** What 0.166.0 sends (verified with the binary), for a store of `historyMode`. */
function expected(historyMode: "legacy" | "paginated"): Record<string, unknown[]> {
  const paginated = historyMode === "paginated";
  const notice = (n: unknown) => (paginated ? [n] : []);
  const answer = (turns: number) => ({ answer: { historyMode, turns } });
  const usage = "thread/tokenUsage/updated";
  const status = "thread/status/changed";
  const cleared = "thread/goal/cleared";
  return {
    "read whole": [...notice(READ_NOTICE), answer(1)],
    "load without turns": [status, answer(0), ...(paginated ? [usage] : []), cleared],
    "rejoin without turns": [answer(0), cleared],
    "rejoin with turns": [...notice(RESUME_NOTICE), answer(1), usage, cleared],
    "fork without turns": [answer(0), "thread/started"],
    "fork with turns": [...notice(RESUME_NOTICE), answer(1), usage, "thread/started"],
    "load with turns": [...notice(RESUME_NOTICE), status, answer(1), usage, cleared],
  };
}

describe("full-history hydration: deprecationNotice and token usage", () => {
  it.each([
    ["paginated", "a store written by 0.166.0"],
    ["legacy", "a store written by this server"],
  ] as const)("%s threads (%s)", async (historyMode, _what) => {
    const writer = historyMode === "paginated" ? REAL : OURS;
    if (!writer) {
      console.warn("codex 0.166.0 not found (set CODEX_0166_BIN): no paginated store to read");
      return;
    }
    // 0.166.0 keeps its threads' paths in its state database: both servers run on the one store, in turn.
    const { home, id } = await store(writer, `store-${historyMode}`);
    if (REAL) expect(await script(REAL, home, id)).toEqual(expected(historyMode));
    expect(await script(OURS, home, id)).toEqual(expected(historyMode));
  });
});
