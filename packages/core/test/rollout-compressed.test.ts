import { execFileSync } from "node:child_process";
import { cp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SessionsStore } from "../src/index.js";
import { decompressPrefix, restoreCompressed } from "../src/rollout/compressed.js";

/** Whether the zstd CLI is installed (to make a frame bigger than one read; nothing here compresses). */
const HAS_ZSTD = (() => {
  try {
    execFileSync("zstd", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Rollouts codex 0.166.0's `rollout/compress` replaced by `….jsonl.zst` (the fixture is 0.166.0's own output): listed
 * like any other, restored to `.jsonl` (same bytes, same mtime) the first time the thread is read, and a frame that
 * does not decode refused in words that say so, with nothing lost.
 */
const FIXTURES = join(import.meta.dirname, "fixtures");
const ID = "01a241ad-5417-7fb3-9c8e-24f0707d17b2";
const DAY = "sessions/2025/10/01";
const NAME = `rollout-2025-10-01T10-00-00-${ID}.jsonl`;
const ORIGINAL = join(
  FIXTURES,
  "rollouts-0166/sessions/2026/12/04",
  `rollout-2026-12-04T15-30-08-${ID}.jsonl`,
);

let home: string;
let store: SessionsStore;
beforeEach(async () => {
  home = await tempDir("codex-compressed-");
  await cp(join(FIXTURES, "rollouts-0166-compressed/sessions"), join(home, "sessions"), { recursive: true });
  store = new SessionsStore(home);
});
afterEach(async () => {
  store.close();
  await rm(home, { recursive: true, force: true, maxRetries: 5 });
});

const exists = (rel: string) =>
  stat(join(home, rel)).then(
    () => true,
    () => false,
  );

describe("rollouts 0.166.0 compressed", () => {
  it("are listed with their head, and restored to .jsonl when read", async () => {
    const before = await stat(join(home, DAY, `${NAME}.zst`));
    const [row] = (await store.listThreads({ defaultProvider: "openai" })).items;
    expect(row).toMatchObject({ conversationId: ID, historyMode: "paginated" });
    expect(row!.preview.length).toBeGreaterThan(0);
    // Listing reads, never writes.
    expect(await exists(`${DAY}/${NAME}.zst`)).toBe(true);
    expect(await exists(`${DAY}/${NAME}`)).toBe(false);

    const turns = await store.listTurns({ threadId: ID }, { sortDirection: "asc" });
    expect(turns.turns.length).toBe(7);
    expect(await exists(`${DAY}/${NAME}.zst`)).toBe(false);
    expect(await readFile(join(home, DAY, NAME))).toEqual(await readFile(ORIGINAL));
    expect(Math.abs((await stat(join(home, DAY, NAME))).mtimeMs - before.mtimeMs)).toBeLessThan(1);
    // Found by id from now on, listed once.
    expect(await store.findPathById(ID)).toBe(join(home, DAY, NAME));
    expect(
      (await store.listThreads({ defaultProvider: "openai" })).items.map((t) => t.conversationId),
    ).toEqual([ID]);
  });

  it("archived by its path as it is, and listed there", async () => {
    const zst = join(home, DAY, `${NAME}.zst`);
    const archived = await store.archive(ID, zst);
    expect(archived).toBe(join(home, "archived_sessions", `${NAME}.zst`));
    const page = await store.listThreads({ defaultProvider: "openai", archived: true });
    expect(page.items.map((t) => t.conversationId)).toEqual([ID]);
  });

  it.skipIf(!HAS_ZSTD)("a frame many reads long is decoded whole, and its prefix alone", async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) =>
      JSON.stringify({ i, text: `line ${i} ${(i * 7919).toString(36)}` }),
    );
    const text = `${lines.join("\n")}\n`;
    const plain = join(home, DAY, `rollout-2025-10-01T11-00-00-01a241ad-5417-7fb3-9c8e-24f0707d17b3.jsonl`);
    await writeFile(`${plain}.src`, text);
    execFileSync("zstd", ["-q", "-1", `${plain}.src`, "-o", `${plain}.zst`]);
    await rm(`${plain}.src`);
    expect((await stat(`${plain}.zst`)).size).toBeGreaterThan(64 * 1024);
    expect((await decompressPrefix(`${plain}.zst`, 100_000)).bytes.toString()).toBe(text.slice(0, 100_000));
    expect(await restoreCompressed(`${plain}.zst`)).toBe(plain);
    expect(await readFile(plain, "utf8")).toBe(text);
  });

  it("a frame that does not decode is refused and left as it was", async () => {
    const zst = join(home, DAY, `${NAME}.zst`);
    const bytes = await readFile(zst);
    const torn = bytes.subarray(0, bytes.length >> 1);
    await writeFile(zst, torn);
    await expect(store.listTurns({ threadId: ID })).rejects.toThrow(/failed to decompress rollout/);
    expect(await readFile(zst)).toEqual(torn);
    expect(await exists(`${DAY}/${NAME}`)).toBe(false);
    // Listing it does not fail the page.
    await expect(store.listThreads({ defaultProvider: "openai" })).resolves.toBeDefined();
  });
});
