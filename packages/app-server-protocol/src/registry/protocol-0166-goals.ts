import * as g from "../schema/gen-0166.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's thread goals: a persisted objective per thread that keeps the agent working (continuation turns) until
 * it is complete, paused or out of budget. A group of their own, so that `protocol-0166.ts` changes by one line.
 */
export const goalRequests0166 = {
  "thread/goal/set": v2m(g.ThreadGoalSetParams, g.ThreadGoalSetResponse),
  "thread/goal/get": v2m(g.ThreadGoalGetParams, g.ThreadGoalGetResponse),
  "thread/goal/clear": v2m(g.ThreadGoalClearParams, g.ThreadGoalClearResponse),
} as const;

/** The names of these methods (the app server's goal handler group serves exactly these). */
export type GoalMethod0166 = keyof typeof goalRequests0166;

/** The notifications that go with them. */
export const goalNotifications0166 = {
  "thread/goal/updated": g.ThreadGoalUpdatedNotification,
  "thread/goal/cleared": g.ThreadGoalClearedNotification,
} as const;
