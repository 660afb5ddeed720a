/**
 * Shortens `text` to at most `maxBytes` UTF-8 bytes by cutting out its middle and putting
 * `…<n> tokens truncated…` and a newline in its place (n ≈ removed bytes / 4), the marker Codex uses. The marker
 * (not its newline) counts toward the budget, as in 0.58.0; since its length depends on n, n is recomputed until it
 * settles. Codex counts n with the model's tokenizer; we estimate, so the number can differ.
 */
export function truncateMiddle(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  const marker = (tokens: number) => `…${tokens} tokens truncated…`;
  let tokens = Math.ceil(bytes.length / 4);
  for (let attempt = 0; attempt < 4; attempt++) {
    const keep = maxBytes - Buffer.byteLength(marker(tokens));
    if (keep <= 0) return marker(Math.ceil(bytes.length / 4));
    const head = utf8Prefix(bytes, Math.floor(keep / 2));
    const tail = utf8Suffix(bytes, keep - Math.floor(keep / 2));
    const removed = bytes.length - Buffer.byteLength(head) - Buffer.byteLength(tail);
    const next = Math.ceil(removed / 4);
    if (next === tokens || attempt === 3) return `${head}${marker(tokens)}\n${tail}`;
    tokens = next;
  }
  return text;
}

/** The longest prefix of `bytes` of at most `n` bytes that does not split a character. */
function utf8Prefix(bytes: Buffer, n: number): string {
  let end = Math.min(n, bytes.length);
  // continuation bytes are 10xxxxxx: back off until `end` starts a character
  while (end > 0 && end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/** The longest suffix of `bytes` of at most `n` bytes that does not split a character. */
function utf8Suffix(bytes: Buffer, n: number): string {
  let start = Math.max(0, bytes.length - n);
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}
