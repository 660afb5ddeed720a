import fs from "node:fs";
import path from "node:path";
import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";
import { revert, rolloutFiles, runTurn } from "./helpers/reverted-0166.js";

/**
 * `thread/search` of a thread codex 0.166.0 reverted finds text anywhere in its kept history (the first rollout up
 * to where the revert cut it, then the continuation), never in the reverted turns, and finds it just the same once
 * 0.166.0's `rollout/compress` compressed every rollout of the chain, reading them in place: a search writes nothing.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "revert-search-test", version: "1.0" };
if (!CODEX_0166_BIN) console.warn("revert search: codex 0.166.0 not found (CODEX_0166_BIN); skipped");

type Any = (m: string, p: unknown) => Promise<{ data: { thread: { id: string }; snippet: string }[] }>;
type Server = Awaited<ReturnType<typeof startOnHome0166>>;
const search = async (c: Server, searchTerm: string) =>
  (await (c.request as unknown as Any)("thread/search", { searchTerm })).data.map((d) => [
    d.thread.id,
    d.snippet,
  ]);

describe.skipIf(!CODEX_0166_BIN)("thread/search of threads codex 0.166.0 reverted and compressed", () => {
  it("finds the kept history across the chain, in place", { timeout: 180_000 }, async () => {
    const real = await startMockServer0166(suite, "real", {
      client: CLIENT,
      prefix: "codex-0166-revert-search-",
    });
    const home = path.join(real.root, "codex-home");
    const a = (await real.c.request("thread/start", { cwd: real.root, model: "gpt-5.5" })).thread.id;
    await runTurn(real, a, "alpha");
    const cut = await runTurn(real, a, "bravo");
    await revert(real, a, cut);
    await runTurn(real, a, "delta");
    // 0.166.0 searches the newest continuation only: it misses "alpha", which the thread still shows.
    expect(await search(real.c, "alpha")).toEqual([]);
    expect(await search(real.c, "delta")).toEqual([[a, "delta"]]);
    expect(await search(real.c, "bravo")).toEqual([]);
    await real.c.close();

    const expectFound = async (c: Server) => {
      expect(await search(c, "ALPHA")).toEqual([[a, "alpha"]]);
      expect(await search(c, "re alpha")).toEqual([[a, "re alpha"]]);
      expect(await search(c, "delta")).toEqual([[a, "delta"]]);
      expect(await search(c, "bravo")).toEqual([]);
      const listed = await c.request("thread/list", { searchTerm: "alpha" });
      expect(listed.data.map((t) => t.id)).toEqual([a]);
    };
    const ours = await startOnHome0166(suite, "ours", { home, cwd: real.root, client: CLIENT });
    await expectFound(ours);
    await ours.close();

    // 0.166.0 compresses rollouts older than its threshold: the chain is aged, then compressed by it.
    const config = path.join(home, "config.toml");
    fs.writeFileSync(
      config,
      fs
        .readFileSync(config, "utf8")
        .replace("[features]", "[features]\nlocal_thread_store_compression = true"),
    );
    const old = new Date("2025-10-01T10:00:00Z");
    for (const f of rolloutFiles(home)) fs.utimesSync(path.join(home, f), old, old);
    const compressor = await startOnHome0166(suite, "real", { home, cwd: real.root, client: CLIENT });
    await (compressor.request as unknown as (m: string, p: unknown) => Promise<unknown>)(
      "rollout/compress",
      {},
    );
    await compressor.close();
    const compressed = rolloutFiles(home);
    expect(compressed.filter((f) => f.includes(a))).toHaveLength(2);
    expect(compressed.every((f) => f.endsWith(".jsonl.zst"))).toBe(true);

    const again = await startOnHome0166(suite, "ours", { home, cwd: real.root, client: CLIENT });
    await expectFound(again);
    await again.close();
    expect(rolloutFiles(home)).toEqual(compressed);
  });
});
