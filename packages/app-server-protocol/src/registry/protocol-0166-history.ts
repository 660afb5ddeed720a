import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";

const v2m = <P extends RequestSchema["params"], R extends RequestSchema["response"]>(
  params: P,
  response: R,
) => ({ params, response, namespace: "v2" }) as const satisfies RequestSchema;

/**
 * 0.166.0's stored-history read methods: listing and searching threads, reading one, paging its turns and items,
 * reading some of a turn's items, and finding a term in one thread. A group of
 * its own so that the branches adding other 0.166 methods touch `protocol-0166.ts` by one line each.
 */
export const historyRequests0166 = {
  "thread/list": v2m(g.ThreadListParams, g.ThreadListResponse),
  "thread/read": v2m(g.ThreadReadParams, g.ThreadReadResponse),
  "thread/turns/list": v2m(g.ThreadTurnsListParams, g.ThreadTurnsListResponse),
  "thread/items/list": v2m(g.ThreadItemsListParams, g.ThreadItemsListResponse),
  "thread/items/read": v2m(g.ThreadItemsReadParams, g.ThreadItemsReadResponse),
  "thread/search": v2m(g.ThreadSearchParams, g.ThreadSearchResponse),
  "thread/searchOccurrences": v2m(g.ThreadSearchOccurrencesParams, g.ThreadSearchOccurrencesResponse),
  "thread/timeline/list": v2m(g.ThreadTimelineListParams, g.ThreadTimelineListResponse),
} as const;

/** The names of the history read methods (the app server's history handler group serves exactly these). */
export type HistoryMethod0166 = keyof typeof historyRequests0166;
