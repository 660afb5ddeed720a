import { randomBytes } from "node:crypto";

/**
 * The text an `exec_command` / `write_stdin` call answers the model with, as 0.58.0 writes it:
 *
 *   Chunk ID: 1a2b3c
 *   Wall time: 0.2514 seconds
 *   Process exited with code 0            (or: Process running with session ID 3)
 *   Original token count: 28893           (only when the output was cut)
 *   Output:
 *   <output>
 *
 * 0.58.0 counts "tokens" as Unicode scalar values (characters): `printf abcdefgh` with `max_output_tokens: 5` reports
 * `Original token count: 8` and keeps `ab…4 tokens truncated…gh` (observed with the real binary; see
 * test/fixtures/058).
 */
export interface UnifiedExecResponse {
  chunkId: string;
  wallTimeMs: number;
  exitCode: number | null;
  sessionId: number | null;
  originalTokenCount: number | null;
  output: string;
}

export function formatResponse(r: UnifiedExecResponse): string {
  const sections = [`Chunk ID: ${r.chunkId}`, `Wall time: ${(r.wallTimeMs / 1000).toFixed(4)} seconds`];
  if (r.exitCode !== null) sections.push(`Process exited with code ${r.exitCode}`);
  if (r.sessionId !== null) sections.push(`Process running with session ID ${r.sessionId}`);
  if (r.originalTokenCount !== null) sections.push(`Original token count: ${r.originalTokenCount}`);
  sections.push("Output:", r.output);
  return sections.join("\n");
}

/** Six random hex digits, as 0.58.0's chunk ids. */
export function newChunkId(): string {
  return randomBytes(3).toString("hex");
}

/** The default `max_output_tokens` (characters kept) when the call gives none. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 10_000;

/**
 * Cuts an output to `maxTokens` characters the way 0.58.0 does: unchanged when it fits; otherwise the first and
 * last ⌊max/2⌋ characters around `…N tokens truncated…` (N = total − 2·⌊max/2⌋), or only the marker (N = total − max)
 * when ⌊max/2⌋ is 0; `max_output_tokens: 0` always gives the marker with the whole count, even for empty output.
 * The output comes as the `OutputBuffer` retained it: whole (`dropped` false, all in `head`), or as a head and a
 * tail with `totalChars` counting the dropped middle too — then the cut is the same as 0.58.0's as long as ⌊max/2⌋
 * characters fit in each retained part, and otherwise N counts what could not be shown.
 */
export function truncateToTokens(
  parts: { head: string; tail: string; totalChars: number; dropped: boolean },
  maxTokens: number,
): { output: string; originalTokenCount: number | null } {
  const total = parts.totalChars;
  if (maxTokens === 0) return { output: `…${total} tokens truncated…`, originalTokenCount: total };
  if (!parts.dropped && total <= maxTokens) return { output: parts.head, originalTokenCount: null };
  const half = Math.floor(maxTokens / 2);
  if (half === 0) return { output: `…${total - maxTokens} tokens truncated…`, originalTokenCount: total };
  const head = firstChars(parts.head, half);
  const tail = lastChars(parts.dropped ? parts.tail : parts.head, half);
  const removed = total - charCount(head) - charCount(tail);
  return { output: `${head}…${removed} tokens truncated…${tail}`, originalTokenCount: total };
}

/** The first `n` characters (code points) of `s`. */
export function firstChars(s: string, n: number): string {
  if (n <= 0) return "";
  let count = 0;
  let i = 0;
  while (i < s.length && count < n) {
    const c = s.codePointAt(i) as number;
    i += c > 0xffff ? 2 : 1;
    count++;
  }
  return s.slice(0, i);
}

/** The last `n` characters (code points) of `s`. */
export function lastChars(s: string, n: number): string {
  if (n <= 0) return "";
  let count = 0;
  let i = s.length;
  while (i > 0 && count < n) {
    const low = s.charCodeAt(i - 1);
    i -= low >= 0xdc00 && low <= 0xdfff && i >= 2 && isHighSurrogate(s.charCodeAt(i - 2)) ? 2 : 1;
    count++;
  }
  return s.slice(i);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Number of code points in `s`. */
export function charCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(s.charCodeAt(i - 1)))) n++;
  }
  return n;
}
