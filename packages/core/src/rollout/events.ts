import { emptyLineReadStats, readBoundedLineSpans } from "@codex-ts/config-loader";
import type { CodexEventMsg } from "../events/types.js";
import { isInitialMessage } from "./initial-messages.js";
import { ROLLOUT_LINE_MAX_BYTES, ROLLOUT_MAX_BYTES } from "./limits.js";
import { parseLine } from "./line.js";

/**
 * `initialMessagesOf` the whole rollout, read line by line (bounded as `loadRollout` reads it) and parsing only the
 * lines that may be events. Most of a long rollout's bytes are its history (`response_item` lines: tool outputs,
 * reasoning), which a resume replays from its latest compaction (resume.ts) and the events do not need: a line
 * laid out as Codex writes it (`{"timestamp":"…","type":"…",` or with `"ordinal":n,` before the type) that declares
 * another record type is skipped without decoding it. Any other line is parsed whole, so what is kept is what a
 * whole parse keeps; the one difference is a line with two `type` keys (no writer makes one), read by its first.
 */
export async function readInitialMessages(path: string): Promise<CodexEventMsg[]> {
  const events: CodexEventMsg[] = [];
  for await (const span of readBoundedLineSpans(path, {
    maxLineBytes: ROLLOUT_LINE_MAX_BYTES,
    maxFileBytes: ROLLOUT_MAX_BYTES,
    firstChunkBytes: 1024 * 1024,
    stats: emptyLineReadStats(),
  })) {
    if (!span.bytes) continue;
    const declared = declaredType(span.bytes);
    if (declared !== null && declared !== "event_msg") continue;
    const line = parseLine(span.bytes.toString("utf8"));
    if (line?.type === "event_msg" && isInitialMessage(line.payload)) events.push(line.payload);
  }
  return events;
}

const TIMESTAMP_KEY = Buffer.from('{"timestamp":"');
const TYPE_KEY = Buffer.from(',"type":"');
const ORDINAL_KEY = Buffer.from(',"ordinal":');
/** Longer than any timestamp or ordinal a writer puts before the type. */
const MAX_PREFIX_BYTES = 96;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The record type a line declares when it starts as Codex writes lines: the timestamp string (no escapes), an
 * optional numeric ordinal, then `"type":"<name>"`. Null for any other layout (the caller then parses the line).
 */
export function declaredType(bytes: Buffer): string | null {
  if (
    bytes.length < MAX_PREFIX_BYTES ||
    bytes.compare(TIMESTAMP_KEY, 0, TIMESTAMP_KEY.length, 0, TIMESTAMP_KEY.length) !== 0
  ) {
    return null;
  }
  let at = bytes.indexOf(QUOTE, TIMESTAMP_KEY.length);
  if (at < 0 || at > MAX_PREFIX_BYTES || bytes.subarray(TIMESTAMP_KEY.length, at).includes(BACKSLASH))
    return null;
  at += 1;
  if (startsAt(bytes, at, ORDINAL_KEY)) {
    at += ORDINAL_KEY.length;
    while (at < MAX_PREFIX_BYTES && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) at++;
  }
  if (!startsAt(bytes, at, TYPE_KEY)) return null;
  const from = at + TYPE_KEY.length;
  const to = bytes.indexOf(QUOTE, from);
  if (to < 0 || to - from > 32 || bytes.subarray(from, to).includes(BACKSLASH)) return null;
  return bytes.toString("latin1", from, to);
}

function startsAt(bytes: Buffer, at: number, key: Buffer): boolean {
  return bytes.compare(key, 0, key.length, at, at + key.length) === 0;
}
