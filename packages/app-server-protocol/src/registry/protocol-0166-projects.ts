import * as g from "../schema/gen-0166.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's thread organisation: projects (named groups of roots, ordered by the user) and thread sections (the
 * built-in Pinned one and the user's own), and which project and section each thread is in. A group of their own,
 * so that `protocol-0166.ts` changes by one line.
 */
export const projectRequests0166 = {
  "thread/section/move": v2m(g.ThreadSectionMoveParams, g.ThreadSectionMoveResponse),
  "project/list": v2m(g.ProjectListParams, g.ProjectListResponse),
  "project/read": v2m(g.ProjectReadParams, g.ProjectReadResponse),
  "project/create": v2m(g.ProjectCreateParams, g.ProjectCreateResponse),
  "project/import": v2m(g.ProjectImportParams, g.ProjectImportResponse),
  "project/update": v2m(g.ProjectUpdateParams, g.ProjectUpdateResponse),
  "project/move": v2m(g.ProjectMoveParams, g.ProjectMoveResponse),
  "project/delete": v2m(g.ProjectDeleteParams, g.ProjectDeleteResponse),
  "threadSection/list": v2m(g.ThreadSectionListParams, g.ThreadSectionListResponse),
  "threadSection/create": v2m(g.ThreadSectionCreateParams, g.ThreadSectionCreateResponse),
  "threadSection/update": v2m(g.ThreadSectionUpdateParams, g.ThreadSectionUpdateResponse),
  "threadSection/delete": v2m(g.ThreadSectionDeleteParams, g.ThreadSectionDeleteResponse),
} as const;

/** The names of these methods (the app server's projects handler group serves exactly these). */
export type ProjectMethod0166 = keyof typeof projectRequests0166;

/** The notifications that go with them. */
export const projectNotifications0166 = {
  "project/changed": g.ProjectChangedNotification,
  "thread/project/updated": g.ThreadProjectUpdatedNotification,
} as const;
