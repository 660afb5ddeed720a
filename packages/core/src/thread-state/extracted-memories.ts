import { existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { bindingOptionsForDriver, loadDriver } from "../rollout/index-db.js";

/** 0.166.0's memory databases (legacy and v2 pipelines), which hold the memories it extracted from rollouts. */
const MEMORY_DATABASES = ["memories_1.sqlite", "memories_v2_1.sqlite"];

/**
 * Forgets the memories 0.166.0 extracted from rollouts, as its `memory/reset` does: empties `stage1_outputs` and
 * restarts the consolidation count, in each of its memory databases that exists (none is created). Left alone, it
 * would consolidate them into the memory files again.
 */
export function forgetExtractedMemories(codexHome: string): void {
  for (const name of MEMORY_DATABASES) {
    const path = join(codexHome, name);
    if (!existsSync(path) || !lstatSync(path).isFile()) continue;
    const Driver = loadDriver();
    if (!Driver) return;
    const db = new Driver(path, { ...bindingOptionsForDriver(), timeout: 5000, fileMustExist: true });
    try {
      const tables = new Set(
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
      );
      db.transaction(() => {
        if (tables.has("stage1_outputs")) db.prepare("DELETE FROM stage1_outputs").run();
        if (tables.has("consolidation_progress"))
          db.prepare("UPDATE consolidation_progress SET max_thread_count = 0").run();
      }).immediate();
    } finally {
      db.close();
    }
  }
}
