import type { CodexEventOf } from "../events/types.js";

/** The two events that ask the user a question; the answer comes back as an `exec_approval` / `patch_approval` op. */
export type ApprovalRequest =
  | CodexEventOf<"exec_approval_request">
  | CodexEventOf<"apply_patch_approval_request">;
