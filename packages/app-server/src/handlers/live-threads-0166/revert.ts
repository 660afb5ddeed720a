import { invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";

/**
 * `thread/revert {threadId, beforeTurnId}`: 0.166.0 reverts only paginated threads, by starting a continuation
 * rollout whose session_meta points at the kept prefix of the previous one (`history_base {thread_id,
 * end_ordinal_exclusive, end_byte_offset}`), then reloads the thread (`notLoaded`, `idle`) and sends
 * `thread/reverted`. Every thread this server starts is a legacy one, which 0.166.0 refuses in the words given here;
 * a paginated thread (one 0.166.0 started, continued here) is refused too, on purpose: this server's rollout readers
 * do not follow `history_base` chains, so a revert written here would not read back the same turns.
 */
export function createRevertHandler0166(registry: ThreadRegistry): Handlers<Protocol0166, "thread/revert"> {
  return {
    "thread/revert"(p) {
      const thread = registry.require(p.threadId);
      if ((thread.meta.historyMode ?? "legacy") !== "paginated")
        throw invalidRequest("thread/revert only supports paginated threads");
      throw invalidRequest(
        "thread/revert is not supported by this server for paginated threads (it does not write continuation rollouts)",
      );
    },
  };
}
