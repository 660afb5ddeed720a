import { tempDir } from "@codex-ts/test-support";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GOALS_DB_FILE_NAME, GoalStore } from "../src/goals/index.js";

const THREAD = "01a2476d-fa3b-7150-9ed1-ab2abd9b0eb1";
let home: string;
let store: GoalStore;

beforeEach(async () => {
  home = await tempDir("codex-goals-");
  store = new GoalStore(home);
});
afterEach(() => store.close());

describe("GoalStore (CODEX_HOME/goals_1.sqlite, codex 0.166.0's tables)", () => {
  it("replaces, updates, accounts and clears a thread's goal", () => {
    expect(store.get(THREAD)).toBeNull();
    expect(store.update(THREAD, { status: "paused" })).toBeNull();
    const first = store.replace(THREAD, "ship it", "active", 30);
    expect(first).toMatchObject({
      threadId: THREAD,
      objective: "ship it",
      status: "active",
      tokenBudget: 30,
    });
    expect(store.account(THREAD, first.goalId, 15, 2)).toMatchObject({ tokensUsed: 15, timeUsedSeconds: 2 });
    // Another goal's usage is not counted; reaching the budget limits the goal.
    expect(store.account(THREAD, "another goal", 15, 0)?.tokensUsed).toBe(15);
    expect(store.account(THREAD, first.goalId, 15, 0)).toMatchObject({
      tokensUsed: 30,
      status: "budget_limited",
    });
    expect(store.account(THREAD, first.goalId, 15, 0)?.tokensUsed).toBe(30);
    expect(store.update(THREAD, { tokenBudget: null })).toMatchObject({
      status: "budget_limited",
      tokenBudget: null,
    });
    const second = store.replace(THREAD, "again", "paused", null);
    expect(second.goalId).not.toBe(first.goalId);
    expect(second).toMatchObject({ tokensUsed: 0, timeUsedSeconds: 0, status: "paused" });
    expect(store.clear(THREAD)).toBe(true);
    expect(store.clear(THREAD)).toBe(false);
  });

  it("records 0.166.0's migrations, once", () => {
    store.get(THREAD);
    store.close();
    store = new GoalStore(home);
    store.get(THREAD);
    const db = new BetterSqlite3(`${home}/${GOALS_DB_FILE_NAME}`, { readonly: true });
    try {
      const rows = db
        .prepare("SELECT version, description, success FROM _sqlx_migrations ORDER BY version")
        .all();
      expect(rows).toEqual([
        { version: 1, description: "thread goals", success: 1 },
        { version: 2, description: "thread goal continuation deferrals", success: 1 },
      ]);
    } finally {
      db.close();
    }
  });
});
