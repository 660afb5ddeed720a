import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";

/**
 * 0.166.0's code review: `review/start` runs a review of the thread's workspace as a turn of that thread (the
 * only delivery 0.166.0 accepts is `inline`). A group of its own so that the branches adding other 0.166 methods
 * touch `protocol-0166.ts` by one line each.
 */
export const reviewRequests0166 = {
  "review/start": {
    params: g.ReviewStartParams,
    response: g.ReviewStartResponse,
    namespace: "v2",
  },
} as const satisfies Record<string, RequestSchema>;
