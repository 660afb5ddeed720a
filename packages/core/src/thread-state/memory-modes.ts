import type { ThreadStateDb } from "./db.js";

/** Whether a thread's conversation may feed the memories (0.166.0's `threads.memory_mode`). */
export type ThreadMemoryMode = "enabled" | "disabled";

/** Threads' memory modes; a thread without a row is `enabled`, 0.166.0's default. */
export class MemoryModeStore {
  constructor(private readonly db: ThreadStateDb) {}

  get(threadId: string): ThreadMemoryMode {
    const mode = this.db
      .get()
      .prepare("SELECT mode FROM thread_memory_modes WHERE thread_id = ?")
      .pluck()
      .get(threadId) as ThreadMemoryMode | undefined;
    return mode ?? "enabled";
  }

  set(threadId: string, mode: ThreadMemoryMode): void {
    this.db
      .get()
      .prepare(
        "INSERT INTO thread_memory_modes (thread_id, mode) VALUES (?, ?) ON CONFLICT(thread_id) DO UPDATE SET mode = excluded.mode",
      )
      .run(threadId, mode);
  }

  remove(threadId: string): void {
    this.db.get().prepare("DELETE FROM thread_memory_modes WHERE thread_id = ?").run(threadId);
  }
}
