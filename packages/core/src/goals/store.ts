import { randomUUID } from "node:crypto";
import type { Database } from "../rollout/index-db.js";
import { openSqlxDatabase, type SqlxMigration } from "../sqlx/database.js";

/** The goals database of a CODEX_HOME, the file codex 0.166.0 keeps its thread goals in (its `goals_1.sqlite`). */
export const GOALS_DB_FILE_NAME = "goals_1.sqlite";

/** A goal's status as stored (snake_case, 0.166.0's CHECK constraint). */
export type StoredGoalStatus =
  | "active"
  | "paused"
  | "blocked"
  | "usage_limited"
  | "budget_limited"
  | "complete";

/** How the 0.166 protocol names each stored status (0.166.0 stores snake_case, sends camelCase). */
export const GOAL_STATUS_ON_WIRE = {
  active: "active",
  paused: "paused",
  blocked: "blocked",
  usage_limited: "usageLimited",
  budget_limited: "budgetLimited",
  complete: "complete",
} as const satisfies Record<StoredGoalStatus, string>;

/** One thread's goal, as the goals database holds it (times in Unix milliseconds). */
export interface ThreadGoalRow {
  threadId: string;
  goalId: string;
  objective: string;
  status: StoredGoalStatus;
  tokenBudget: number | null;
  tokensUsed: number;
  timeUsedSeconds: number;
  createdAtMs: number;
  updatedAtMs: number;
}

/** 0.166.0's migrations of its goals database (see `SqlxMigration`). */
const MIGRATIONS: readonly SqlxMigration[] = [
  {
    version: 1,
    description: "thread goals",
    checksum:
      "8CE6280244A0B4B39C7C37C7F67AFF1670EC963D2401CDF2ABCFEA9904102DB6CD99B7BEDF366267791A45EB12F17713",
    sql: `CREATE TABLE thread_goals (
    thread_id TEXT PRIMARY KEY NOT NULL,
    goal_id TEXT NOT NULL,
    objective TEXT NOT NULL,
    status TEXT NOT NULL CHECK(status IN (
        'active',
        'paused',
        'blocked',
        'usage_limited',
        'budget_limited',
        'complete'
    )),
    token_budget INTEGER,
    tokens_used INTEGER NOT NULL DEFAULT 0,
    time_used_seconds INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);`,
  },
  {
    version: 2,
    description: "thread goal continuation deferrals",
    checksum:
      "F3FF7DE2FD89914820BEF371081E885FD17DF18A6FBDC432399A83255A8A01AA32FB7EEA5E4DE21A17BDA3DA16C49584",
    sql: `CREATE TABLE thread_goal_continuation_deferrals (
    thread_id TEXT PRIMARY KEY NOT NULL REFERENCES thread_goals(thread_id) ON DELETE CASCADE
);`,
  },
];

interface Row {
  thread_id: string;
  goal_id: string;
  objective: string;
  status: StoredGoalStatus;
  token_budget: number | null;
  tokens_used: number;
  time_used_seconds: number;
  created_at_ms: number;
  updated_at_ms: number;
}

const fromRow = (r: Row): ThreadGoalRow => ({
  threadId: r.thread_id,
  goalId: r.goal_id,
  objective: r.objective,
  status: r.status,
  tokenBudget: r.token_budget,
  tokensUsed: r.tokens_used,
  timeUsedSeconds: r.time_used_seconds,
  createdAtMs: r.created_at_ms,
  updatedAtMs: r.updated_at_ms,
});

/**
 * The thread goals of a CODEX_HOME, in the same SQLite file and tables as codex 0.166.0's, so a goal set by either
 * program is the one the other finds (on `thread/goal/get`, and when it resumes the thread). Opened on first use;
 * each call is one statement (or one transaction), so two processes sharing the file see each other's writes.
 */
export class GoalStore {
  private db: Database | null = null;

  constructor(private readonly codexHome: string) {}

  get(threadId: string): ThreadGoalRow | null {
    const row = this.open().prepare("SELECT * FROM thread_goals WHERE thread_id = ?").get(threadId) as
      | Row
      | undefined;
    return row ? fromRow(row) : null;
  }

  /** Replaces the thread's goal by a new one (new id, usage from zero). */
  replace(
    threadId: string,
    objective: string,
    status: StoredGoalStatus,
    tokenBudget: number | null,
  ): ThreadGoalRow {
    const now = Date.now();
    const db = this.open();
    db.prepare(
      `INSERT INTO thread_goals (thread_id, goal_id, objective, status, token_budget, tokens_used, time_used_seconds,
         created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?)
       ON CONFLICT(thread_id) DO UPDATE SET goal_id = excluded.goal_id, objective = excluded.objective,
         status = excluded.status, token_budget = excluded.token_budget, tokens_used = 0, time_used_seconds = 0,
         created_at_ms = excluded.created_at_ms, updated_at_ms = excluded.updated_at_ms`,
    ).run(threadId, randomUUID(), objective, status, tokenBudget, now, now);
    return this.get(threadId) as ThreadGoalRow;
  }

  /**
   * Changes the status and/or the budget of the thread's goal (`tokenBudget` undefined: kept; null: removed); null
   * when the thread has no goal.
   */
  update(
    threadId: string,
    o: { status?: StoredGoalStatus | undefined; tokenBudget?: number | null | undefined },
  ): ThreadGoalRow | null {
    const current = this.get(threadId);
    if (!current) return null;
    this.open()
      .prepare("UPDATE thread_goals SET status = ?, token_budget = ?, updated_at_ms = ? WHERE thread_id = ?")
      .run(
        o.status ?? current.status,
        o.tokenBudget === undefined ? current.tokenBudget : o.tokenBudget,
        Date.now(),
        threadId,
      );
    return this.get(threadId);
  }

  /**
   * Adds usage to the thread's goal `goalId` while it is active; a goal reaching its budget becomes
   * `budget_limited`. The goal as it is now (unchanged when another goal replaced it, or none is active).
   */
  account(threadId: string, goalId: string, tokens: number, seconds: number): ThreadGoalRow | null {
    const db = this.open();
    db.prepare(
      `UPDATE thread_goals SET tokens_used = tokens_used + ?, time_used_seconds = time_used_seconds + ?,
         status = CASE WHEN token_budget IS NOT NULL AND tokens_used + ? >= token_budget THEN 'budget_limited'
           ELSE status END,
         updated_at_ms = ?
       WHERE thread_id = ? AND goal_id = ? AND status = 'active'`,
    ).run(Math.max(0, tokens), Math.max(0, seconds), Math.max(0, tokens), Date.now(), threadId, goalId);
    return this.get(threadId);
  }

  /** Deletes the thread's goal; whether there was one. */
  clear(threadId: string): boolean {
    return this.open().prepare("DELETE FROM thread_goals WHERE thread_id = ?").run(threadId).changes > 0;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private open(): Database {
    this.db ??= openSqlxDatabase(this.codexHome, GOALS_DB_FILE_NAME, MIGRATIONS, "thread goals");
    return this.db;
  }
}
