import { INVALID_REQUEST, invalidRequest, type Protocol0166, RpcError } from "@codex-ts/app-server-protocol";
import { ReadStateConflictError } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import {
  requireExperimental,
  type ThreadStateServices0166,
  threadIdParam,
  usingState,
  whereabouts,
} from "./threads.js";

/**
 * `thread/readState/update`: marks a stored thread read (`read`) or unread from its start (`unread`), if the
 * client saw its current revision (else `-32600 read state changed` with the current state in `data`); the change
 * is announced (`thread/readState/changed`) before the answer, as 0.166.0 does. Completed turns mark threads
 * unread (`LoadedThread`, through the registry's `readReceipts`).
 */
export function createReadStateHandlers0166(
  s: ThreadStateServices0166,
): Handlers<Protocol0166, "thread/readState/update"> {
  return {
    async "thread/readState/update"(p, ctx) {
      requireExperimental(s, "thread/readState/update");
      const id = threadIdParam(p.threadId);
      const where = await whereabouts(s, id);
      if (where.kind === "unknown") throw invalidRequest(`thread not loaded: ${id}`);
      if (where.kind === "loaded" && where.ephemeral) throw invalidRequest("thread read state unavailable");
      let readState: ReturnType<typeof s.state.readReceipts.update>;
      try {
        readState = usingState(() =>
          s.state.readReceipts.update(id, p.operation.type === "read", p.expectedRevision),
        );
      } catch (err) {
        if (err instanceof ReadStateConflictError)
          throw new RpcError(INVALID_REQUEST, err.message, {
            reason: "readStateConflict",
            readState: err.current,
          });
        throw err;
      }
      await ctx.peer.notify("thread/readState/changed", { threadId: id, readState });
      return { readState };
    },
  };
}
