import { invalidRequest, METHOD_NOT_FOUND, type Protocol0166, RpcError } from "@codex-ts/app-server-protocol";
import { ElicitationCountError } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { parseThreadId, type ThreadRegistry } from "../../threads/registry.js";
import { deniedActionApproval, readGuardianEvent } from "./guardian-event.js";

type Methods =
  | "thread/increment_elicitation"
  | "thread/decrement_elicitation"
  | "thread/prediction/request"
  | "thread/approveGuardianDeniedAction"
  | "mock/experimentalMethod";

export interface ThreadExtrasServices {
  /** The loaded threads; without an agent runtime there are none (`thread not found`). */
  registry: ThreadRegistry | undefined;
  requireExperimental(method: string): void;
}

/**
 * The thread extras of 0.166.0:
 * - `thread/increment_elicitation` / `thread/decrement_elicitation {threadId}` (experimental): a loaded thread's
 *   out-of-band elicitation counter, which a client's helper raises while it asks the user something outside the app
 *   server's own requests. While it is above zero the thread's command yield times stop (a command's output is
 *   waited for as long as the question is open), as 0.166.0's timeout accounting pauses. Answers `{count, paused}`;
 *   decrementing at zero is refused (`out-of-band elicitation count is already zero`).
 * - `thread/prediction/request` (experimental): 0.166.0 declares it but does not implement it (-32601 `… is not
 *   implemented yet`); so here.
 * - `thread/approveGuardianDeniedAction {threadId, event}`: the user overrides a denial of the automatic reviewer.
 *   The event is read first (`invalid Guardian denial event: …`), then the thread; a denied action is recorded in
 *   the thread's history as 0.166.0's developer message approving that exact action, any other event changes
 *   nothing. As on 0.166.0 nothing is re-run: the model sees the approval and may retry, and the retry is reviewed
 *   again, the reviewer shown the approval too.
 * - `mock/experimentalMethod {value?}` (experimental, a test fixture): echoes `value`.
 */
export function createThreadExtrasHandlers0166(s: ThreadExtrasServices): Handlers<Protocol0166, Methods> {
  const loaded = (rawId: string) => {
    const id = parseThreadId(rawId);
    const thread = s.registry?.get(id);
    if (!thread) throw invalidRequest(`thread not found: ${id}`);
    return thread;
  };
  const change = (method: string, rawId: string, direction: "increment" | "decrement") => {
    s.requireExperimental(method);
    const thread = loaded(rawId);
    try {
      const count = thread.conversation.changeOutOfBandElicitations(direction);
      return { count, paused: count > 0 };
    } catch (err) {
      if (err instanceof ElicitationCountError) throw invalidRequest(err.message);
      throw err;
    }
  };
  return {
    "thread/increment_elicitation"(p) {
      return change("thread/increment_elicitation", p.threadId, "increment");
    },

    "thread/decrement_elicitation"(p) {
      return change("thread/decrement_elicitation", p.threadId, "decrement");
    },

    "thread/prediction/request"() {
      s.requireExperimental("thread/prediction/request");
      throw new RpcError(METHOD_NOT_FOUND, "thread/prediction/request is not implemented yet");
    },

    async "thread/approveGuardianDeniedAction"(p) {
      let event: ReturnType<typeof readGuardianEvent>;
      try {
        event = readGuardianEvent(p.event);
      } catch (err) {
        throw invalidRequest(`invalid Guardian denial event: ${(err as Error).message}`);
      }
      const thread = loaded(p.threadId);
      if (event.status !== "denied") return {};
      await thread.conversation.submit({
        type: "inject_items",
        items: [
          {
            type: "message",
            role: "developer",
            content: [{ type: "input_text", text: deniedActionApproval(event.action) }],
          },
        ],
      });
      await thread.conversation.flushRollout();
      return {};
    },

    "mock/experimentalMethod"(p) {
      s.requireExperimental("mock/experimentalMethod");
      return { echoed: p.value ?? null };
    },
  };
}
