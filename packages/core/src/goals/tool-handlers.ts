import type { ToolContext, ToolHandler } from "../conversation/tools/context.js";
import { GOAL_STATUS_ON_WIRE, type ThreadGoalRow } from "./store.js";
import { MAX_GOAL_OBJECTIVE_CHARS } from "./tool-specs.js";

/** A goal as the tools answer it (0.166.0's fields; no `tokenBudget` when there is none, as 0.166.0 leaves it out). */
function toolGoal(g: ThreadGoalRow): Record<string, unknown> {
  return {
    threadId: g.threadId,
    objective: g.objective,
    status: GOAL_STATUS_ON_WIRE[g.status],
    ...(g.tokenBudget === null ? {} : { tokenBudget: g.tokenBudget }),
    tokensUsed: g.tokensUsed,
    timeUsedSeconds: g.timeUsedSeconds,
    createdAt: Math.floor(g.createdAtMs / 1000),
    updatedAt: Math.floor(g.updatedAtMs / 1000),
  };
}

/** A tool's answer: the goal, the tokens left of its budget, and (on completion) what to report, as 0.166.0's keys. */
function answer(goal: ThreadGoalRow | null, completed = false): string {
  return JSON.stringify({
    goal: goal ? toolGoal(goal) : null,
    remainingTokens: goal?.tokenBudget == null ? null : Math.max(0, goal.tokenBudget - goal.tokensUsed),
    completionBudgetReport: completed
      ? "Goal achieved. Report the final usage from this result: tokens used (and the budget, when the goal has one), and the time spent when it is above zero."
      : null,
  });
}

/** The goal changed: the thread's clients hear of it (the app server's `thread/goal/updated`). */
function announce(ctx: ToolContext, goal: ThreadGoalRow): void {
  ctx.notify({ type: "thread_goal_updated", goal });
}

/** The goals of the calling thread, or the words the model gets on a thread that keeps none (ephemeral). */
function goalsOf(ctx: ToolContext) {
  return ctx.goals ?? null;
}
const NO_GOALS = "goal tools require a persisted thread; this thread is ephemeral";

const getGoal: ToolHandler = async (ctx) => {
  const g = goalsOf(ctx);
  if (!g) return NO_GOALS;
  return answer(g.store.get(g.threadId));
};

const createGoal: ToolHandler = async (ctx, { args }) => {
  const g = goalsOf(ctx);
  if (!g) return NO_GOALS;
  const objective = typeof args.objective === "string" ? args.objective.trim() : "";
  if (objective === "") return "goal objective must not be empty";
  if ([...objective].length > MAX_GOAL_OBJECTIVE_CHARS)
    return `goal objective must be at most ${MAX_GOAL_OBJECTIVE_CHARS} characters`;
  const budget = args.token_budget;
  if (
    budget !== undefined &&
    budget !== null &&
    (typeof budget !== "number" || !Number.isInteger(budget) || budget <= 0)
  )
    return "goal budgets must be positive when provided";
  const current = g.store.get(g.threadId);
  if (current && current.status !== "complete")
    return "cannot create a new goal because this thread has an unfinished goal; complete the existing goal first";
  const goal = g.store.replace(g.threadId, objective, "active", typeof budget === "number" ? budget : null);
  announce(ctx, goal);
  return answer(goal);
};

const updateGoal: ToolHandler = async (ctx, { args }) => {
  const g = goalsOf(ctx);
  if (!g) return NO_GOALS;
  const status = args.status;
  if (status !== "complete" && status !== "blocked" && status !== "paused")
    return "update_goal can only mark the existing goal complete, blocked, or paused at the user's explicit request; resume, budget-limited, and usage-limited status changes are controlled by the user or system";
  if (!g.store.get(g.threadId)) return "cannot update goal because this thread has no goal";
  const goal = g.store.update(g.threadId, { status });
  if (!goal) return "cannot update goal because this thread has no goal";
  announce(ctx, goal);
  return answer(goal, status === "complete");
};

/** The goal tools by name. */
export const GOAL_TOOL_HANDLERS: ReadonlyMap<string, ToolHandler> = new Map([
  ["get_goal", getGoal],
  ["create_goal", createGoal],
  ["update_goal", updateGoal],
]);
