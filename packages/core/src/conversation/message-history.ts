import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";

/** Codex's cross-session message history (written by the TUI; read here only for its metadata). */
export const MESSAGE_HISTORY_FILE = "history.jsonl";

/**
 * What `session_configured` reports about `CODEX_HOME/history.jsonl`, as Codex computes it: the file's inode as
 * `log_id` (so a client can tell a replaced file from a grown one) and its number of lines as `entry_count`.
 * A missing or unreadable file is `{0, 0}`; the file is never written or locked here.
 */
export async function messageHistoryMetadata(
  codexHome: string,
): Promise<{ logId: number; entryCount: number }> {
  const path = join(codexHome, MESSAGE_HISTORY_FILE);
  try {
    const info = await stat(path);
    if (!info.isFile()) return { logId: 0, entryCount: 0 };
    let entryCount = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) entryCount++;
    }
    return { logId: info.ino, entryCount };
  } catch {
    return { logId: 0, entryCount: 0 };
  }
}
