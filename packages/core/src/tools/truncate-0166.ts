import { utf8Prefix, utf8Suffix } from "./utf8-bounds.js";

/**
 * How codex 0.166.0 cuts a tool's output for the model (its token truncation policy), observed with the native
 * binary through `exec_command` calls of known output and `max_output_tokens`:
 *
 *   Warning: truncated output (original token count: 28)
 *   Total output lines: 40
 *
 *   <head>…18 tokens truncated…<tail>
 *
 * A "token" is four bytes of UTF-8, rounded up (`seq 1 40`: 111 bytes, 28 tokens). Output within `maxTokens` × 4
 * bytes is left alone; otherwise the head and the tail keep up to `maxTokens` × 2 bytes each, never splitting a
 * character, and the marker counts the original tokens minus `maxTokens` (whatever the character boundaries
 * dropped). `Total output lines` counts lines as Rust's `str::lines` does (a last line without a newline counts).
 */

/** The token budget 0.166.0's catalogue models give one tool output (and the ceiling of `max_output_tokens`). */
export const TOOL_OUTPUT_TOKENS_0166 = 10_000;

/** A tool output's budget for the model: 0.166.0's `tokens` policy (catalogue models) or `bytes` (the others). */
export interface ToolOutputLimit {
  unit: "tokens" | "bytes";
  max: number;
}

/** The byte budget 0.166.0 gives one tool output of a model outside its catalogue (its `bytes` policy). */
export const TOOL_OUTPUT_BYTES_0166 = 10_000;

/** 0.166.0's approximate token count of `bytes` bytes of UTF-8. */
export const approxTokenCount = (bytes: number): number => Math.ceil(bytes / 4);

/** An output as retained: whole (`dropped` false, all in `head`), or a head and a tail around a dropped middle. */
export interface RetainedOutput {
  head: string;
  tail: string;
  dropped: boolean;
  /** UTF-8 bytes of the whole output, the dropped middle included. */
  totalBytes: number;
  /** Lines of the whole output (`str::lines`). */
  lineCount: number;
}

/** The output cut to `maxTokens` in 0.166.0's words, and the whole output's token count. */
export function truncateTokens0166(
  out: RetainedOutput,
  maxTokens: number,
): { text: string; originalTokenCount: number } {
  const originalTokenCount = approxTokenCount(out.totalBytes);
  const budget = Math.max(0, maxTokens) * 4;
  if (!out.dropped && out.totalBytes <= budget) return { text: out.head, originalTokenCount };
  const half = budget / 2;
  const head = utf8Prefix(out.head, half);
  const tail = utf8Suffix(out.dropped ? out.tail : out.head, half);
  const removed = originalTokenCount - Math.max(0, maxTokens);
  return {
    text:
      `Warning: truncated output (original token count: ${originalTokenCount})\n` +
      `Total output lines: ${out.lineCount}\n\n${head}…${removed} tokens truncated…${tail}`,
    originalTokenCount,
  };
}

/**
 * The output cut to `limit`: 0.166.0's token cut (`truncateTokens0166`), or its byte cut for models outside its
 * catalogue (observed with the native binary: `seq 1 3000` and 8 000 `é`): the same header, a head and a tail of up
 * to `max` / 2 bytes each (never splitting a character) around `…N chars truncated…`, N the characters dropped
 * (a middle the buffer already dropped counts a character per byte).
 */
export function truncate0166(
  out: RetainedOutput,
  limit: ToolOutputLimit,
): { text: string; originalTokenCount: number } {
  if (limit.unit === "tokens") return truncateTokens0166(out, limit.max);
  const originalTokenCount = approxTokenCount(out.totalBytes);
  if (!out.dropped && out.totalBytes <= limit.max) return { text: out.head, originalTokenCount };
  const half = Math.floor(limit.max / 2);
  const head = utf8Prefix(out.head, half);
  const tail = utf8Suffix(out.dropped ? out.tail : out.head, limit.max - half);
  const middleBytes = out.totalBytes - Buffer.byteLength(out.head) - Buffer.byteLength(out.tail);
  const totalChars = out.dropped
    ? codePoints(out.head) + codePoints(out.tail) + Math.max(0, middleBytes)
    : codePoints(out.head);
  const removed = totalChars - codePoints(head) - codePoints(tail);
  return {
    text:
      `Warning: truncated output (original token count: ${originalTokenCount})\n` +
      `Total output lines: ${out.lineCount}\n\n${head}…${removed} chars truncated…${tail}`,
    originalTokenCount,
  };
}

/** Characters as Rust's `chars()` counts them (code points: a surrogate pair is one). */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** Lines as Rust's `str::lines` counts them: one per `\n`, plus a last line without one. */
export function lineCount(text: string): number {
  let n = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) n++;
  return n + (text.length > 0 && !text.endsWith("\n") ? 1 : 0);
}

/** A whole string cut as `truncate0166` cuts a retained output (a number: that many tokens). */
export function truncateText0166(text: string, limit: number | ToolOutputLimit): string {
  const l = typeof limit === "number" ? { unit: "tokens" as const, max: limit } : limit;
  const totalBytes = Buffer.byteLength(text, "utf8");
  if (totalBytes <= (l.unit === "tokens" ? l.max * 4 : l.max)) return text;
  return truncate0166({ head: text, tail: "", dropped: false, totalBytes, lineCount: lineCount(text) }, l)
    .text;
}
