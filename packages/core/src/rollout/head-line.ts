import { parseLine, type RolloutLine } from "./line.js";
import { INJECTED_CONTEXT_MARKERS, isInjectedContext, messageText } from "./user-message.js";

/**
 * One line of a listing head, parsed without its big values that listing never reads. A head's first lines are
 * mostly text a summary does not show: the session_meta's instructions (0.58.0 `instructions`, 0.166.0
 * `base_instructions.text`, several KB each) and the injected-context messages (AGENTS.md, environment context).
 * Decoding them to strings and parsing them again was most of what a first page allocated, enough for a minor
 * collection inside the request. Here those string values are replaced in the bytes (a copy in a reused buffer)
 * before the line is decoded and parsed, and the result is checked to be what a whole parse gives for every field
 * listing reads; anything else is parsed whole (`parseLine`).
 *
 * Why a replaced value cannot change what listing reads (for a line that parses whole):
 * - Each key is searched with the byte before its quote (`,` or `{`): inside a JSON string every `"` is escaped, so
 *   such a match is a real key. The value ends at the first `"` not escaped by an odd run of backslashes.
 * - `instructions`: replaced by a marker string, and kept only when the parsed line is a session_meta whose
 *   payload's `instructions` is that marker (so the replaced key was the payload's own, and the last of its name).
 *   Then it is set to null. `base_instructions.text` likewise.
 * - An injected-context `text` is replaced by the marker it starts with (`# AGENTS.md instructions for `, ...),
 *   kept when the line is a response_item that is not a preview: listing reads a response_item only for its
 *   preview, the joined `input_text` parts of a user message, skipped when they start (after white space) with
 *   such a marker. Cutting a part that starts with a marker to just that marker keeps whether the joined text does,
 *   wherever the part is in the message (no marker holds `#` or `<` after its first character, and none starts
 *   another), so the check on the cut line is the check on the whole one; a message that is a preview after all
 *   (real text before the part) is parsed whole.
 * The one input read differently: a replaced value holding what JSON forbids in a string (raw control characters,
 * invalid escapes; no Codex writes them, and a torn line ends before the value's closing quote, so it is parsed
 * whole) parses here where the whole line would not.
 */
export function parseHeadLine(bytes: Buffer, start: number, end: number): RolloutLine | null {
  const cuts = findCuts(bytes, start, end);
  if (cuts.length > 0) {
    const line = parseLine(spliced(bytes, start, end, cuts));
    if (line && cutsHold(line, cuts)) return line;
  }
  return parseLine(bytes.toString("utf8", start, end));
}

/** Values shorter than this are parsed as they are: cutting them saves less than it costs. */
const MIN_CUT_BYTES = 512;

/** Stands in for a session_meta's instructions (a string no Codex writes there). */
const INSTRUCTIONS_MARKER = "\u0000instructions not read\u0000";
const INSTRUCTIONS_MARKER_JSON = Buffer.from(JSON.stringify(INSTRUCTIONS_MARKER).slice(1, -1));

/** The markers `isInjectedContext` skips, as they start a message part's bytes. */
const INJECTED_MARKERS = INJECTED_CONTEXT_MARKERS.map((m) => Buffer.from(m));

type CutKind = "instructions" | "baseInstructions" | "injected";

/** A string value's content, bytes [from, to), to be replaced by `with`. */
interface Cut {
  kind: CutKind;
  from: number;
  to: number;
  with: Buffer;
}

const KEYS: { kind: CutKind; key: Buffer; before: readonly number[] }[] = [
  { kind: "instructions", key: Buffer.from('"instructions":"'), before: [0x2c] },
  { kind: "baseInstructions", key: Buffer.from('"base_instructions":{"text":"'), before: [0x2c] },
  { kind: "injected", key: Buffer.from('"text":"'), before: [0x2c, 0x7b] },
];

function findCuts(bytes: Buffer, start: number, end: number): Cut[] {
  const cuts: Cut[] = [];
  if (end - start < MIN_CUT_BYTES) return cuts;
  // Searched in the line only: a search in the whole buffer scans the rest of the head for a key the line lacks.
  const line = bytes.subarray(start, end);
  for (const { kind, key, before } of KEYS) {
    for (let at = line.indexOf(key); at !== -1; at = line.indexOf(key, at + key.length)) {
      if (at === 0 || !before.includes(line[at - 1] as number)) continue;
      const from = at + key.length;
      const to = closingQuote(line, from);
      if (to === -1) break; // the line ends inside the value: torn, parsed whole
      if (to - from < MIN_CUT_BYTES) continue;
      if (kind !== "injected") {
        cuts.push({ kind, from: start + from, to: start + to, with: INSTRUCTIONS_MARKER_JSON });
        break;
      }
      const marker = INJECTED_MARKERS.find((m) => line.compare(m, 0, m.length, from, from + m.length) === 0);
      if (marker) cuts.push({ kind, from: start + from, to: start + to, with: marker });
    }
  }
  // Overlapping matches (a key inside another's value cannot match, but keep it simple): the first one stands.
  cuts.sort((a, b) => a.from - b.from);
  return cuts.filter((c, i) => i === 0 || c.from >= (cuts[i - 1] as Cut).to);
}

/** The offset of the quote that ends a string whose content starts at `from`; -1 when it does not end in `line`. */
function closingQuote(line: Buffer, from: number): number {
  for (let q = line.indexOf(0x22, from); q !== -1; q = line.indexOf(0x22, q + 1)) {
    let backslashes = 0;
    while (line[q - 1 - backslashes] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

let spliceBuffer: Buffer | undefined;

/** The line's text with each cut's bytes replaced, decoded once from a reused buffer. */
function spliced(bytes: Buffer, start: number, end: number, cuts: readonly Cut[]): string {
  if (!spliceBuffer || spliceBuffer.length < end - start)
    spliceBuffer = Buffer.allocUnsafe(Math.max(64 * 1024, end - start));
  let n = 0;
  let from = start;
  for (const cut of cuts) {
    n += bytes.copy(spliceBuffer, n, from, cut.from);
    n += cut.with.copy(spliceBuffer, n);
    from = cut.to;
  }
  n += bytes.copy(spliceBuffer, n, from, end);
  return spliceBuffer.toString("utf8", 0, n);
}

/** Whether every cut landed where listing never reads (see `parseHeadLine`); clears the instruction markers. */
function cutsHold(line: RolloutLine, cuts: readonly Cut[]): boolean {
  const payload = line.payload as { instructions?: unknown; base_instructions?: { text?: unknown } | null };
  for (const cut of cuts) {
    if (cut.kind === "injected") {
      if (line.type !== "response_item") return false;
      const text = messageText(line.payload);
      if (text !== null && !isInjectedContext(text)) return false;
    } else if (line.type !== "session_meta") {
      return false;
    } else if (cut.kind === "instructions") {
      if (payload.instructions !== INSTRUCTIONS_MARKER) return false;
    } else if (
      typeof payload.base_instructions !== "object" ||
      payload.base_instructions?.text !== INSTRUCTIONS_MARKER
    ) {
      return false;
    }
  }
  if (line.type === "session_meta") {
    if (payload.instructions === INSTRUCTIONS_MARKER) payload.instructions = null;
    if (payload.base_instructions?.text === INSTRUCTIONS_MARKER) payload.base_instructions.text = "";
  }
  return true;
}
