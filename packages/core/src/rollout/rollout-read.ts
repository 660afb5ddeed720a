import { type LineSpan, readLineSpansBackward, readLineSpansFrom } from "@codex-ts/config-loader";
import { ROLLOUT_LINE_MAX_BYTES } from "./limits.js";
import { type RolloutLine, rolloutLineFrom } from "./line.js";
import { checkGeneration, openRollout, RolloutChangedError } from "./turn-index.js";
import { lineHash } from "./turn-scan.js";

/** One line of a rollout range, with its byte offsets. */
export interface RolloutLineAt {
  start: number;
  end: number;
  /** The line as a record of a kind 0.58.0 knows; null for other kinds (0.166.0's `world_state`, …), blank,
   * torn or over-long lines. */
  line: RolloutLine | null;
  /** The line's JSON object whatever its kind (null when it is not one, or over ROLLOUT_LINE_MAX_BYTES). */
  record: Record<string, unknown> | null;
  oversize: boolean;
  /** Hash of the line's first 4 KiB ("" for an over-long line): what cursors pointing at it check. */
  hash: string;
}

/** A byte range of a rollout, as the turn index gives it (`startHash`: the hash of the range's first line). */
export interface RolloutRange {
  startOffset: number;
  endOffset: number;
  startHash?: string;
}

const CHUNK = 256 * 1024;

/**
 * Streams the lines of a byte range of a rollout (a turn, or several consecutive ones), reading only that range:
 * memory is one chunk plus one line, whatever the file's size. Before anything is yielded the open file is checked
 * against the generation its offsets came from (same inode, same first line, long enough) and the range's first
 * line against its hash; a file truncated, rewritten or replaced since gives `RolloutChangedError`, never bytes
 * of another thread or from the middle of a line.
 */
export async function* readRolloutRange(
  path: string,
  range: RolloutRange,
  generation: string,
): AsyncGenerator<RolloutLineAt> {
  const handle = await openRollout(path);
  try {
    await checkGeneration(handle, path, generation, range.endOffset);
    const { size } = await handle.stat();
    let first = true;
    for await (const span of readLineSpansFrom(handle, size, {
      maxLineBytes: ROLLOUT_LINE_MAX_BYTES,
      startAt: range.startOffset,
      endAt: range.endOffset,
      firstChunkBytes: 64 * 1024,
      chunkBytes: CHUNK,
    })) {
      if (first && range.startHash !== undefined && span.bytes && lineHash(span.bytes) !== range.startHash) {
        throw new RolloutChangedError(path);
      }
      first = false;
      if (!span.terminated) throw new RolloutChangedError(path); // the range ended inside a line
      yield lineAt(span);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The same range read last line first (a "newest first" page costs that page). Checked as `readRolloutRange`
 * checks; `lastHash`, when given, is checked against the range's last line before anything is yielded, and the
 * range's `startHash` against its first line when it is reached.
 */
export async function* readRolloutRangeBackward(
  path: string,
  range: RolloutRange & { lastHash?: string },
  generation: string,
): AsyncGenerator<RolloutLineAt> {
  const handle = await openRollout(path);
  try {
    await checkGeneration(handle, path, generation, range.endOffset);
    let first = true;
    for await (const span of readLineSpansBackward(handle, {
      startAt: range.startOffset,
      endAt: range.endOffset,
      maxLineBytes: ROLLOUT_LINE_MAX_BYTES,
    })) {
      if (first && range.lastHash !== undefined && span.bytes && lineHash(span.bytes) !== range.lastHash) {
        throw new RolloutChangedError(path);
      }
      first = false;
      if (!span.terminated) throw new RolloutChangedError(path);
      if (span.start === range.startOffset && range.startHash !== undefined && span.bytes) {
        if (lineHash(span.bytes) !== range.startHash) throw new RolloutChangedError(path);
      }
      yield lineAt(span);
    }
  } finally {
    await handle.close();
  }
}

function lineAt(span: LineSpan): RolloutLineAt {
  const record = span.bytes ? parseObject(span.bytes) : null;
  return {
    start: span.start,
    end: span.end,
    line: rolloutLineFrom(record),
    record,
    oversize: span.bytes === null,
    hash: span.bytes ? lineHash(span.bytes) : "",
  };
}

function parseObject(bytes: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
