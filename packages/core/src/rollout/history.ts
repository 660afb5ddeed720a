import { emptyLineReadStats, readBoundedLines } from "@codex-ts/config-loader";
import { ROLLOUT_LINE_MAX_BYTES, ROLLOUT_MAX_BYTES } from "./limits.js";
import { parseLine, type RolloutItem, type SessionMetaPayload } from "./line.js";

/** Lines are read in 1 MiB chunks: few reads, and a bounded buffer whatever the file size. */
const CHUNK = 1024 * 1024;

export interface LoadedRollout {
  conversationId: string;
  meta: SessionMetaPayload;
  /** Every parseable item after the first session_meta, in file order. */
  items: RolloutItem[];
  /** Lines longer than ROLLOUT_LINE_MAX_BYTES, skipped (callers may warn that history is missing). */
  skippedLines: number;
}

/** Why a rollout cannot be resumed (the app-server wraps it as ``failed to load rollout `<path>`: …``). */
export class RolloutLoadError extends Error {
  override readonly name = "RolloutLoadError";
}

/**
 * Streams a rollout into memory line by line (the file is never read whole), skipping blank, torn, unknown and
 * over-long lines. Errors as Codex: `empty session file`, `failed to parse conversation ID from rollout file`, or
 * the OS error; and the bounded reader's: a file that is not a regular file, or is over ROLLOUT_MAX_BYTES, is
 * refused before anything is read (`FileReadError`).
 */
export async function loadRollout(path: string): Promise<LoadedRollout> {
  let meta: SessionMetaPayload | null = null;
  let sawAnyLine = false;
  const items: RolloutItem[] = [];
  const stats = emptyLineReadStats();
  for await (const text of readBoundedLines(path, {
    maxLineBytes: ROLLOUT_LINE_MAX_BYTES,
    maxFileBytes: ROLLOUT_MAX_BYTES,
    firstChunkBytes: CHUNK,
    chunkBytes: CHUNK,
    stats,
  })) {
    if (!sawAnyLine && text.trim() !== "") sawAnyLine = true;
    const line = parseLine(text);
    if (!line) continue;
    if (line.type === "session_meta" && meta === null) {
      meta = line.payload;
      continue;
    }
    items.push({ type: line.type, payload: line.payload } as RolloutItem);
  }
  if (!sawAnyLine && stats.skippedLines === 0) throw new RolloutLoadError("empty session file");
  if (!meta || typeof meta.id !== "string") {
    const skipped =
      stats.skippedLines > 0
        ? ` (${stats.skippedLines} line(s) over ${ROLLOUT_LINE_MAX_BYTES} bytes skipped)`
        : "";
    throw new RolloutLoadError(`failed to parse conversation ID from rollout file${skipped}`);
  }
  return { conversationId: meta.id, meta, items, skippedLines: stats.skippedLines };
}
