import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_QUEUED_PER_THREAD, QUEUE_DB_FILE_NAME, QueueStore } from "../src/queue/index.js";

const THREAD = "01a2476d-fa3b-7150-9ed1-ab2abd9b0eb1";
const OTHER = "01a2476d-fa3b-7150-9ed1-ab2abd9b0eb2";
const text = (t: string) => [{ type: "text", text: t, text_elements: [] }];
let home: string;
let store: QueueStore;

beforeEach(async () => {
  home = await tempDir("codex-queue-");
  store = new QueueStore(home);
});
afterEach(() => store.close());

describe("QueueStore (CODEX_HOME/queue_1.sqlite, codex 0.166.0's tables)", () => {
  it("adds last, lists in order, updates in place, reorders, deletes, and forgets a deleted thread's queue", () => {
    const a = store.add(THREAD, text("a"), "ca");
    const b = store.add(THREAD, text("b"), "cb");
    store.add(OTHER, text("other"), "co");
    expect(a).toMatchObject({ threadId: THREAD, content: text("a"), clientId: "ca" });
    expect(store.list(THREAD).map((r) => r.clientId)).toEqual(["ca", "cb"]);
    expect(store.update(THREAD, a?.id ?? "", text("a2"))).toMatchObject({
      id: a?.id,
      content: text("a2"),
      clientId: "ca",
    });
    expect(store.update(OTHER, a?.id ?? "", text("x"))).toBeNull();
    expect(store.reorder(THREAD, [a?.id ?? ""])).toBe(false);
    expect(store.reorder(THREAD, [a?.id ?? "", a?.id ?? ""])).toBe(false);
    expect(store.reorder(THREAD, [b?.id ?? "", a?.id ?? ""])).toBe(true);
    expect(store.list(THREAD).map((r) => r.clientId)).toEqual(["cb", "ca"]);
    expect(store.delete(THREAD, b?.id ?? "")).toBe(true);
    expect(store.delete(THREAD, b?.id ?? "")).toBe(false);
    expect(store.deleteThread(THREAD)).toBe(1);
    expect(store.list(THREAD)).toEqual([]);
    expect(store.list(OTHER).map((r) => r.clientId)).toEqual(["co"]);
  });

  it("holds at most MAX_QUEUED_PER_THREAD messages per thread", () => {
    for (let i = 0; i < MAX_QUEUED_PER_THREAD; i++)
      expect(store.add(THREAD, text(`${i}`), "c")).not.toBeNull();
    expect(store.add(THREAD, text("one more"), "c")).toBeNull();
    expect(store.add(OTHER, text("another thread"), "c")).not.toBeNull();
  });

  it("writes 0.166.0's payload, migration records and per-thread revisions; skips payloads of other kinds", () => {
    store.add(THREAD, text("a"), "ca");
    store.close();
    const db = new BetterSqlite3(join(home, QUEUE_DB_FILE_NAME));
    try {
      expect(db.prepare("SELECT payload_json, queue_order FROM queued_items").all()).toEqual([
        {
          payload_json: JSON.stringify({ UserInput: { content: text("a"), client_id: "ca" } }),
          queue_order: 0,
        },
      ]);
      expect(
        db.prepare("SELECT version, description, hex(checksum) AS checksum FROM _sqlx_migrations").all(),
      ).toEqual([
        {
          version: 1,
          description: "queued items",
          checksum:
            "CEA113C9A74FE4ED12CF41951B57C66CA375A14A722AC28D41BC06A096ED3E1D777AC0710C5377E8CD75F645C99CA03C",
        },
        {
          version: 2,
          description: "queued thread revisions",
          checksum:
            "983A2B17B454FEB00D7C221D7F556E900E7F9ADE4AEF395E854ED9093FA21237FD3FD93F99C66758B489C0F376F56570",
        },
      ]);
      expect(db.prepare("SELECT thread_id FROM queued_thread_revisions").all()).toEqual([
        { thread_id: THREAD },
      ]);
      db.prepare(
        "INSERT INTO queued_items VALUES ('other-kind', ?, '{\"Steer\":{}}', 1, 0, 0), ('bad', ?, 'not json', 2, 0, 0)",
      ).run(THREAD, THREAD);
    } finally {
      db.close();
    }
    const reopened = new QueueStore(home);
    const [only] = reopened.list(THREAD);
    expect(only?.clientId).toBe("ca");
    expect(reopened.reorder(THREAD, [only?.id ?? ""])).toBe(true);
    reopened.close();
  });
});
