import type { FileHandle } from "node:fs/promises";
import { emptyLineReadStats, readLineSpansFrom } from "@codex-ts/config-loader";
import { ROLLOUT_LINE_MAX_BYTES } from "./limits.js";
import { openRollout, type TurnIndexInfo } from "./turn-index.js";

/**
 * Where a thread's history lives. A rollout normally holds all of it, after its session_meta line. A fork made by
 * codex 0.166.0 (or by `fork({ mode: "reference" })`) holds only its own turns: its session_meta's `history_base`
 * says the first `end_byte_offset` bytes of another thread's rollout come first, and that rollout may itself be such
 * a fork. A continuation 0.166.0's `thread/revert` started is read the same way: its `history_base` names the part
 * of the thread's earlier history it keeps (continuations.ts). The segments, oldest first, are what listing turns, reading items, resuming and forking walk.
 */

/** One byte range of one rollout that is part of a thread's history. */
export interface HistorySegment {
  /** The rollout (real path) and its index key. */
  path: string;
  name: string;
  /** The history id of the rollout: its thread's id, or a continuation's own id (continuations.ts). */
  threadId: string;
  /** The range: from just after its session_meta line to the end of what belongs to this thread. */
  start: number;
  end: number;
  /** The generation of the rollout's turn index the range refers to. */
  generation: string;
}

/** Raised when a thread's history cannot be assembled (a referenced rollout is missing or too short). */
export class HistoryBaseError extends Error {
  override readonly name = "HistoryBaseError";
}

/** How deep a chain of forks referencing forks is followed. */
export const MAX_BASE_DEPTH = 8;

/** The first line of a rollout, which must be its session_meta: its JSON envelope, payload and where it ends. */
export interface MetaLine {
  envelope: Record<string, unknown>;
  payload: Record<string, unknown>;
  end: number;
}

/**
 * Reads a rollout's session_meta line: at most ROLLOUT_LINE_MAX_BYTES are read, so a file whose first line is a
 * 2 GiB run of zeros costs that much. `tooLong`: the first line is longer than that; `empty`: the file has no bytes.
 */
export async function readMetaLine(
  handle: FileHandle,
): Promise<MetaLine | { missing: "empty" | "tooLong" | "notMeta" }> {
  const { size } = await handle.stat();
  if (size === 0) return { missing: "empty" };
  const stats = emptyLineReadStats();
  for await (const span of readLineSpansFrom(handle, size, {
    maxLineBytes: ROLLOUT_LINE_MAX_BYTES,
    stopAfterBytes: ROLLOUT_LINE_MAX_BYTES + 1,
    firstChunkBytes: 16 * 1024,
    stats,
  })) {
    let value: Record<string, unknown> | null = null;
    try {
      value = span.bytes ? (JSON.parse(span.bytes.toString("utf8")) as Record<string, unknown>) : null;
    } catch {
      value = null;
    }
    const payload = value?.payload as Record<string, unknown> | undefined;
    if (value?.type !== "session_meta" || typeof payload?.id !== "string" || !span.terminated) {
      return { missing: span.bytes ? "notMeta" : "tooLong" };
    }
    return { envelope: value, payload, end: span.end };
  }
  return { missing: stats.stoppedEarly ? "tooLong" : "notMeta" };
}

/** Whether `readMetaLine` found the line. */
export const isMetaLine = (m: MetaLine | { missing: string }): m is MetaLine => !("missing" in m);

/** A session_meta's `history_base`, when it has a usable one. */
export function historyBaseOf(
  payload: Record<string, unknown>,
): { threadId: string; endByteOffset: number; endOrdinal: number | null } | null {
  const base = payload.history_base as
    | { thread_id?: unknown; end_byte_offset?: unknown; end_ordinal_exclusive?: unknown }
    | undefined;
  if (!base || typeof base.thread_id !== "string" || typeof base.end_byte_offset !== "number") return null;
  return {
    threadId: base.thread_id,
    endByteOffset: base.end_byte_offset,
    endOrdinal: typeof base.end_ordinal_exclusive === "number" ? base.end_ordinal_exclusive : null,
  };
}

export interface SegmentDeps {
  /**
   * Finds the rollout a `history_base` names (real path and index key), or null: a thread's first rollout by its
   * id, or a continuation by its history id (continuations.ts), as named from the rollout at `from`.
   */
  resolve(historyId: string, from: string): Promise<{ path: string; name: string } | null>;
  /** Indexes a rollout's turns (incrementally) and says what the index holds. */
  index(name: string, path: string): Promise<TurnIndexInfo>;
}

/**
 * The segments of a thread's history, oldest first, its own rollout last (up to what its turn index holds), and
 * its own session_meta line. A rollout without a session_meta line is one segment from byte 0.
 */
export async function historySegments(
  own: { path: string; name: string; threadId: string },
  deps: SegmentDeps,
): Promise<{ segments: HistorySegment[]; meta: MetaLine | null }> {
  const segments: HistorySegment[] = [];
  let ownMeta: MetaLine | null = null;
  let current: { path: string; name: string; threadId: string; end: number | null } = { ...own, end: null };
  for (let depth = 0; ; depth++) {
    const handle = await openRollout(current.path);
    let meta: MetaLine | null;
    try {
      const read = await readMetaLine(handle);
      meta = isMetaLine(read) ? read : null;
    } finally {
      await handle.close();
    }
    if (depth === 0) ownMeta = meta;
    const info = await deps.index(current.name, current.path);
    const end = current.end ?? info.indexedBytes;
    if (end > info.indexedBytes) {
      throw new HistoryBaseError(`rollout ${current.path} is shorter than the history it holds for a fork`);
    }
    const start = Math.min(meta?.end ?? 0, end);
    segments.unshift({ ...current, start, end, generation: info.generation });
    const base = meta ? historyBaseOf(meta.payload) : null;
    if (!base) return { segments, meta: ownMeta };
    if (depth + 1 >= MAX_BASE_DEPTH) {
      throw new HistoryBaseError(
        `the history of thread ${own.threadId} references more than ${MAX_BASE_DEPTH} forks`,
      );
    }
    const found = await deps.resolve(base.threadId, current.path);
    if (!found) {
      throw new HistoryBaseError(
        `the history of this fork lives in thread ${base.threadId}, which was not found`,
      );
    }
    current = { ...found, threadId: base.threadId.toLowerCase(), end: base.endByteOffset };
  }
}
