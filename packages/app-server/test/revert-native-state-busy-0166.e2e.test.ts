import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";
import { revert, runTurn } from "./helpers/reverted-0166.js";

/**
 * `thread/revert` here points codex 0.166.0's state database (`state_5.sqlite`, `threads.rollout_path`) at the new
 * continuation. While another process holds that database locked (here the test, with `BEGIN EXCLUSIVE`, as a
 * running 0.166.0 writing it would), the revert is answered and the server goes on answering other requests; the row
 * is updated once the lock is released.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "revert-native-state-test", version: "1.0" };
if (!CODEX_0166_BIN) console.warn("revert native state: codex 0.166.0 not found (CODEX_0166_BIN); skipped");

/** What the test uses of a better-sqlite3 connection. */
interface Connection {
  exec(sql: string): void;
  prepare(sql: string): { get(...args: unknown[]): unknown };
  close(): void;
}

/** better-sqlite3, as core (which depends on it) resolves it (this package has no dependency of its own on it). */
function sqliteDriver(): new (file: string, o: { fileMustExist: boolean }) => Connection {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const core = fs.realpathSync(path.join(here, "..", "node_modules", "@codex-ts", "core", "package.json"));
  return createRequire(core)("better-sqlite3");
}

describe.skipIf(!CODEX_0166_BIN)("thread/revert while 0.166.0's state database is locked", () => {
  it("answers, serves other requests meanwhile, and updates the row after the lock is released", {
    timeout: 180_000,
  }, async () => {
    const real = await startMockServer0166(suite, "real", {
      client: CLIENT,
      prefix: "codex-0166-revert-busy-",
    });
    const home = path.join(real.root, "codex-home");
    const { thread } = await real.c.request("thread/start", { cwd: real.root });
    const id = thread.id;
    await runTurn(real, id, "one");
    const t2 = await runTurn(real, id, "two");
    await real.c.close();

    const Driver = sqliteDriver();
    const holder = new Driver(path.join(home, "state_5.sqlite"), { fileMustExist: true });
    const row = () =>
      (holder.prepare("SELECT rollout_path FROM threads WHERE id = ?").get(id) as { rollout_path: string })
        .rollout_path;
    const before = row();
    expect(before).toBe(thread.path);
    const ours = await startOnHome0166(suite, "ours", { home, cwd: real.root, client: CLIENT });
    await ours.request("thread/resume", { threadId: id });
    holder.exec("BEGIN EXCLUSIVE");
    let locked = true;
    try {
      const reverted = (await revert({ ...real, c: ours }, id, t2)) as { thread: { path: string } };
      const continuation = reverted.thread.path;
      expect(continuation).not.toBe(before);
      // Other requests are answered while the database stays locked, and the row is not written yet.
      const listed = await ours.request("thread/list", {});
      expect(listed.data.map((t) => t.id)).toContain(id);
      const read = await ours.request("thread/read", { threadId: id, includeTurns: true });
      expect(read.thread.turns).toHaveLength(1);
      expect(row()).toBe(before);
      holder.exec("COMMIT");
      locked = false;
      // Once released, the deferred update lands: 0.166.0 resumes the thread from the continuation.
      await ours.waitUntil(() => row() === continuation, "the row pointed at the continuation");
      expect(ours.stderr).not.toContain("state database not pointed");
    } finally {
      if (locked) holder.exec("ROLLBACK");
      holder.close();
    }
    await ours.close();
  });
});
