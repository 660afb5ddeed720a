import * as g from "../schema/gen-0166.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's thread queue (experimental): user messages waiting for a thread's next turn, kept across restarts, each
 * started as a turn of its own once the turn before it completed (or on `thread/queue/start`). A group of its own,
 * so that `protocol-0166.ts` changes by one line.
 */
export const queueRequests0166 = {
  "thread/queue/add": v2m(g.ThreadQueueAddParams, g.ThreadQueueAddResponse),
  "thread/queue/list": v2m(g.ThreadQueueListParams, g.ThreadQueueListResponse),
  "thread/queue/update": v2m(g.ThreadQueueUpdateParams, g.ThreadQueueUpdateResponse),
  "thread/queue/delete": v2m(g.ThreadQueueDeleteParams, g.ThreadQueueDeleteResponse),
  "thread/queue/reorder": v2m(g.ThreadQueueReorderParams, g.ThreadQueueReorderResponse),
  "thread/queue/start": v2m(g.ThreadQueueStartParams, g.ThreadQueueStartResponse),
} as const;

/** The names of these methods (the app server's queue handler group serves exactly these). */
export type QueueMethod0166 = keyof typeof queueRequests0166;

/** The notification that goes with them. */
export const queueNotifications0166 = {
  "thread/queue/changed": g.ThreadQueueChangedNotification,
} as const;
