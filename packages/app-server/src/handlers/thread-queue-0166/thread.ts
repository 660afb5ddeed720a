import { internalError, invalidRequest } from "@codex-ts/app-server-protocol";
import type { SessionsStore } from "@codex-ts/core";
import type { LoadedThread } from "../../threads/loaded-thread.js";
import { parseThreadId, type ThreadRegistry } from "../../threads/registry.js";

/** The thread a queue method names: its id, and the thread when it is loaded. */
export interface QueueThread {
  id: string;
  loaded: LoadedThread | undefined;
}

/**
 * The stored thread `rawId` names, or 0.166.0's refusals: an invalid id, an ephemeral thread (nothing of it is kept),
 * an archived one, one with no rollout. A thread need not be loaded: its queue is kept in the store.
 */
export async function queueThread(
  registry: ThreadRegistry,
  sessions: SessionsStore | undefined,
  rawId: string,
): Promise<QueueThread> {
  const id = parseThreadId(rawId);
  const loaded = registry.get(id);
  if (loaded?.meta.ephemeral)
    throw invalidRequest(`ephemeral thread does not support queued submissions: ${id}`);
  if (loaded) return { id, loaded };
  if (await sessions?.findPathById(id)) return { id, loaded };
  if (await sessions?.findArchivedPathById(id))
    throw invalidRequest(`session ${id} is archived. Run \`codex unarchive ${id}\` to unarchive it first.`);
  throw internalError(
    `failed to read thread: invalid thread-store request: no rollout found for thread id ${id}`,
  );
}
