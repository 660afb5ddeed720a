import { type CoreEvent, type GoalStore, type ThreadGoalRow, uuidV7 } from "@codex-ts/core";
import { continuationText, goalObject } from "./goal-wire.js";
import type { LoadedThread } from "./loaded-thread.js";

type TokenUsage = { input_tokens: number; cached_input_tokens: number; output_tokens: number };

/** The tokens a model response costs a goal: its uncached input and its output (the mock's 10 + 5 = 15, as 0.166.0). */
const goalTokens = (u: TokenUsage): number => u.input_tokens - u.cached_input_tokens + u.output_tokens;

/** The goal of the core's `thread_goal_updated` extension event (a goal tool changed it); null otherwise. */
function toolChangedGoal(msg: CoreEvent["msg"]): ThreadGoalRow | null {
  const raw: Record<string, unknown> = msg;
  return raw.type === "thread_goal_updated" && raw.goal ? (raw.goal as ThreadGoalRow) : null;
}

/**
 * A loaded thread's goal at work, as 0.166.0 runs it: while the goal is active each model response adds its tokens
 * and the whole seconds elapsed to it, as does a turn's end (`thread/goal/updated` with the turn's id, before the
 * turn's end is announced); a budget reached makes it `budgetLimited`, an interrupt pauses it, a goal tool's change
 * is announced, and while the goal stays active an idle thread starts a continuation turn (a `context_turn`
 * carrying the objective and the budget) after each turn.
 */
export class GoalDriver {
  /** The thread's token count (the core's running total) as last reported, and as last accounted to a goal. */
  private totalTokens = 0;
  private accountedTokens = 0;
  /** Since when the active goal's time is not accounted yet (ms), null while no goal is active. */
  private since: number | null = null;
  private stopped = false;
  /** The running turn reported an error: no continuation follows it (a failing model is not called again and again). */
  private turnFailed = false;

  constructor(
    private readonly thread: LoadedThread,
    private readonly store: GoalStore,
    private readonly log: (message: string) => void,
  ) {}

  /** Sees a core event before the thread's notifications for it are sent. */
  before(event: CoreEvent): void {
    const msg = event.msg;
    if (msg.type === "task_started") {
      this.turnFailed = false;
      if (this.since === null && this.read()?.status === "active") this.since = Date.now();
    } else if (toolChangedGoal(msg)) {
      // A goal tool changed the goal: announced with the turn's id, as 0.166.0 announces it.
      const goal = toolChangedGoal(msg) as ThreadGoalRow; // checked just above
      this.since = goal.status === "active" ? (this.since ?? Date.now()) : null;
      this.announce(event.id, goal);
    } else if (msg.type === "error") {
      this.blockOnFailure(event.id);
    } else if (msg.type === "task_complete" || msg.type === "turn_aborted") {
      this.account(event.id);
    }
  }

  /** Sees a core event after the thread's notifications for it are sent. */
  after(event: CoreEvent): void {
    const msg = event.msg;
    if (msg.type === "token_count") {
      // Each model response's usage counts once the client has it (0.166.0 accounts at every tool boundary).
      if (msg.info) this.totalTokens = goalTokens(msg.info.total_token_usage);
      this.account(event.id);
    } else if (msg.type === "task_complete" && !this.turnFailed) this.continueIfIdle();
    else if (msg.type === "turn_aborted" && msg.reason === "interrupted") this.pauseForInterrupt();
  }

  /**
   * A client changed the goal (`previous`: the goal before): an active goal's time counts from now when it just
   * became active (or is new), and an idle thread starts working on it.
   */
  changed(goal: ThreadGoalRow, previous: ThreadGoalRow | null): void {
    if (this.stopped) return;
    const newlyActive = previous?.goalId !== goal.goalId || previous.status !== "active";
    if (goal.status !== "active") this.since = null;
    else if (newlyActive || this.since === null) this.since = Date.now();
    this.continueIfIdle();
  }

  /** The goal was cleared. */
  cleared(): void {
    this.since = null;
  }

  /** The thread was unloaded: no more continuations. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * On resume: the goal as it is (`thread/goal/updated`; `thread/goal/cleared` when it has none, as 0.166.0 tells
   * every connection after a resume), then (when it is active and nothing runs) its next continuation turn. A goals
   * database that cannot be read announces nothing, nor does a thread unloaded meanwhile (a resume that found it
   * loaded may finish after the unload: its clients were told it closed, and no continuation may start).
   */
  resumed(): void {
    if (this.stopped) return;
    let goal: ThreadGoalRow | null;
    try {
      goal = this.store.get(this.thread.id);
    } catch (err) {
      this.log(`thread goals of ${this.thread.id}: ${(err as Error).message}`);
      return;
    }
    if (!goal) {
      this.thread.send({ method: "thread/goal/cleared", params: { threadId: this.thread.id } });
      return;
    }
    this.announce(null, goal);
    if (goal.status === "active") this.since = Date.now();
    this.continueIfIdle();
  }

  /** Adds the usage since the last count to the active goal, and announces it when there was any. */
  private account(turnId: string): void {
    const tokens = Math.max(0, this.totalTokens - this.accountedTokens);
    this.accountedTokens = this.totalTokens;
    const goal = this.read();
    if (goal?.status !== "active") return;
    const seconds = this.since === null ? 0 : Math.floor((Date.now() - this.since) / 1000);
    if (tokens <= 0 && seconds <= 0) return;
    if (this.since !== null) this.since += seconds * 1000;
    const updated = this.guard(() => this.store.account(goal.threadId, goal.goalId, tokens, seconds));
    if (!updated) return;
    if (updated.status !== "active") this.since = null;
    this.announce(turnId, updated);
  }

  private announce(turnId: string | null, goal: ThreadGoalRow): void {
    this.thread.send({
      method: "thread/goal/updated",
      params: { threadId: this.thread.id, turnId, goal: goalObject(goal) },
    });
  }

  /**
   * The turn failed: an active goal becomes `blocked` (announced with the turn's id before the error, as 0.166.0
   * does) and no continuation follows, so a failing model is not called again and again.
   */
  private blockOnFailure(turnId: string): void {
    this.turnFailed = true;
    const goal = this.read();
    if (goal?.status !== "active") return;
    const blocked = this.guard(() => this.store.update(goal.threadId, { status: "blocked" }));
    this.since = null;
    if (blocked) this.announce(turnId, blocked);
  }

  private pauseForInterrupt(): void {
    const goal = this.read();
    if (goal?.status !== "active") return;
    const paused = this.guard(() => this.store.update(goal.threadId, { status: "paused" }));
    this.since = null;
    if (paused) this.announce(null, paused);
  }

  /**
   * Starts a continuation turn when the goal is active and the thread idle, once the events of the turn that just
   * ended are out (a turn still starting, a user's or another continuation, goes first). Plan mode never continues.
   */
  private continueIfIdle(): void {
    setImmediate(() => {
      if (this.stopped || this.thread.currentTask()) return;
      if (this.thread.settings.collaborationMode.mode === "plan") return;
      const goal = this.read();
      if (goal?.status !== "active") return;
      this.thread.conversation
        .submit({ type: "context_turn", text: continuationText(goal) }, uuidV7())
        .catch((err) => {
          this.log(`goal continuation of thread ${this.thread.id} failed: ${(err as Error).message}`);
        });
    });
  }

  private read(): ThreadGoalRow | null {
    return this.guard(() => this.store.get(this.thread.id));
  }

  /** A goals database failure is logged and costs the thread its goal work, never the turn. */
  private guard<T>(work: () => T): T | null {
    try {
      return work();
    } catch (err) {
      this.log(`thread goals of ${this.thread.id}: ${(err as Error).message}`);
      return null;
    }
  }
}
