import type { SessionsStore } from "@codex-ts/core";

/** More agents than a root thread can have had at once many times over: one page lists them all. */
const PAGE = 10_000;

/**
 * The live (unarchived) threads spawned under thread `id` at any depth (their session_meta names it as an ancestor),
 * deepest last as listed. 0.166.0 archives and deletes a thread's sub-agents with it, unloading the loaded ones
 * first (a running turn is interrupted), so these go the same way.
 */
export async function spawnedThreads(
  store: SessionsStore,
  id: string,
  defaultProvider: string,
): Promise<string[]> {
  const page = await store.listThreads({
    ancestorThreadId: id,
    archived: false,
    includeEmpty: true,
    limit: PAGE,
    sortDirection: "asc",
    defaultProvider,
  });
  return page.items.map((t) => t.conversationId).filter((t) => t !== id);
}
