import { mkdir, open, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { writeFileAtomically } from "@codex-ts/config-loader";
import { uuidV7 } from "../conversation/ids.js";
import { currentRollout } from "./continuations.js";
import { isMetaLine, readMetaLine } from "./history-segments.js";
import { continuationEntry } from "./index-tips.js";
import { nextOrdinal } from "./ordinal.js";
import { rolloutPathFor } from "./paths.js";
import { openRollout } from "./turn-index.js";

/**
 * `thread/revert` of a paginated thread, as codex 0.166.0 does it: no rollout is rewritten. A continuation is started,
 * `rollout-<now>-<thread id>_<history id>.jsonl` in today's day folder (the history id a new UUID v7), holding one
 * session_meta line: the thread's own (from the rollout its history now ends in), stamped now, numbered with the
 * ordinal of the line it replaces, and whose `history_base {thread_id, end_ordinal_exclusive, end_byte_offset}` keeps
 * the history up to the reverted turn's first line (`thread_id`: the history id of the rollout holding that turn,
 * the thread id for its first rollout). Readers follow the chain (history-segments.ts, continuations.ts); the
 * thread's next lines are appended to the continuation.
 */

/** Where the kept history ends: the first line of the reverted turn, in the rollout (history id) holding it. */
export interface RevertCut {
  path: string;
  historyId: string;
  startOffset: number;
  /** The reverted turn is the thread's first: nothing of its history is kept. */
  first?: boolean;
}

export interface StartedContinuation {
  path: string;
  historyId: string;
  /** The index entry of the new file (its folder as an index key is given by the caller). */
  mtimeMs: number;
}

/** `{"timestamp":"…","ordinal":N,` at the head of a numbered line. */
const ORDINAL = /^\{"timestamp":"[^"]*","ordinal":(\d+),/;

/** The ordinal of the line starting at `offset` (numbered rollouts), else the one numbering from 0 would give it. */
async function ordinalAt(path: string, offset: number): Promise<number> {
  const handle = await openRollout(path);
  try {
    const head = Buffer.alloc(160);
    const { bytesRead } = await handle.read(head, 0, head.length, offset);
    const m = ORDINAL.exec(head.subarray(0, bytesRead).toString("latin1"));
    return m ? Number(m[1]) : await nextOrdinal(handle, offset);
  } finally {
    await handle.close();
  }
}

/** The session_meta payload of the rollout at `path`; an error when it has none (not a thread's rollout). */
async function metaPayload(path: string): Promise<Record<string, unknown>> {
  const handle = await openRollout(path);
  try {
    const read = await readMetaLine(handle);
    if (!isMetaLine(read)) throw new Error(`rollout ${path} has no session_meta line`);
    return read.payload;
  } finally {
    await handle.close();
  }
}

/**
 * Writes the continuation of thread `threadId` (whose first rollout is `firstPath`) that keeps its history up to
 * `cut`: written whole to a temp file, fsynced and renamed into place (a reader sees no file or the whole line), then
 * the folder fsynced so the new name survives a crash. The caller holds the thread's write lock and has unloaded it.
 */
export async function startContinuation(
  codexHome: string,
  threadId: string,
  firstPath: string,
  cut: RevertCut,
  now = new Date(),
): Promise<StartedContinuation> {
  const current = await currentRollout(firstPath);
  const { history_base: _previous, ...payload } = await metaPayload(current.path);
  // Before the thread's first turn nothing is kept: 0.166.0 starts the history anew (no base, numbered from 0).
  const ordinal = cut.first ? 0 : await ordinalAt(cut.path, cut.startOffset);
  const historyId = uuidV7(now.getTime());
  const base = { thread_id: cut.historyId, end_ordinal_exclusive: ordinal, end_byte_offset: cut.startOffset };
  const line = {
    timestamp: now.toISOString(),
    ordinal,
    type: "session_meta",
    payload: { ...payload, timestamp: now.toISOString(), ...(cut.first ? {} : { history_base: base }) },
  };
  const path = rolloutPathFor(codexHome, now, `${threadId}_${historyId}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomically(path, `${JSON.stringify(line)}\n`);
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync().catch(() => undefined); // some file systems cannot fsync a folder; the rename stands anyway
  } finally {
    await dir.close();
  }
  return { path, historyId, mtimeMs: (await stat(path)).mtimeMs };
}

/** The sessions index entry of a continuation just written (`dirKey`: its folder as an index key). */
export const continuationIndexEntry = (dirKey: string, c: StartedContinuation) =>
  continuationEntry(dirKey, basename(c.path), c.mtimeMs);
