import type { ToolSpec } from "../client/types.js";

/** 0.166.0's longest objective, in characters. */
export const MAX_GOAL_OBJECTIVE_CHARS = 4000;

/**
 * The goal tools 0.166.0 offers `gpt-5.5` on a stored thread: names, parameters and their order are 0.166.0's; the
 * descriptions are this server's words.
 */
export const GOAL_TOOLS: readonly ToolSpec[] = [
  {
    type: "function",
    name: "get_goal",
    description:
      "Returns this thread's goal: its objective, status, token budget, the tokens and time used so far and the tokens left.",
    strict: false,
    parameters: { type: "object", properties: {}, required: [], additionalProperties: false },
  },
  {
    type: "function",
    name: "create_goal",
    description:
      "Starts a goal for this thread, only when the user or the instructions ask for one explicitly; never for an ordinary task. Set token_budget only when a budget is asked for. Fails while an unfinished goal exists.",
    strict: false,
    parameters: {
      type: "object",
      properties: {
        objective: {
          type: "string",
          description:
            "Required. The concrete objective to pursue; it becomes the active goal (replacing a completed one).",
        },
        token_budget: {
          type: "integer",
          description: "A positive token budget for the goal, only when one was asked for.",
        },
      },
      required: ["objective"],
      additionalProperties: false,
    },
  },
  {
    type: "function",
    name: "update_goal",
    description:
      'Marks the existing goal "complete" once every requirement of its objective is verified done; "blocked" only after the same blocker stopped progress for at least three consecutive goal turns; "paused" only when the user asks for it. Resuming and the budget or usage limits are not yours to set. When a goal with a budget completes, report its final token usage.',
    strict: false,
    parameters: {
      type: "object",
      properties: {
        status: {
          type: "string",
          description:
            '"complete" when the objective is achieved; "blocked" after three consecutive goal turns stopped by the same blocker; "paused" at the user\'s explicit request.',
          enum: ["complete", "blocked", "paused"],
        },
      },
      required: ["status"],
      additionalProperties: false,
    },
  },
];
