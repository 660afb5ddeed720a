import * as g from "../schema/gen-0166.js";
import { NoParams } from "./no-params.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's per-thread state beside the rollout: attachments (client-defined records keyed by type and identity),
 * read state (the first unread turn), the memory mode, the memories themselves, and rollout compression. A group of
 * their own, so that `protocol-0166.ts` changes by one line.
 */
export const threadStateRequests0166 = {
  "thread/attachment/add": v2m(g.ThreadAttachmentAddParams, g.ThreadAttachmentAddResponse),
  "thread/attachment/list": v2m(g.ThreadAttachmentListParams, g.ThreadAttachmentListResponse),
  "thread/attachmentOwner/list": v2m(g.ThreadAttachmentOwnerListParams, g.ThreadAttachmentOwnerListResponse),
  "thread/attachment/remove": v2m(g.ThreadAttachmentRemoveParams, g.ThreadAttachmentRemoveResponse),
  "thread/readState/update": v2m(g.ThreadReadStateUpdateParams, g.ThreadReadStateUpdateResponse),
  "thread/memoryMode/set": v2m(g.ThreadMemoryModeSetParams, g.ThreadMemoryModeSetResponse),
  "thread/memory/read": v2m(g.ThreadMemoryReadParams, g.ThreadMemoryReadResponse),
  "memory/reset": v2m(NoParams, g.MemoryResetResponse),
  "rollout/compress": v2m(NoParams, g.RolloutCompressResponse),
} as const;

/** The names of these methods (the app server's thread-state handler group serves exactly these). */
export type ThreadStateMethod0166 = keyof typeof threadStateRequests0166;

/** The notifications that go with them. */
export const threadStateNotifications0166 = {
  "thread/attachment/updated": g.ThreadAttachmentUpdatedNotification,
  "thread/readState/changed": g.ThreadReadStateChangedNotification,
} as const;
