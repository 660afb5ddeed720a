import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, rm, truncate, unlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { tempDir } from "@codex-ts/test-support";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INDEX_FILE_NAME, type ListQuery, rolloutPathFor, SessionsStore } from "../src/index.js";
import { minutes, writeSession } from "./rollout-fixtures.js";

let home: string;
let store: SessionsStore;
let indexPath: string;

beforeEach(async () => {
  home = await tempDir("codex-index-");
  store = new SessionsStore(home);
  indexPath = join(home, INDEX_FILE_NAME);
});
afterEach(async () => {
  store.close();
});

/** Rows of the index: how many files it knows, and how many of their heads it caches. */
function indexRows(): { names: number; heads: number } {
  const db = new Database(indexPath, { readonly: true });
  try {
    return db.prepare("SELECT count(*) AS names, count(facts) AS heads FROM heads").get() as {
      names: number;
      heads: number;
    };
  } finally {
    db.close();
  }
}

async function everyPage(s: SessionsStore, query: Omit<ListQuery, "defaultProvider"> = {}) {
  const pages = [];
  let cursor: string | null = null;
  do {
    const page = await s.list({ ...query, cursor, defaultProvider: "openai" });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return pages;
}

/** A varied store: listable sessions among exec ones, other providers and sessions without input. */
async function makeVariedStore(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await writeSession(home, {
      at: minutes(i * 97),
      text: `task ${i}`,
      source: i % 7 === 3 ? "exec" : i % 11 === 5 ? "cli" : "vscode",
      provider: i % 5 === 1 ? "oss" : i % 13 === 2 ? null : "openai",
      userEvent: i % 9 !== 4,
    });
  }
}

describe("sessions index", () => {
  it("caches the heads a listing read, and gives the same pages as reading the files", async () => {
    await makeVariedStore(60);
    const plain = new SessionsStore(home, { index: false });
    for (const query of [
      { pageSize: 7 },
      { pageSize: 25, modelProviders: [] },
      { modelProviders: ["oss"] },
    ]) {
      const expected = await everyPage(plain, query);
      expect(await everyPage(store, query)).toEqual(expected); // cold: heads read and cached
      expect(await everyPage(store, query)).toEqual(expected); // warm: heads from the index
      expect(await everyPage(new SessionsStore(home), query)).toEqual(expected); // another store, same index
    }
    expect(existsSync(indexPath)).toBe(true);
    expect(indexRows()).toEqual({ names: 60, heads: 60 });
  });

  it("creates no index when disabled or when CODEX_HOME does not exist", async () => {
    await writeSession(home, { at: minutes(0) });
    const plain = new SessionsStore(home, { index: false });
    expect((await plain.list({ defaultProvider: "openai" })).items).toHaveLength(1);
    expect(existsSync(indexPath)).toBe(false);
    const missingHome = join(home, "missing");
    expect(await new SessionsStore(missingHome).list({ defaultProvider: "openai" })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(existsSync(missingHome)).toBe(false);
  });

  it("lists from the files alone when the index cannot be opened", async () => {
    await writeSession(home, { at: minutes(0), text: "still listed" });
    await mkdir(indexPath); // a directory where the index file should be: SQLite cannot open it
    for (let i = 0; i < 2; i++) {
      expect((await store.list({ defaultProvider: "openai" })).items.map((s) => s.preview)).toEqual([
        "still listed",
      ]);
    }
    expect(await store.findPathById(randomUUID())).toBeNull();
  });

  it.each([
    ["garbage", async () => writeFile(indexPath, "this is not a database\n".repeat(200))],
    ["a truncated file", async () => truncate(indexPath, 1000)],
    ["another schema version", async () => setUserVersion(99)],
    ["a damaged table", async () => dropTable()],
  ])("rebuilds the index from the files after %s", async (_what, damage) => {
    await makeVariedStore(30);
    const expected = await everyPage(new SessionsStore(home, { index: false }), { pageSize: 4 });
    expect(await everyPage(store, { pageSize: 4 })).toEqual(expected);
    store.close();
    await damage();
    const fresh = new SessionsStore(home);
    expect(await everyPage(fresh, { pageSize: 4 })).toEqual(expected);
    fresh.close();
    expect(indexRows().heads).toBe(30);
  });

  it("sees sessions another process writes and heads that grew since they were cached", async () => {
    await writeSession(home, { at: minutes(0), text: "old" });
    // A conversation that has no user message yet: cached as not listable.
    const pendingId = randomUUID();
    const pending = await writeSession(home, {
      id: pendingId,
      at: minutes(1),
      text: "typed later",
      userEvent: false,
    });
    expect((await store.list({ defaultProvider: "openai" })).items.map((s) => s.preview)).toEqual(["old"]);

    // Another process (a plain node process, as the real Codex would be) adds a session and the user message.
    const later = new Date(minutes(2).getTime());
    const otherId = randomUUID();
    const otherPath = rolloutPathFor(home, later, otherId);
    const script = `
      import { mkdirSync, writeFileSync, appendFileSync } from "node:fs";
      import { dirname } from "node:path";
      const [path, id, at, pendingPath] = process.argv.slice(1);
      const line = (type, payload) => JSON.stringify({ timestamp: at, type, payload }) + "\\n";
      const user = (text) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, line("session_meta", { id, timestamp: at, cwd: "/w", originator: "codex_cli_rs",
        cli_version: "0.58.0", instructions: null, source: "vscode", model_provider: "openai" })
        + line("response_item", user("from the other process"))
        + line("event_msg", { type: "user_message", message: "from the other process", images: [] }));
      appendFileSync(pendingPath, line("event_msg", { type: "user_message", message: "typed later", images: [] }));
    `;
    await promisify(execFile)(process.execPath, [
      "--input-type=module",
      "-e",
      script,
      otherPath,
      otherId,
      later.toISOString(),
      pending.path,
    ]);
    const page = await store.list({ defaultProvider: "openai" });
    expect(page.items.map((s) => s.preview)).toEqual(["from the other process", "typed later", "old"]);
    expect(await store.findPathById(otherId)).toBe(otherPath);
    expect(await store.findPathById(pendingId)).toBe(pending.path);
  });

  it("keeps pagination exact with a warm index: one exact page, deletes behind a cursor, emptied store", async () => {
    const made = [];
    for (let i = 0; i < 25; i++) made.push(await writeSession(home, { at: minutes(i), text: `m${i}` }));
    const exact = await store.list({ defaultProvider: "openai" });
    expect(exact.items).toHaveLength(25);
    expect(exact.nextCursor).toBeNull();

    const first = await store.list({ pageSize: 10, defaultProvider: "openai" });
    expect(first.items.at(-1)?.preview).toBe("m15");
    // Delete the cursor's own file and the next ones: the cursor still resumes after its position.
    for (const i of [15, 14, 13]) await unlink(made[i]!.path);
    const second = await store.list({ pageSize: 10, cursor: first.nextCursor, defaultProvider: "openai" });
    expect(second.items.map((s) => s.preview)).toEqual([
      "m12",
      "m11",
      "m10",
      "m9",
      "m8",
      "m7",
      "m6",
      "m5",
      "m4",
      "m3",
    ]);
    const third = await store.list({ pageSize: 10, cursor: second.nextCursor, defaultProvider: "openai" });
    expect(third.items.map((s) => s.preview)).toEqual(["m2", "m1", "m0"]);
    expect(third.nextCursor).toBeNull();

    await rm(join(home, "sessions"), { recursive: true });
    expect(await store.list({ defaultProvider: "openai" })).toEqual({ items: [], nextCursor: null });
    expect(await store.findPathById(made[0]!.id)).toBeNull();
  });

  it("re-reads a head when its file was rewritten shorter", async () => {
    const { id, path } = await writeSession(home, { at: minutes(0), text: "first text" });
    expect((await store.list({ defaultProvider: "openai" })).items[0]?.preview).toBe("first text");
    await writeSession(home, { id, at: minutes(0), text: "new" });
    expect((await store.list({ defaultProvider: "openai" })).items[0]?.preview).toBe("new");
    await appendFile(path, "\n");
    expect((await store.list({ defaultProvider: "openai" })).items[0]?.preview).toBe("new");
  });

  it("finds ids through the index, follows moved files and forgets archived ones", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await writeSession(home, { at: minutes(i * 24 * 60) }));
    expect(await store.findPathById(made[0]!.id)).toBe(made[0]!.path); // walk, names recorded
    expect(indexRows().names).toBe(5);
    expect(await store.findPathById(made[2]!.id.toUpperCase())).toBe(made[2]!.path);

    // The file moves to another day folder behind the index's back: the stale entry is dropped, the file found.
    const moved = rolloutPathFor(home, minutes(10 * 24 * 60), made[1]!.id);
    await writeSession(home, { id: made[1]!.id, at: minutes(10 * 24 * 60) });
    await unlink(made[1]!.path);
    expect(await store.findPathById(made[1]!.id)).toBe(moved);

    await store.archive(made[3]!.id, made[3]!.path);
    expect(await store.findPathById(made[3]!.id)).toBeNull();
    expect(await store.findPathById(randomUUID())).toBeNull();
    expect(await store.findPathById("not-a-uuid")).toBeNull();
  });

  it("after a lookup miss, re-lists only the day folders that changed", async () => {
    const made = [];
    for (let i = 0; i < 6; i++) made.push(await writeSession(home, { at: minutes(i * 24 * 60) }));
    const days = [...new Set(made.map((m) => dirname(m.path)))];
    // Folders last changed a while ago (fresh ones are re-listed every time, for coarse mtime file systems).
    const old = new Date(Date.now() - 3600_000);
    for (const day of days) await utimes(day, old, old);
    expect(await store.findPathById(randomUUID())).toBeNull();
    expect(dayRows()).toBe(days.length);
    expect(indexRows().names).toBe(6);

    // Another process adds the id to an old folder: that folder's mtime changed, so it is listed again.
    const lateId = randomUUID();
    const late = await writeSession(home, { id: lateId, at: minutes(2 * 24 * 60 + 5) });
    expect(dirname(late.path)).toBe(days[2]);
    expect(await store.findPathById(lateId)).toBe(late.path);
    expect(await new SessionsStore(home).findPathById(made[4]!.id)).toBe(made[4]!.path);
  });

  it("finds a UUID v7 session in the day folder of its creation time", async () => {
    const at = new Date(2026, 2, 14, 23, 59, 58);
    const hex = at.getTime().toString(16).padStart(12, "0");
    const id = `${hex.slice(0, 8)}-${hex.slice(8)}-7abc-8def-0123456789ab`;
    for (let i = 0; i < 3; i++) await writeSession(home, { at: minutes(i) });
    const { path } = await writeSession(home, { id, at });
    expect(await store.findPathById(id)).toBe(path);
    expect(await new SessionsStore(home, { index: false }).findPathById(id)).toBe(path);
  });
});

function setUserVersion(version: number): void {
  const db = new Database(indexPath);
  db.pragma(`user_version = ${version}`);
  db.close();
}

function dayRows(): number {
  const db = new Database(indexPath, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM days").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function dropTable(): void {
  const db = new Database(indexPath);
  db.exec("DROP TABLE heads; CREATE TABLE heads (x TEXT)");
  db.close();
}
