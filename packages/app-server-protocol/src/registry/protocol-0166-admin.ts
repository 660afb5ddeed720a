import * as g from "../schema/gen-0166.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's methods that manage stored and loaded threads: fork, archive, unarchive, delete, names, the loaded
 * list, unsubscribing and compaction. A group of their own, so that `protocol-0166.ts` changes by one line.
 */
export const adminRequests0166 = {
  "thread/fork": v2m(g.ThreadForkParams, g.ThreadForkResponse),
  "thread/archive": v2m(g.ThreadArchiveParams, g.ThreadArchiveResponse),
  "thread/unarchive": v2m(g.ThreadUnarchiveParams, g.ThreadUnarchiveResponse),
  "thread/delete": v2m(g.ThreadDeleteParams, g.ThreadDeleteResponse),
  "thread/name/set": v2m(g.ThreadSetNameParams, g.ThreadSetNameResponse),
  "thread/loaded/list": v2m(g.ThreadLoadedListParams, g.ThreadLoadedListResponse),
  "thread/unsubscribe": v2m(g.ThreadUnsubscribeParams, g.ThreadUnsubscribeResponse),
  "thread/compact/start": v2m(g.ThreadCompactStartParams, g.ThreadCompactStartResponse),
} as const;

/** The names of these methods (the app server's thread-management handler group serves exactly these). */
export type AdminMethod0166 = keyof typeof adminRequests0166;

/** The notifications that go with them. */
export const adminNotifications0166 = {
  "thread/archived": g.ThreadArchivedNotification,
  "thread/unarchived": g.ThreadUnarchivedNotification,
  "thread/deleted": g.ThreadDeletedNotification,
  "thread/closed": g.ThreadClosedNotification,
  "thread/name/updated": g.ThreadNameUpdatedNotification,
  "thread/compacted": g.ContextCompactedNotification,
} as const;
