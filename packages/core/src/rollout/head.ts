import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import {
  emptyLineReadStats,
  readBoundedLineSpans,
  readFilePrefix,
  readFilePrefixSync,
} from "@codex-ts/config-loader";
import { decompressPrefix, isCompressed } from "./compressed.js";
import { parseHeadLine } from "./head-line.js";
import { HEAD_MAX_BYTES } from "./limits.js";
import { parseLine, type RolloutLine, type SessionMetaPayload } from "./line.js";
import { partialSessionMeta } from "./partial-meta.js";

/** What listing needs from the start of a rollout file. */
export interface RolloutHead {
  meta: SessionMetaPayload | null;
  /** session_meta and response_item payloads, in file order (at most HEAD_RECORD_LIMIT). */
  records: { type: "session_meta" | "response_item"; payload: unknown }[];
  /** A user turn began: 0.58.0's `user_message` event, or 0.166.0's `item_completed` of a UserMessage. */
  sawUserEvent: boolean;
  /**
   * The text of the 0.58.0 `user_message` event that completed the head, when no user message item came before it
   * (a review's prompt: recorded as the event alone, see core's review task); the preview falls back to it.
   */
  userEventText?: string;
  /** The head is final: reading stopped before EOF, so lines appended later cannot change it. */
  complete: boolean;
  /**
   * Reading stopped at HEAD_MAX_BYTES before the head was complete (a huge first message, images): the session is
   * listed with what was found (an empty preview when the first user message was not reached).
   */
  cut: boolean;
  /** The session_meta came from a bounded prefix of a first line longer than the head budget (see partial-meta). */
  partialMeta: boolean;
  bytesRead: number;
}

/** Codex stops reading a head after this many session_meta / response_item records. */
export const HEAD_RECORD_LIMIT = 10;
/** Most heads fit in the first read; later reads double up to the cap, so a long head costs few reads. */
const FIRST_CHUNK = 8 * 1024;
const MAX_CHUNK = 64 * 1024;
/** How much of an over-long first line is read to recover the session_meta fields that precede big values. */
const META_PREFIX_BYTES = 64 * 1024;

const emptyHead = (): RolloutHead => ({
  meta: null,
  records: [],
  sawUserEvent: false,
  complete: false,
  cut: false,
  partialMeta: false,
  bytesRead: 0,
});

/** Heads this small are read in one synchronous call by `readHeadQuick` (into one reused buffer). */
const QUICK_BYTES = 64 * 1024;
let quickBuffer: Buffer | undefined;

/**
 * The head from one synchronous read of the file's first 64 KiB, when the head is complete in it (or the file is
 * that small); null otherwise (then `readHead` reads on). Listing's first page on a cold start reads its two dozen
 * heads this way: one read each, without the async round trips that cost more than the reads. A listing head: the
 * values listing never reads are left out (`parseHeadLine`: the session_meta's instructions are null, injected
 * context messages cut to their marker); `readHead` parses every line whole.
 */
export function readHeadQuick(path: string): RolloutHead | null {
  return isCompressed(path) ? null : quickHead(path, false).head;
}

/** A rollout's head with the size and mtime of the file, taken when it was opened (before the head was read). */
export interface StatedHead {
  head: RolloutHead;
  size: number;
  mtimeMs: number;
}

/**
 * The head of a rollout that a directory listing showed as a regular file (listing and the index's folder
 * checks), with its size and mtime from the same open: one open, fstat and read for most files, no separate stat
 * (`readFilePrefixSync`'s `listedAsFile`). A head longer than 64 KiB is read on by `readHead`.
 */
export async function readListedHead(path: string): Promise<StatedHead> {
  return readListedHeadSoon(path);
}

/**
 * `readListedHead` without a promise when the head is in the first 64 KiB (most are): a first page reads its
 * two dozen heads without an await each. Throws what the open or read throws.
 */
export function readListedHeadSoon(path: string): StatedHead | Promise<StatedHead> {
  if (isCompressed(path)) {
    return stat(path).then(async (st) => ({
      head: await readHead(path),
      size: st.size,
      mtimeMs: st.mtimeMs,
    }));
  }
  const { head, stats } = quickHead(path, true);
  const stated = (h: RolloutHead): StatedHead => ({ head: h, size: stats.size, mtimeMs: stats.mtimeMs });
  return head ? stated(head) : readHead(path).then(stated);
}

function quickHead(path: string, listedAsFile: boolean): { head: RolloutHead | null; stats: Stats } {
  quickBuffer ??= Buffer.allocUnsafe(QUICK_BYTES);
  const { bytes, size, stats } = readFilePrefixSync(path, QUICK_BYTES, { into: quickBuffer, listedAsFile });
  const head = emptyHead();
  head.bytesRead = bytes.length;
  const whole = bytes.length === size;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end === -1) {
      if (!whole) return { head: null, stats };
      end = bytes.length;
    }
    if (consume(head, parseHeadLine(bytes, start, end))) {
      head.complete = true;
      return { head, stats };
    }
    start = end + 1;
  }
  return { head: whole ? head : null, stats };
}

/**
 * Reads lines from the start of the file (8 KiB, then growing chunks) until the head is complete: 10 records, or
 * both a session_meta and a user event, or EOF, or HEAD_MAX_BYTES. Only whole lines are parsed and reading stops
 * there, so the cost depends on the head, never on the size of the file; a line longer than what is left of the
 * budget is skipped without being held. Only regular files are read (a FIFO or device is refused with
 * `FileReadError`, see config-loader's `openRegularFile`).
 */
export async function readHead(path: string): Promise<RolloutHead> {
  if (isCompressed(path)) return compressedHead(path);
  const head = emptyHead();
  const stats = emptyLineReadStats();
  let sawLine = false;
  try {
    for await (const span of readBoundedLineSpans(path, {
      maxLineBytes: HEAD_MAX_BYTES,
      stopAfterBytes: HEAD_MAX_BYTES,
      firstChunkBytes: FIRST_CHUNK,
      chunkBytes: MAX_CHUNK,
      stats,
    })) {
      sawLine = true;
      if (span.bytes === null) continue;
      if (consume(head, parseLine(span.bytes.toString("utf8")))) {
        // Final even when the stopping line is the unterminated last one: a torn JSON object never parses.
        head.complete = true;
        break;
      }
    }
  } finally {
    head.bytesRead = stats.bytesRead;
  }
  // Cut at the byte budget: what was read is all the head will ever be.
  if (stats.stoppedEarly) {
    head.complete = true;
    head.cut = true;
  }
  if (stats.stoppedEarly && !sawLine) {
    // The first line alone is over the budget (a session_meta with huge instructions): its small fields
    // usually come first, so they are recovered from a bounded prefix.
    const meta = partialSessionMeta(await readFilePrefix(path, META_PREFIX_BYTES));
    if (meta) {
      head.meta = meta;
      head.records.unshift({ type: "session_meta", payload: meta });
      head.partialMeta = true;
      head.cut = true;
      head.complete = true;
    }
  }
  return head;
}

/**
 * The head of a rollout 0.166.0 compressed (compressed.ts): its content decompressed up to HEAD_MAX_BYTES, then
 * read as `readHead` reads a file's lines. Such a file no longer grows, so the head is final.
 */
async function compressedHead(path: string): Promise<RolloutHead> {
  const head = emptyHead();
  const { bytes, whole } = await decompressPrefix(path, HEAD_MAX_BYTES);
  head.bytesRead = bytes.length;
  head.complete = true;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end === -1) {
      if (!whole) break; // a line the budget cut
      end = bytes.length;
    }
    if (consume(head, parseLine(bytes.toString("utf8", start, end)))) return head;
    start = end + 1;
  }
  head.cut = !whole;
  return head;
}

/** Whether an event starts a user turn, in either generation's rollouts. */
function isUserEvent(payload: { type?: unknown; item?: { type?: unknown } }): boolean {
  if (payload.type === "user_message") return true;
  return payload.type === "item_completed" && payload.item?.type === "UserMessage";
}

type UserEvent = { message?: unknown; item?: { content?: unknown } };

/** The text of a user event: 0.58.0's `message`, or the first text of a UserMessage item. */
function userEventText(payload: UserEvent): string | null {
  if (typeof payload.message === "string") return payload.message;
  const content = payload.item?.content;
  if (!Array.isArray(content)) return null;
  const text = content.find((c) => (c as { type?: unknown }).type === "text") as
    | { text?: unknown }
    | undefined;
  return typeof text?.text === "string" ? text.text : null;
}

/** Adds one parsed line (null: not a rollout line) to the head; returns true when the head is complete. */
function consume(head: RolloutHead, line: RolloutLine | null): boolean {
  if (!line) return false;
  if (line.type === "session_meta") {
    head.meta ??= line.payload;
    head.records.push({ type: "session_meta", payload: line.payload });
  } else if (line.type === "response_item") {
    head.records.push({ type: "response_item", payload: line.payload });
  } else if (line.type === "event_msg" && isUserEvent(line.payload as { type?: unknown })) {
    head.sawUserEvent = true;
    const message = userEventText(line.payload as UserEvent);
    if (message !== null) head.userEventText = message;
  }
  return head.records.length >= HEAD_RECORD_LIMIT || (head.meta !== null && head.sawUserEvent);
}
