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
 * A thread whose rollout another process removed: `thread/resume` of it (loaded, or only indexed) answers a clear
 * JSON-RPC error, as do the history reads of the loaded one, in codex 0.166.0's words (compared with it, reading the
 * same store, when it is present); the loaded thread is not stuck (it takes a turn) and the server goes on serving.
 */
let tmp: string;
let mock: MockModelServer;
const clients: ModernClient[] = [];

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-vanished-")));
  mock = await startMockModelServer();
});
afterAll(async () => {
  for (const c of clients) if (c.running) await c.close();
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function start(command: string[], home: string): Promise<ModernClient> {
  const c = await ModernClient.start(command, { codexHome: home, cwd: tmp });
  clients.push(c);
  return c;
}

/** Two stored threads of one turn each, written by this server (legacy rollouts); their ids and rollout paths. */
async function twoThreads(home: string): Promise<{ id: string; path: string }[]> {
  const c = await start(OURS, home);
  const made: { id: string; path: string }[] = [];
  for (const text of ["first", "second"]) {
    const { thread } = await c.call("thread/start", { cwd: tmp });
    mock.enqueue(responses.turn(responses.message("Answer.")));
    await c.turn(thread.id, text);
    made.push({ id: thread.id, path: thread.path as string });
  }
  await c.close();
  return made;
}

/** What `command` answers about the two threads once their rollouts are gone, the second one loaded before. */
async function afterVanishing(command: string[], name: string) {
  const home = await mockCodexHome(mock.baseUrl, { dir: path.join(tmp, name), modern: true });
  const [stored, loaded] = (await twoThreads(home)) as [
    { id: string; path: string },
    { id: string; path: string },
  ];
  const c = await start(command, home);
  await c.call("thread/resume", { threadId: loaded.id });
  await fs.rm(stored.path);
  await fs.rm(loaded.path);
  const error = async (method: string, params: unknown) => {
    const m = await c.raw(method, params);
    const err = m.error as { code: number; message: string } | undefined;
    return err
      ? {
          code: err.code,
          message: err.message
            .replaceAll(home, "<home>")
            .replaceAll(loaded.id, "<id>")
            .replace(/\/sessions\/.*-<id>\.jsonl/, "/sessions/<file>"),
        }
      : { result: "unexpected" };
  };
  const answers = {
    resumeLoaded: await error("thread/resume", { threadId: loaded.id }),
    readLoaded: await error("thread/read", { threadId: loaded.id, includeTurns: true }),
    turnsLoaded: await error("thread/turns/list", { threadId: loaded.id }),
    resumeStored: await error("thread/resume", { threadId: stored.id }),
  };
  // The loaded thread still takes a turn, and the server still lists threads.
  mock.enqueue(responses.turn(responses.message("Still here.")));
  const turn = await c.turn(loaded.id, "again");
  const list = await c.call("thread/list", {});
  await c.close();
  return { answers, turned: typeof turn === "string", listed: Array.isArray(list.data), storedId: stored.id };
}

describe("0.166 threads whose rollout vanished", () => {
  it("resume and history reads answer 0.166.0's errors; the loaded thread goes on", async () => {
    const ours = await afterVanishing(OURS, "ours");
    expect(ours.answers).toEqual({
      resumeLoaded: {
        code: -32600,
        message: "failed to resolve rollout path `<home>/sessions/<file>`: file does not exist",
      },
      readLoaded: {
        code: -32600,
        message: "thread <id> is not materialized yet; includeTurns is unavailable before first user message",
      },
      turnsLoaded: {
        code: -32600,
        message:
          "thread <id> is not materialized yet; thread/turns/list is unavailable before first user message",
      },
      // 0.166.0 names the path its index still holds (README: deliberate differences).
      resumeStored: { code: -32600, message: `no rollout found for thread id ${ours.storedId}` },
    });
    expect(ours.turned && ours.listed).toBe(true);
    if (CODEX_0166_BIN) {
      const native = await afterVanishing([CODEX_0166_BIN], "native");
      const { resumeStored: _ours, ...oursLoaded } = ours.answers;
      const { resumeStored, ...nativeLoaded } = native.answers;
      expect(nativeLoaded).toEqual(oursLoaded);
      expect(resumeStored.code).toBe(-32600);
      expect(native.turned && native.listed).toBe(true);
    }
  }, 60_000);
});
