import { type gen0166, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import { ReviewTargetError, resolveReviewRequest, uuidV7 } from "@codex-ts/core";
import type { Handlers } from "../handler.js";
import type { ThreadRegistry } from "../threads/registry.js";
import { pendingTurn } from "./turns-0166.js";

/**
 * The review turn as `review/start` answers it (0.166.0's shape): in progress, nothing timed yet, and the review's
 * label as a user message with the turn's id.
 */
function pendingReviewTurn(id: string, hint: string): gen0166.Turn {
  return pendingTurn(id, {
    rootTurnId: null,
    items: [
      {
        type: "userMessage",
        id,
        clientId: null,
        content: [{ type: "text", text: hint, text_elements: [] }],
        startedAtMs: null,
        completedAtMs: null,
      },
    ],
  });
}

/**
 * `review/start` (0.166): a review of the thread's workspace (uncommitted changes, against a base branch, one
 * commit, or custom instructions) run inline as a turn of that thread, the only delivery 0.166.0 has. The prompt is
 * resolved first (an empty field is refused in 0.166.0's words; a base branch's merge base is looked up in the
 * thread's cwd), then the review is queued (a running turn is interrupted first, as 0.166.0 replaces it) and
 * answered with its turn; its notifications follow.
 */
export function createReviewHandlers0166(registry: ThreadRegistry): Handlers<Protocol0166, "review/start"> {
  return {
    async "review/start"(p, ctx) {
      const thread = registry.require(p.threadId);
      const request = await resolveReviewRequest(p.target, thread.settings.cwd).catch((err: unknown) => {
        throw err instanceof ReviewTargetError ? invalidRequest(err.message) : err;
      });
      const hold = thread.hold();
      try {
        // A review replaces the running turn, as in 0.166.0: that turn ends interrupted, then the review runs.
        if (thread.currentTask()) await thread.conversation.submit({ type: "interrupt" });
        thread.mapper.expectReview();
        const turnId = await thread.conversation.submit(
          { type: "review", review_request: request },
          uuidV7(),
        );
        return await ctx.respond({
          turn: pendingReviewTurn(turnId, request.user_facing_hint),
          reviewThreadId: thread.id,
        });
      } finally {
        hold.release();
      }
    },
  };
}
