import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readFile, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ArchiveError,
  HEAD_MAX_BYTES,
  INDEX_FILE_NAME,
  InvalidCursorError,
  RolloutPathError,
  rolloutPathFor,
  SESSION_INDEX_FILE,
  SessionsStore,
  ThreadNotFoundError,
  type ThreadQuery,
  type ThreadSummary,
} from "../src/index.js";
import { minutes, writeSession } from "./rollout-fixtures.js";

// listThreads (issue 17 and 16): the 0.166 filters as indexed queries, pages checked against the files, other
// processes' writes seen, a damaged index rebuilt, oversize heads listed, names, archive, unarchive, delete.

let home: string;
let store: SessionsStore;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "codex-threads-"));
  store = new SessionsStore(home);
});
afterEach(async () => {
  store.close();
  // A listing saves its heads snapshot just after answering (HeadSnapshot.saveSoon): retry while it lands.
  await rm(home, { recursive: true, force: true, maxRetries: 5 });
});

interface Made {
  id: string;
  path: string;
  at: Date;
  mtime: number;
  source: string;
  provider: string | null;
  cwd: string;
  text: string;
  listable: boolean;
  archived: boolean;
}

/** A varied store whose every attribute is known, so expected pages can be computed without the store. */
async function makeStore(count: number): Promise<Made[]> {
  const made: Made[] = [];
  for (let i = 0; i < count; i++) {
    const at = minutes(i * 361); // a new day folder every few sessions
    const source = i % 7 === 3 ? "exec" : i % 11 === 5 ? "cli" : "vscode";
    const provider = i % 5 === 1 ? "oss" : i % 13 === 2 ? null : "openai";
    const cwd = `/work/p${i % 4}`;
    const text = i % 6 === 0 ? `Fix the Billing export ${i}` : `task ${i}`;
    const userEvent = i % 9 !== 4;
    const { id, path } = await writeSession(home, { at, text, source, provider, cwd, userEvent });
    // Distinct mtimes, unrelated to creation order, for the updated_at order.
    const mtime = Date.UTC(2026, 10, 25) + ((i * 7919) % count) * 1000;
    await utimes(path, new Date(mtime), new Date(mtime));
    made.push({ id, path, at, mtime, source, provider, cwd, text, listable: userEvent, archived: false });
  }
  return made;
}

/** The threads a query should list, in order, computed from what was written. */
function expected(
  made: Made[],
  q: Omit<ThreadQuery, "defaultProvider">,
  defaultProvider = "openai",
): string[] {
  const kinds = q.sourceKinds?.length ? q.sourceKinds : ["cli", "vscode"];
  const providers = q.modelProviders?.length ? q.modelProviders : null;
  const cwds = q.cwd === undefined || q.cwd === null ? null : typeof q.cwd === "string" ? [q.cwd] : q.cwd;
  const term = q.searchTerm?.toLowerCase() ?? null;
  const rows = made.filter(
    (m) =>
      m.listable &&
      m.archived === (q.archived === true) &&
      kinds.includes(m.source as never) &&
      (providers === null || providers.includes(m.provider ?? defaultProvider)) &&
      (cwds === null || cwds.includes(m.cwd)) &&
      (term === null || m.text.toLowerCase().includes(term)) &&
      !q.excludedThreadIds?.includes(m.id),
  );
  const byUpdated = q.sortKey === "updated_at";
  rows.sort((a, b) => {
    const ka = byUpdated ? a.mtime : a.at.getTime();
    const kb = byUpdated ? b.mtime : b.at.getTime();
    return ka !== kb ? ka - kb : a.id < b.id ? -1 : 1;
  });
  if (q.sortDirection !== "asc") rows.reverse();
  return rows.map((r) => r.id);
}

async function allPages(
  s: SessionsStore,
  q: Omit<ThreadQuery, "defaultProvider">,
  from: string | null = null,
): Promise<ThreadSummary[][]> {
  const pages: ThreadSummary[][] = [];
  let cursor: string | null = from;
  do {
    const page = await s.listThreads({ ...q, cursor, defaultProvider: "openai" });
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error("no end");
  } while (cursor !== null);
  return pages;
}

const QUERIES: Omit<ThreadQuery, "defaultProvider">[] = [
  {},
  { limit: 4 },
  { limit: 3, sortDirection: "asc" },
  { limit: 5, sortKey: "updated_at" },
  { limit: 5, sortKey: "updated_at", sortDirection: "asc" },
  { limit: 2, modelProviders: ["oss"] },
  { limit: 3, modelProviders: ["openai"] }, // includes sessions that recorded no provider
  { limit: 3, cwd: "/work/p1" },
  { limit: 3, cwd: ["/work/p0", "/work/p3"] },
  { limit: 2, searchTerm: "billing" }, // trigram index, case-insensitive
  { limit: 2, searchTerm: "k 1" }, // short term: scanned in order
  { limit: 4, sourceKinds: ["exec"] },
  { limit: 4, sourceKinds: ["cli", "exec"], modelProviders: ["openai", "oss"] },
  { limit: 2, cwd: "/work/p2", searchTerm: "task", sortKey: "updated_at" },
  // Terms the full-text engine cannot take as they are: a NUL (its query is a C string), quotes, its operators.
  { limit: 2, searchTerm: "bil\u0000ling" },
  { limit: 2, searchTerm: '"billing' },
  { limit: 2, searchTerm: "billing OR NOT * ^" },
];

describe("listThreads", () => {
  it("answers every filter, order and direction as the files say, page after page", async () => {
    const made = await makeStore(70);
    for (const q of QUERIES) {
      const want = expected(made, q);
      const pages = await allPages(store, q);
      expect(
        pages.flat().map((t) => t.conversationId),
        JSON.stringify(q),
      ).toEqual(want);
      // Pages are full until the last one.
      const limit = q.limit ?? 25;
      for (const page of pages.slice(0, -1)) expect(page.length, JSON.stringify(q)).toBe(limit);
    }
    // None of those terms closed the index (it once closed for good on a search it could not parse).
    expect((store as unknown as { index(): unknown }).index()).not.toBeNull();
    // Another store on the same (now warm) index agrees, and so does one whose index was never written.
    const again = new SessionsStore(home);
    const memory = new SessionsStore(home, { index: false });
    for (const q of QUERIES.slice(0, 6)) {
      const want = expected(made, q);
      expect((await allPages(again, q)).flat().map((t) => t.conversationId)).toEqual(want);
      expect((await allPages(memory, q)).flat().map((t) => t.conversationId)).toEqual(want);
    }
    again.close();
    memory.close();
  });

  it("describes each thread: summary, updatedAt from the last write, source kind, history mode", async () => {
    const [m] = await makeStore(1);
    const [t] = (await store.listThreads({ defaultProvider: "openai" })).items;
    expect(t).toMatchObject({
      conversationId: m!.id,
      preview: m!.text,
      cwd: "/work/p0",
      modelProvider: "openai",
      updatedAtMs: m!.mtime,
      updatedAt: Math.floor(m!.mtime / 1000),
      sourceKind: "vscode",
      historyMode: "legacy",
      archived: false,
      name: null,
      forkedFromId: null,
      originator: "codex_cli_rs",
    });
    expect(await store.readThread({ threadId: m!.id }, "openai")).toEqual(t);
    // A thread with no user message yet is not listed, but reads with an empty preview (as 0.166.0 shows it).
    const fresh = await writeSession(home, { at: minutes(5), userEvent: false, text: "unsent" });
    await writeFile(
      fresh.path,
      `${(await readFile(fresh.path, "utf8")).split("\n").slice(0, 2).join("\n")}\n`,
    );
    expect((await store.listThreads({ defaultProvider: "openai" })).items).toHaveLength(1);
    expect(await store.readThread({ path: fresh.path }, "openai")).toMatchObject({
      conversationId: fresh.id,
      preview: "",
      cwd: "/work/project",
    });
  });

  it("refuses a cursor of another sort key or format", async () => {
    await makeStore(3);
    const page = await store.listThreads({ limit: 1, defaultProvider: "openai" });
    await expect(
      store.listThreads({ cursor: page.nextCursor, sortKey: "updated_at", defaultProvider: "openai" }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.listThreads({ cursor: "garbage", defaultProvider: "openai" })).rejects.toThrow(
      "invalid cursor: garbage",
    );
  });
});

describe("files written by another process between two listings", () => {
  const run = (script: string, ...args: string[]) =>
    promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, ...args]);

  it("are seen: a session created in an old day folder, a first message appended, a turn appended", async () => {
    const made = await makeStore(12);
    const ids = (items: ThreadSummary[]) => items.map((t) => t.conversationId);
    expect(ids((await store.listThreads({ defaultProvider: "openai" })).items)).toEqual(expected(made, {}));
    // Folders recorded long ago, so only their mtimes can tell the index something changed.
    const old = new Date(Date.now() - 3600_000);
    for (const m of made) await utimes(dirname(m.path), old, old);
    await store.listThreads({ defaultProvider: "openai" });

    const pending = made.find((m) => !m.listable)!;
    const oldDay = made[2]!.at; // an existing, old day folder
    const newId = randomUUID();
    const newPath = rolloutPathFor(home, new Date(oldDay.getTime() + 60_000), newId);
    const appended = made.at(-1)!; // in the newest day folder, where sessions are written
    // Like the real Codex: a session created in an existing folder, a user message appended to a session that
    // had none, and a turn appended to an old session (its mtime moves).
    await run(
      `
      import { writeFileSync, appendFileSync } from "node:fs";
      const [path, id, at, pendingPath, appendedPath] = process.argv.slice(1);
      const line = (type, payload) => JSON.stringify({ timestamp: at, type, payload }) + "\\n";
      const user = (text) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
      writeFileSync(path, line("session_meta", { id, timestamp: at, cwd: "/work/p1", originator: "codex_cli_rs",
        cli_version: "0.58.0", instructions: null, source: "vscode", model_provider: "openai" })
        + line("response_item", user("from the other process"))
        + line("event_msg", { type: "user_message", message: "from the other process", images: [] }));
      appendFileSync(pendingPath, line("event_msg", { type: "user_message", message: "x", images: [] }));
      appendFileSync(appendedPath, line("event_msg", { type: "agent_message", message: "later" }));
    `,
      newPath,
      newId,
      new Date(oldDay.getTime() + 60_000).toISOString(),
      pending.path,
      appended.path,
    );
    // Written in the same instant: only the appended session's new mtime should lead the updated_at order.
    for (const p of [newPath, pending.path]) await utimes(p, old, old);
    pending.listable = true;
    made.push({
      ...made[2]!,
      id: newId,
      path: newPath,
      at: new Date(oldDay.getTime() + 60_000),
      cwd: "/work/p1",
      text: "from the other process",
      source: "vscode",
      provider: "openai",
      listable: true,
      mtime: 0,
    });

    const created = ids((await store.listThreads({ defaultProvider: "openai" })).items);
    expect(created).toEqual(expected(made, {}));
    expect(created).toContain(newId);
    expect(created).toContain(pending.id);
    // The 0.58.0 listing agrees.
    expect(
      (await store.list({ defaultProvider: "openai", modelProviders: [] })).items.map(
        (s) => s.conversationId,
      ),
    ).toEqual(expected(made, {}));
    // The appended session is now the most recently updated (its folder is among the newest, checked each time).
    const byUpdate = ids(
      (await store.listThreads({ defaultProvider: "openai", sortKey: "updated_at", limit: 1 })).items,
    );
    expect(byUpdate).toEqual([appended.id]);
  });

  it("an append to a session in an old folder moves it up the updated_at order after the background check", async () => {
    const made = await makeStore(12);
    const quick = new SessionsStore(home, { updatedCheckMs: 0 });
    const top = async () =>
      (await quick.listThreads({ defaultProvider: "openai", sortKey: "updated_at", limit: 1 })).items[0]
        ?.conversationId;
    expect(await top()).toBe(expected(made, { sortKey: "updated_at" })[0]);
    const oldest = made.find((m) => m.listable && m.source !== "exec")!; // made[0]: the oldest day folder
    await appendFile(
      oldest.path,
      `${JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "agent_message", message: "more" } })}\n`,
    );
    await top(); // starts the check of every folder and file
    await quick.settled();
    expect(await top()).toBe(oldest.id);
    quick.close();
  });

  it("a session deleted behind the index leaves no gap and no ghost", async () => {
    const made = await makeStore(10);
    await store.listThreads({ defaultProvider: "openai" });
    const gone = made.filter((m) => m.listable && m.source !== "exec")[1]!;
    await unlink(gone.path);
    made.splice(made.indexOf(gone), 1);
    expect((await allPages(store, { limit: 3 })).flat().map((t) => t.conversationId)).toEqual(
      expected(made, {}),
    );
  });
});

describe("the index file", () => {
  it("deleted mid-run: the open store keeps answering, the next one rebuilds it", async () => {
    const made = await makeStore(30);
    const q = { limit: 4, modelProviders: ["openai", "oss"] };
    const want = expected(made, q);
    expect((await allPages(store, q)).flat().map((t) => t.conversationId)).toEqual(want);
    for (const suffix of ["", "-wal", "-shm"])
      await rm(join(home, INDEX_FILE_NAME + suffix), { force: true });
    expect((await allPages(store, q)).flat().map((t) => t.conversationId)).toEqual(want);
    const next = new SessionsStore(home);
    expect((await allPages(next, q)).flat().map((t) => t.conversationId)).toEqual(want);
    next.close();
    expect(existsSync(join(home, INDEX_FILE_NAME))).toBe(true);
  });

  it("corrupted mid-run: replaced by an empty index and refilled from the files", async () => {
    const made = await makeStore(30);
    const q = { limit: 5, cwd: "/work/p2" };
    const want = expected(made, q);
    expect((await allPages(store, q)).flat().map((t) => t.conversationId)).toEqual(want);
    const index = join(home, INDEX_FILE_NAME);
    await writeFile(index, Buffer.alloc(64 * 1024, 0x5a)); // garbage over the open database
    await rm(`${index}-wal`, { force: true });
    expect((await allPages(store, q)).flat().map((t) => t.conversationId)).toEqual(want);
    expect((await allPages(store, { limit: 7 })).flat().map((t) => t.conversationId)).toEqual(
      expected(made, {}),
    );
  });
});

describe("heads over the byte budget", () => {
  it("are listed with an empty preview instead of being dropped", async () => {
    // A first message with a huge pasted image: the head stops at the budget before the user event.
    const big = await writeSession(home, {
      at: minutes(0),
      text: `look ${"i".repeat(HEAD_MAX_BYTES + 1024)}`,
    });
    const small = await writeSession(home, { at: minutes(1), text: "small one" });
    const items = (await store.listThreads({ defaultProvider: "openai" })).items;
    expect(items.map((t) => [t.conversationId, t.preview])).toEqual([
      [small.id, "small one"],
      [big.id, ""],
    ]);
    expect((await store.list({ defaultProvider: "openai" })).items.map((s) => s.preview)).toEqual([
      "small one",
      "",
    ]);
    expect((await store.readSummary(big.path, "openai")).preview).toBe("");
  }, 30_000);

  it("recover the session_meta fields a huge first line holds before its big values", async () => {
    const at = minutes(0);
    // 0.166.0's key order: source and provider before the base instructions.
    const id166 = randomUUID();
    const p166 = rolloutPathFor(home, at, id166);
    await mkdir(dirname(p166), { recursive: true });
    const meta166 = {
      session_id: id166,
      id: id166,
      timestamp: at.toISOString(),
      cwd: "/w166",
      originator: "x",
      cli_version: "0.166.0",
      source: "cli",
      model_provider: "oss",
      base_instructions: { text: "b".repeat(HEAD_MAX_BYTES) },
      history_mode: "paginated",
    };
    await writeFile(
      p166,
      `${JSON.stringify({ timestamp: at.toISOString(), ordinal: 0, type: "session_meta", payload: meta166 })}\n`,
    );
    // 0.58.0's key order: instructions before the source (which then takes 0.58.0's default, vscode).
    const id058 = randomUUID();
    const p058 = rolloutPathFor(home, minutes(1), id058);
    const meta058 = {
      id: id058,
      timestamp: minutes(1).toISOString(),
      cwd: "/w058",
      originator: "codex_cli_rs",
      cli_version: "0.58.0",
      instructions: "i".repeat(HEAD_MAX_BYTES),
      source: "cli",
      model_provider: "openai",
    };
    await writeFile(
      p058,
      `${JSON.stringify({ timestamp: minutes(1).toISOString(), type: "session_meta", payload: meta058 })}\n`,
    );
    const items = (await store.listThreads({ defaultProvider: "openai", modelProviders: [] })).items;
    expect(items.map((t) => [t.conversationId, t.preview, t.cwd, t.modelProvider, t.sourceKind])).toEqual([
      [id058, "", "/w058", "openai", "vscode"],
      [id166, "", "/w166", "oss", "cli"],
    ]);
  }, 30_000);
});

describe("names", () => {
  it("are kept in session_index.jsonl as 0.166.0 keeps them, and searched", async () => {
    const made = await makeStore(6);
    const target = made.find((m) => m.listable && m.source !== "exec")!;
    await store.setThreadName(target.id, "Quarterly report");
    expect(await store.threadName(target.id)).toBe("Quarterly report");
    const line = JSON.parse((await readFile(join(home, SESSION_INDEX_FILE), "utf8")).trim());
    expect(Object.keys(line)).toEqual(["id", "thread_name", "updated_at"]);
    const found = await store.listThreads({ defaultProvider: "openai", searchTerm: "QUARTERLY" });
    expect(found.items.map((t) => [t.conversationId, t.name])).toEqual([[target.id, "Quarterly report"]]);

    // Another process (0.166.0) renames it: the appended line wins. Then the file is replaced: read again.
    await appendFile(
      join(home, SESSION_INDEX_FILE),
      `${JSON.stringify({ id: target.id, thread_name: "Renamed", updated_at: "x" })}\n`,
    );
    expect((await store.readThread({ threadId: target.id }, "openai"))?.name).toBe("Renamed");
    const other = made.find((x) => x.id !== target.id)!;
    await writeFile(
      join(home, SESSION_INDEX_FILE),
      `${JSON.stringify({ id: other.id, thread_name: "Other", updated_at: "x" })}\n`,
    );
    expect(await store.threadName(target.id)).toBeNull();
    expect(await store.threadName(other.id)).toBe("Other");
    await store.setThreadName(other.id, "");
    expect(await store.threadName(other.id)).toBeNull();
    // A name for something that is not a thread id never reaches the file.
    const before = await readFile(join(home, SESSION_INDEX_FILE), "utf8");
    await expect(store.setThreadName("../x", "Nope")).rejects.toBeInstanceOf(ThreadNotFoundError);
    expect(await readFile(join(home, SESSION_INDEX_FILE), "utf8")).toBe(before);
  });
});

describe("archive, unarchive, delete", () => {
  it("move rollouts between sessions/ and archived_sessions/ and keep the index right", async () => {
    const made = await makeStore(8);
    const m = made.find((x) => x.listable && x.source !== "exec")!;
    const archivedPath = await store.archive(m.id, m.path);
    m.archived = true;
    expect(
      (await store.listThreads({ defaultProvider: "openai", archived: true })).items.map(
        (t) => t.conversationId,
      ),
    ).toEqual([m.id]);
    expect(
      (await store.listThreads({ defaultProvider: "openai" })).items.map((t) => t.conversationId),
    ).toEqual(expected(made, {}));
    expect(await store.findArchivedPathById(m.id)).toBe(archivedPath);
    // The turn index follows the file.
    expect((await store.turns({ threadId: m.id })).path).toBe(archivedPath);

    const back = await store.unarchive(m.id);
    m.archived = false;
    expect(back).toBe(m.path);
    expect(
      (await store.listThreads({ defaultProvider: "openai" })).items.map((t) => t.conversationId),
    ).toEqual(expected(made, {}));
    await expect(store.unarchive(m.id)).rejects.toThrow(`no archived rollout found for thread id ${m.id}`);
    await expect(store.unarchive(m.id)).rejects.toBeInstanceOf(ArchiveError);
  });

  it("delete removes the rollout and its rows, and refuses anything outside the sessions directories", async () => {
    const made = await makeStore(5);
    const m = made.find((x) => x.listable && x.source !== "exec")!;
    await store.turns({ threadId: m.id });
    expect(await store.deleteThread({ threadId: m.id })).toBe(m.path);
    expect(existsSync(m.path)).toBe(false);
    made.splice(made.indexOf(m), 1);
    expect(
      (await store.listThreads({ defaultProvider: "openai" })).items.map((t) => t.conversationId),
    ).toEqual(expected(made, {}));
    await expect(store.deleteThread({ threadId: m.id })).rejects.toThrow(
      `no rollout found for thread id ${m.id}`,
    );

    const outside = join(home, "notes.jsonl");
    await writeFile(outside, "keep me\n");
    await expect(store.deleteThread({ path: outside })).rejects.toBeInstanceOf(RolloutPathError);
    await expect(
      store.deleteThread({ path: join(home, "sessions", "..", "notes.jsonl") }),
    ).rejects.toBeInstanceOf(RolloutPathError);
    const notRollout = join(home, "sessions", "2026", "readme.txt");
    await mkdir(dirname(notRollout), { recursive: true });
    await writeFile(notRollout, "keep me too\n");
    await expect(store.deleteThread({ path: notRollout })).rejects.toThrow("is not a rollout file");
    expect(await readFile(outside, "utf8")).toBe("keep me\n");
    expect(await readFile(notRollout, "utf8")).toBe("keep me too\n");
  });
});

describe("the 0.58.0 listing's first page after start", () => {
  it("is read from the files while the index opens, and equals the index's page", async () => {
    const made = await makeStore(40);
    const fresh = new SessionsStore(home);
    const first = await fresh.list({ pageSize: 10, defaultProvider: "openai" });
    fresh.close();
    expect(existsSync(join(home, INDEX_FILE_NAME))).toBe(false); // answered before the index was opened
    const indexed = await store.list({ pageSize: 10, defaultProvider: "openai" }); // opens and fills it
    const again = await store.list({ pageSize: 10, defaultProvider: "openai" });
    expect(first).toEqual(again);
    expect(indexed).toEqual(again);
    // The server's provider only, sessions that recorded none included.
    const want = expected(made, { modelProviders: ["openai"] }).slice(0, 10);
    expect(first.items.map((s) => s.conversationId)).toEqual(want);
    // A filter on a rare provider goes to the index at once.
    const rare = new SessionsStore(home);
    expect(
      (await rare.list({ defaultProvider: "openai", modelProviders: ["oss"] })).items.map(
        (s) => s.conversationId,
      ),
    ).toEqual(expected(made, { modelProviders: ["oss"] }));
    rare.close();
  });
});

describe("the 0.166 listing's first page after start", () => {
  /** The page a fresh store answers first (from the files: it must not open the index), and that store closed. */
  async function firstPage(q: Omit<ThreadQuery, "defaultProvider">) {
    const fresh = new SessionsStore(home);
    try {
      return await fresh.listThreads({ ...q, defaultProvider: "openai" });
    } finally {
      fresh.close();
    }
  }

  it("is read from the files with the names file, and equals the index's page, whose cursor pages on", async () => {
    const made = await makeStore(60);
    const newest = expected(made, {});
    const named = (i: number) => newest[i]!;
    await writeFile(
      join(home, SESSION_INDEX_FILE),
      [
        { id: named(0), thread_name: "first name" },
        { id: named(0), thread_name: "  renamed  " }, // the latest line wins, trimmed
        { id: named(2).toUpperCase(), thread_name: "upper-case id" },
        { id: named(3), thread_name: "cleared" },
        { id: named(3), thread_name: "" },
        "not json",
        { id: named(4), thread_name: 7 },
      ]
        .map((l) => `${typeof l === "string" ? l : JSON.stringify(l)}\n`)
        .join("") + JSON.stringify({ id: named(5), thread_name: "still being written" }),
    );
    const queries: Omit<ThreadQuery, "defaultProvider">[] = [
      { limit: 10 },
      {},
      { limit: 3, cwd: ["/work/p1", "/work/p2", "/work/p3"] }, // a cwd filter the newest files fill
      { limit: 4, sourceKinds: ["vscode", "exec"] },
      { limit: 5, modelProviders: ["openai", "oss"] },
      { limit: 5, modelProviders: ["openai"] }, // with those that recorded none
      { limit: 4, excludedThreadIds: [named(0), named(1)] },
    ];
    const fromFiles = [];
    for (const q of queries) {
      fromFiles.push(await firstPage(q));
      expect(existsSync(join(home, INDEX_FILE_NAME)), JSON.stringify(q)).toBe(false);
    }
    await store.listThreads({ sortKey: "updated_at", defaultProvider: "openai" }); // opens the index
    for (const [i, q] of queries.entries()) {
      const indexed = await store.listThreads({ ...q, defaultProvider: "openai" });
      expect(fromFiles[i], JSON.stringify(q)).toEqual(indexed);
      expect(fromFiles[i]!.items.map((t) => t.conversationId)).toEqual(
        expected(made, q).slice(0, q.limit ?? 25),
      );
      // The files' cursor pages on with the index to the end of what the query lists.
      const rest = await allPages(store, q, fromFiles[i]!.nextCursor);
      expect([...fromFiles[i]!.items, ...rest.flat()].map((t) => t.conversationId)).toEqual(
        expected(made, q),
      );
    }
    const names = new Map(fromFiles[1]!.items.map((t) => [t.conversationId, t.name]));
    expect([0, 1, 2, 3, 4, 5].map((i) => names.get(named(i)))).toEqual([
      "renamed",
      null,
      "upper-case id",
      null,
      null,
      null,
    ]);
  });

  it("leaves to the index what the files cannot answer cheaply", async () => {
    const made = await makeStore(30);
    const newest = expected(made, {})[0]!;
    const big = `${JSON.stringify({ id: newest, thread_name: "x".repeat(1000) })}\n`.repeat(300);
    await writeFile(join(home, SESSION_INDEX_FILE), big); // over the names file's cap: the index reads it
    for (const q of [
      { limit: 5 },
      { limit: 5, sortKey: "updated_at" },
      { limit: 5, sortDirection: "asc" },
      { limit: 5, searchTerm: "billing" },
      { limit: 5, archived: true },
      { limit: 5, modelProviders: ["oss"] },
      { limit: 5, cwd: "/nowhere" }, // reads its head budget, then asks the index
    ] as const) {
      const page = await firstPage(q);
      expect(
        page.items.map((t) => t.conversationId),
        JSON.stringify(q),
      ).toEqual(expected(made, q).slice(0, 5));
      expect(existsSync(join(home, INDEX_FILE_NAME)), JSON.stringify(q)).toBe(true);
      for (const suffix of ["", "-wal", "-shm"])
        await rm(join(home, INDEX_FILE_NAME + suffix), { force: true });
    }
    expect((await firstPage({ limit: 5 })).items[0]!.name).toBe("x".repeat(1000));
    await expect(firstPage({ cursor: "nope" })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
