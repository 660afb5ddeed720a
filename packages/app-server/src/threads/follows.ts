import type { ThreadRegistry } from "./registry.js";

/**
 * Which loaded threads one connection follows (0.166.0 keeps a subscription per connection and thread:
 * `thread/unsubscribe` from one client leaves the others following). A thread nobody follows any more is unloaded
 * once it has been idle for the unload delay.
 */
export interface ThreadFollows {
  /** Whether this connection follows the thread. */
  has(threadId: string): boolean;
  /** This connection follows the thread (`thread/start`, `thread/resume`, `thread/fork`). */
  add(threadId: string): void;
  /** This connection stops following the thread (`thread/unsubscribe`). */
  delete(threadId: string): void;
  /** Whether any connection follows the thread. */
  anyone(threadId: string): boolean;
}

/**
 * A stdio server's follows: its one connection's, kept on the loaded thread itself (a thread it does not follow
 * sends it nothing).
 */
export function soleConnectionFollows(registry: ThreadRegistry): ThreadFollows {
  const follows = {
    has: (id: string) => registry.get(id)?.subscribed ?? false,
    add(id: string) {
      const thread = registry.get(id);
      if (thread) thread.subscribed = true;
    },
    delete(id: string) {
      const thread = registry.get(id);
      if (thread) thread.subscribed = false;
    },
    anyone: (id: string) => follows.has(id),
  };
  return follows;
}
