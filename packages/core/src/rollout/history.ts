import { parseLine, type RolloutItem, type SessionMetaPayload } from "./line.js";
import { readLines } from "./lines.js";

/** Lines are read in 1 MiB chunks: few reads, and a bounded buffer whatever the file size. */
const CHUNK = 1024 * 1024;

export interface LoadedRollout {
  conversationId: string;
  meta: SessionMetaPayload;
  /** Every parseable item after the first session_meta, in file order. */
  items: RolloutItem[];
}

/** Why a rollout cannot be resumed (the app-server wraps it as ``failed to load rollout `<path>`: …``). */
export class RolloutLoadError extends Error {
  override readonly name = "RolloutLoadError";
}

/**
 * Streams a rollout into memory line by line (the file is never read whole), skipping blank, torn and unknown
 * lines. Errors as Codex: `empty session file`, `failed to parse conversation ID from rollout file`, or the OS error.
 */
export async function loadRollout(path: string): Promise<LoadedRollout> {
  let meta: SessionMetaPayload | null = null;
  let sawAnyLine = false;
  const items: RolloutItem[] = [];
  for await (const text of readLines(path, { firstChunk: CHUNK, maxChunk: CHUNK })) {
    if (!sawAnyLine && text.trim() !== "") sawAnyLine = true;
    const line = parseLine(text);
    if (!line) continue;
    if (line.type === "session_meta" && meta === null) {
      meta = line.payload;
      continue;
    }
    items.push({ type: line.type, payload: line.payload } as RolloutItem);
  }
  if (!sawAnyLine) throw new RolloutLoadError("empty session file");
  if (!meta || typeof meta.id !== "string") {
    throw new RolloutLoadError("failed to parse conversation ID from rollout file");
  }
  return { conversationId: meta.id, meta, items };
}
