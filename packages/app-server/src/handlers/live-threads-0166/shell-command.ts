import { invalidParams, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import { uuidV7 } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";

/**
 * `thread/shellCommand {threadId, command, timeoutMs?}`: the user's own shell command (a client's `!cmd`), run by
 * the core (`user_shell_command` op: the user's shell with `-lc`, unsandboxed, in the thread's cwd, the core's
 * command runner and output caps). Answered `{}` at once, as 0.166.0 answers; the command then shows as a
 * `commandExecution` item with `source: "userShell"` — on a turn of its own when the thread is idle, on the running
 * turn otherwise (whose next model request then sees its outcome) — and the model is given its outcome as a
 * `<user_shell_command>` user message. Refusals in 0.166.0's words and order.
 */
export function createShellCommandHandler0166(
  registry: ThreadRegistry,
): Handlers<Protocol0166, "thread/shellCommand"> {
  return {
    async "thread/shellCommand"(p, ctx) {
      if (p.command.trim() === "") throw invalidRequest("command must not be empty");
      if (p.timeoutMs != null && p.timeoutMs < 0)
        throw invalidParams(`thread/shellCommand timeoutMs must be non-negative, got ${p.timeoutMs}`);
      const thread = registry.require(p.threadId);
      // The answer goes first: the command's turn and item follow it, as in 0.166.0.
      const hold = thread.hold();
      try {
        await thread.conversation.submit(
          {
            type: "user_shell_command",
            command: p.command,
            ...(p.timeoutMs != null ? { timeout_ms: p.timeoutMs } : {}),
          },
          uuidV7(),
        );
        return await ctx.respond({});
      } finally {
        hold.release();
      }
    },
  };
}
