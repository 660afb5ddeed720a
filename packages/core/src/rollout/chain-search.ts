import { forEachCompressedLine, isCompressed } from "./compressed.js";
import { historyBaseOf, isMetaLine, readMetaLine } from "./history-segments.js";
import type { IndexDb } from "./index-db.js";
import { ROLLOUT_LINE_MAX_BYTES } from "./limits.js";
import { openRollout } from "./turn-index.js";
import { conversationText, foldCase } from "./turn-text.js";

/**
 * `thread/search` over the kept history of a thread 0.166.0 reverted or compressed, without writing anything: a
 * reverted thread's history is its newest continuation after what each `history_base` keeps of the rollout before
 * it (continuations.ts), and a compressed rollout (compressed.ts) is read in place, decompressed as a stream, rather
 * than restored to `.jsonl` as a resume does.
 */

/** A listed thread: its first rollout and its newest continuation (index keys; see index-tips.ts). */
export interface SearchedThread {
  name: string;
  id: string;
  tip: string | null;
}

/** A byte range of one rollout that belongs to the thread's kept history. */
export interface SearchSegment {
  name: string;
  /** Offsets in the rollout's (decompressed) content: [start, end). */
  start: number;
  end: number;
}

/** How many continuations a chain may have before it is taken as a loop. */
const MAX_CHAIN = 256;

/** A rollout's session_meta payload and where its line ends; null when its first line is no session_meta. */
async function metaOf(path: string): Promise<{ payload: Record<string, unknown>; end: number } | null> {
  if (isCompressed(path)) {
    let meta: { payload: Record<string, unknown>; end: number } | null = null;
    await forEachCompressedLine(path, ROLLOUT_LINE_MAX_BYTES, (line) => {
      try {
        const value = JSON.parse(line.toString("utf8")) as { type?: unknown; payload?: unknown };
        if (value.type === "session_meta" && typeof value.payload === "object" && value.payload !== null)
          meta = { payload: value.payload as Record<string, unknown>, end: line.length + 1 };
      } catch {
        // not JSON: no meta
      }
      return false;
    });
    return meta;
  }
  const handle = await openRollout(path);
  try {
    const read = await readMetaLine(handle);
    return isMetaLine(read) ? { payload: read.payload, end: read.end } : null;
  } finally {
    await handle.close();
  }
}

/**
 * The kept history of a thread, oldest segment first: its newest continuation whole, then as much of each earlier
 * rollout as the later one's `history_base` keeps, back to the first rollout. A continuation the index does not know
 * (or a chain that loops) ends the walk: what was found is searched.
 */
export async function keptSegments(
  idx: IndexDb,
  abs: (name: string) => string,
  thread: SearchedThread,
): Promise<SearchSegment[]> {
  const segments: SearchSegment[] = [];
  let current: string | null = thread.tip ?? thread.name;
  let end = Number.MAX_SAFE_INTEGER;
  const seen = new Set<string>();
  while (current !== null && !seen.has(current) && seen.size <= MAX_CHAIN) {
    seen.add(current);
    if (current === thread.name) {
      segments.unshift({ name: current, start: 0, end });
      break;
    }
    const meta = await metaOf(abs(current));
    if (!meta) break;
    segments.unshift({ name: current, start: meta.end, end });
    const base = historyBaseOf(meta.payload);
    if (!base) break;
    end = base.endByteOffset;
    current = base.threadId.toLowerCase() === thread.id ? thread.name : continuationNamed(idx, base.threadId);
  }
  return segments;
}

/** The index key of the continuation whose history id is `historyId`, or null when the index has none such. */
function continuationNamed(idx: IndexDb, historyId: string): string | null {
  return idx.run(() => {
    const row = idx
      .stmt("SELECT name FROM continuations WHERE history_id = ? ORDER BY archived LIMIT 1")
      .get(historyId.toLowerCase()) as { name: string } | undefined;
    return row?.name ?? null;
  }, null);
}

/**
 * The first message text (in file order) of a compressed rollout's [start, end) holding `term` case-insensitively,
 * read as a stream (a chunk and a line held at a time); null when none does.
 */
export async function firstCompressedText(
  path: string,
  segment: Pick<SearchSegment, "start" | "end">,
  term: string,
): Promise<string | null> {
  const folded = foldCase(term);
  let found: string | null = null;
  await forEachCompressedLine(path, ROLLOUT_LINE_MAX_BYTES, (line, offset) => {
    if (offset >= segment.end) return false;
    if (offset < segment.start) return true;
    let text: string | null = null;
    try {
      text = conversationText(JSON.parse(line.toString("utf8")) as Record<string, unknown>);
    } catch {
      return true; // a torn or foreign line: no text, as the indexing pass reads it
    }
    if (text !== null && foldCase(text).includes(folded)) found = text;
    return found === null;
  });
  return found;
}
