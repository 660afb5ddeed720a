import { internalError, invalidRequest, parseUuid, RpcError } from "@codex-ts/app-server-protocol";
import {
  ArchiveError,
  DeleteError,
  ForkError,
  osErrorText,
  RolloutLoadError,
  RolloutPathError,
  ThreadNotFoundError,
} from "@codex-ts/core";

/**
 * A thread id in 0.166.0's words for the method at hand: `thread/fork` and `thread/archive` parse it as a session id
 * (`invalid session id: …`), the other methods as a thread id (`invalid thread id: …`).
 */
export function parseId(raw: string, kind: "thread" | "session"): string {
  try {
    return parseUuid(raw);
  } catch (err) {
    throw invalidRequest(`invalid ${kind} id: ${(err as Error).message}`);
  }
}

/** `no rollout found for thread id <id>`: 0.166.0's answer for a thread with no live rollout. */
export const noRollout = (id: string) => invalidRequest(`no rollout found for thread id ${id}`);

/**
 * A store failure as the client sees it: refusals (unknown thread, a path outside the sessions folders, a rollout
 * that cannot be archived or deleted as asked) are the client's (-32600), I/O failures the server's (-32603).
 */
export function storeFailure(err: unknown, what: string): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof ThreadNotFoundError || err instanceof RolloutPathError)
    return invalidRequest(err.message);
  if (err instanceof ArchiveError || err instanceof DeleteError)
    return err.kind === "invalid" ? invalidRequest(err.message) : internalError(err.message);
  if (err instanceof ForkError || err instanceof RolloutLoadError) return invalidRequest(err.message);
  return internalError(`failed to ${what}: ${osErrorText(err)}`);
}
