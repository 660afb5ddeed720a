import fs from "node:fs";
import path from "node:path";
import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";
import { continuationFiles, revert, runTurn } from "./helpers/reverted-0166.js";

/**
 * The sessions index learns the continuations of threads codex 0.166.0 reverted (index-tips.ts): `thread/list`
 * shows a reverted thread once, with the `updatedAt` of its newest continuation, and orders `updated_at` listings
 * by it, also when 0.166.0 appends to the continuation while this server's index is warm.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "revert-index-test", version: "1.0" };
if (!CODEX_0166_BIN) console.warn("revert index: codex 0.166.0 not found (CODEX_0166_BIN); skipped");

type Row = { id: string; updatedAt: number };
const rows = (page: { data: Row[] }) => page.data.map((t) => ({ id: t.id, updatedAt: t.updatedAt }));
const mtimeSec = (home: string, rel: string) => Math.floor(fs.statSync(path.join(home, rel)).mtimeMs / 1000);

describe.skipIf(!CODEX_0166_BIN)("thread/list of threads codex 0.166.0 reverted", () => {
  it("lists a reverted thread once, updated when its newest continuation was", {
    timeout: 180_000,
  }, async () => {
    const real = await startMockServer0166(suite, "real", {
      client: CLIENT,
      prefix: "codex-0166-revert-index-",
    });
    const home = path.join(real.root, "codex-home");
    const a = (await real.c.request("thread/start", { cwd: real.root, model: "gpt-5.5" })).thread.id;
    await runTurn(real, a, "one");
    const a2 = await runTurn(real, a, "two");
    // A second thread written after the first one's first rollout, before its revert.
    await new Promise((r) => setTimeout(r, 1100)); // whole seconds apart: updatedAt is in seconds
    const b = (await real.c.request("thread/start", { cwd: real.root, model: "gpt-5.5" })).thread.id;
    await runTurn(real, b, "other");
    await new Promise((r) => setTimeout(r, 1100));
    await revert(real, a, a2);
    await runTurn(real, a, "three");
    const realByUpdated = rows(await real.c.request("thread/list", { sortKey: "updated_at" }));
    const realRead = await real.c.request("thread/read", { threadId: a });
    await real.c.close();
    const [tip] = continuationFiles(home, a);
    expect(tip).toBeDefined();

    const ours = await startOnHome0166(suite, "ours", { home, cwd: real.root, client: CLIENT });
    const byCreated = rows(await ours.request("thread/list", {}));
    expect(byCreated.map((r) => r.id)).toEqual([b, a]);
    expect(byCreated.find((r) => r.id === a)!.updatedAt).toBe(mtimeSec(home, tip!));
    const byUpdated = rows(await ours.request("thread/list", { sortKey: "updated_at" }));
    expect(byUpdated).toEqual([
      { id: a, updatedAt: mtimeSec(home, tip!) },
      { id: b, updatedAt: byCreated.find((r) => r.id === b)!.updatedAt },
    ]);
    // 0.166.0 itself orders and dates them the same, but lists the reverted thread a second time, dated by its
    // first rollout (its state database has a row per rollout file): this server lists each thread once.
    expect(realByUpdated.slice(0, 2)).toEqual(byUpdated);
    expect(realByUpdated.slice(2)).toEqual([{ id: a, updatedAt: expect.any(Number) }]);
    // Shown at its newest continuation, listed and read, as 0.166.0 shows it.
    const listedA = (await ours.request("thread/list", {})).data.find((t) => t.id === a)!;
    expect(listedA.path).toBe(path.join(home, tip!));
    expect((await ours.request("thread/read", { threadId: a })).thread.path).toBe(path.join(home, tip!));
    expect(realRead.thread.path).toBe(path.join(home, tip!));
    expect((await ours.request("thread/read", { threadId: a })).thread.updatedAt).toBe(mtimeSec(home, tip!));
    // Paged one at a time, each thread comes once.
    const first = await ours.request("thread/list", { sortKey: "updated_at", limit: 1 });
    const second = await ours.request("thread/list", {
      sortKey: "updated_at",
      limit: 1,
      cursor: first.nextCursor,
    });
    expect([...first.data, ...second.data].map((t) => t.id)).toEqual([a, b]);
    expect(second.nextCursor).toBeNull();

    // 0.166.0 appends to the continuation while this server's index is warm: the next listing has its time.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await startOnHome0166(suite, "real", { home, cwd: real.root, client: CLIENT });
    await again.request("thread/resume", { threadId: b });
    await runTurn({ c: again, mock: real.mock, root: real.root }, b, "later");
    await new Promise((r) => setTimeout(r, 1100));
    await again.request("thread/resume", { threadId: a });
    await runTurn({ c: again, mock: real.mock, root: real.root }, a, "four");
    await again.close();
    expect(continuationFiles(home, a)).toEqual([tip]);
    const after = rows(await ours.request("thread/list", { sortKey: "updated_at" }));
    expect(after.map((r) => r.id)).toEqual([a, b]);
    expect(after[0]!.updatedAt).toBe(mtimeSec(home, tip!));
    expect(after[0]!.updatedAt).toBeGreaterThan(byUpdated[0]!.updatedAt);
    await ours.close();
  });
});
