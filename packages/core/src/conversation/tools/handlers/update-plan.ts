import type { PlanItemArg } from "@codex-ts/app-server-protocol";
import * as ev from "../../../events/constructors.js";
import type { ToolHandler } from "../context.js";

/**
 * `update_plan`: the model's plan becomes a `plan_update` event. The arguments are passed on as the model sent
 * them, without checking their shape (0.58.0 decodes them first; see the core README).
 */
export const updatePlanHandler: ToolHandler = async (ctx, { args }) => {
  const explanation = (args.explanation ?? null) as string | null;
  const plan = (args.plan ?? []) as PlanItemArg[];
  ctx.emit(ev.planUpdate(explanation, plan));
  return "Plan updated";
};
