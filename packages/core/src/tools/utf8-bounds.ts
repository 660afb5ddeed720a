/**
 * Byte-bounded cuts of text on character boundaries: the model-facing output caps of 0.58.0 (bytes and lines) and
 * 0.166.0 (approximate tokens, four bytes each) both keep a head and a tail of at most N UTF-8 bytes without
 * splitting a character.
 */

const isContinuationByte = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

/** The longest prefix of `text` of at most `max` UTF-8 bytes that does not cut a character. */
export function utf8Prefix(text: string, max: number): string {
  if (max <= 0) return "";
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= max) return text;
  let end = max;
  while (end > 0 && isContinuationByte(buf[end])) end--;
  return buf.subarray(0, end).toString("utf8");
}

/** The longest suffix of `text` of at most `max` UTF-8 bytes that does not cut a character. */
export function utf8Suffix(text: string, max: number): string {
  if (max <= 0) return "";
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= max) return text;
  let start = buf.length - max;
  while (start < buf.length && isContinuationByte(buf[start])) start++;
  return buf.subarray(start).toString("utf8");
}
