import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AttachmentLimitError,
  forgetExtractedMemories,
  ReadStateConflictError,
  THREAD_STATE_DB_FILE_NAME,
  ThreadStateStore,
} from "../src/thread-state/index.js";

const A = "01a2476d-fa3b-7150-9ed1-ab2abd9b0eb1";
const B = "01a2476d-fa3b-7150-9ed1-ab2abd9b0eb2";
let home: string;
let store: ThreadStateStore;

beforeEach(async () => {
  home = await tempDir("codex-thread-state-");
  store = new ThreadStateStore(home);
});
afterEach(() => store.close());

describe("ThreadStateStore (CODEX_HOME/thread_state.sqlite)", () => {
  it("keeps one attachment per identity, in creation order, at most 100 per thread", () => {
    const first = store.attachments.add(A, "t", "k", '{"v":1}');
    expect(first.created).toBe(true);
    expect(store.attachments.add(A, "t", "k", '{"v":2}')).toEqual({ row: first.row, created: false });
    // Ids made within one second keep their order (the list is by second, then id).
    for (let i = 1; i < 100; i++) store.attachments.add(A, "t", `k${i}`, `${i}`);
    expect(() => store.attachments.add(A, "t", "k100", "0")).toThrow(AttachmentLimitError);
    const page = store.attachments.page(A, null, 100);
    expect(page.more).toBe(false);
    expect(page.rows.map((r) => r.payload)).toEqual([
      '{"v":1}',
      ...Array.from({ length: 99 }, (_, i) => `${i + 1}`),
    ]);
    const second = store.attachments.page(A, page.rows[0] ?? null, 1);
    expect(second).toMatchObject({ rows: [{ identityKey: "k1" }], more: true });
    store.attachments.add(B, "t", "k", "null");
    expect(store.attachments.owners("t", "k", null, 10)).toEqual([A, B]);
    expect(store.attachments.owners("t", "k", A, 10)).toEqual([B]);
    expect(store.attachments.remove(A, "t", "k")?.id).toBe(first.row.id);
    expect(store.attachments.remove(A, "t", "k")).toBeNull();
  });

  it("guards read state edits by revision; completed turns mark a thread unread once", () => {
    expect(store.readReceipts.get(A)).toEqual({ firstUnread: null, revision: `initial:${A}` });
    expect(() => store.readReceipts.update(A, true, "stale")).toThrow(ReadStateConflictError);
    const unread = store.readReceipts.turnCompleted(A, "t1");
    expect(unread.firstUnread).toEqual({ type: "turn", turnId: "t1" });
    expect(store.readReceipts.turnCompleted(A, "t2").firstUnread).toEqual({ type: "turn", turnId: "t1" });
    const current = store.readReceipts.get(A);
    const read = store.readReceipts.update(A, true, current.revision);
    expect(read.firstUnread).toBeNull();
    expect(read.revision).not.toBe(current.revision);
    expect(store.readReceipts.update(A, false, read.revision).firstUnread).toEqual({ type: "threadStart" });
    store.forget(A);
    expect(store.readReceipts.get(A).revision).toBe(`initial:${A}`);
  });

  it("answers read states of a home without the database without creating it", async () => {
    const dir = await tempDir("codex-thread-state-");
    const fresh = new ThreadStateStore(dir);
    const states = fresh.readReceipts.getMany([A]);
    expect(states.get(A)).toEqual({ firstUnread: null, revision: `initial:${A}` });
    fresh.close();
    expect(existsSync(join(dir, THREAD_STATE_DB_FILE_NAME))).toBe(false);
  });

  it("forgets 0.166.0's extracted memories where its databases exist, creating none", () => {
    const path = join(home, "memories_1.sqlite");
    const db = new BetterSqlite3(path);
    db.exec(`CREATE TABLE stage1_outputs (thread_id TEXT PRIMARY KEY, raw_memory TEXT NOT NULL);
      CREATE TABLE consolidation_progress (singleton INTEGER PRIMARY KEY, max_thread_count INTEGER NOT NULL);
      INSERT INTO stage1_outputs VALUES ('t', 'r'); INSERT INTO consolidation_progress VALUES (1, 5);`);
    db.close();
    forgetExtractedMemories(home);
    const after = new BetterSqlite3(path, { readonly: true });
    expect(after.prepare("SELECT COUNT(*) FROM stage1_outputs").pluck().get()).toBe(0);
    expect(after.prepare("SELECT max_thread_count FROM consolidation_progress").pluck().get()).toBe(0);
    after.close();
    expect(existsSync(join(home, "memories_v2_1.sqlite"))).toBe(false);
  });
});
