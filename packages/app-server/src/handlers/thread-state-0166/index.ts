import type { Protocol0166, ThreadStateMethod0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import { createAttachmentHandlers0166 } from "./attachments.js";
import { createMemoryHandlers0166 } from "./memories.js";
import { createReadStateHandlers0166 } from "./read-state.js";
import type { ThreadStateServices0166 } from "./threads.js";

export { memoriesInUse, memorySummaryPath } from "./memories.js";
export type { ThreadStateServices0166 } from "./threads.js";

/** The names of the thread-state methods, for a server without a CODEX_HOME (each then answers unavailable). */
export const THREAD_STATE_METHODS_0166: ThreadStateMethod0166[] = [
  "thread/attachment/add",
  "thread/attachment/list",
  "thread/attachmentOwner/list",
  "thread/attachment/remove",
  "thread/readState/update",
  "thread/memoryMode/set",
  "thread/memory/read",
  "memory/reset",
  "rollout/compress",
];

/**
 * 0.166.0's per-thread state beside the rollouts (attachments, read state, memory mode) and its memory and
 * rollout maintenance methods, kept in this server's thread-state database (`ThreadStateStore`).
 */
export function createThreadStateHandlers0166(
  s: ThreadStateServices0166,
): Handlers<Protocol0166, ThreadStateMethod0166> {
  return {
    ...createAttachmentHandlers0166(s),
    ...createReadStateHandlers0166(s),
    ...createMemoryHandlers0166(s),
  };
}
