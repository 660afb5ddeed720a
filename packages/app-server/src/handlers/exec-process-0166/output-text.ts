/**
 * Captured output as text, the part of 0.166.0's `bytes_to_string_smart` this server has: valid UTF-8 as it is; a
 * UTF-16 byte order mark decodes the rest as UTF-16 (encoding_rs sniffs it whatever it guessed); anything else
 * lossy UTF-8. 0.166.0 guesses a legacy encoding there first (chardetng: `caf\xe9` becomes `café` as windows-1252,
 * Cyrillic bytes windows-1251), which this server does not: it shows U+FFFD for such bytes.
 */
export function outputText(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // not UTF-8
  }
  const utf16 =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? "utf-16le"
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? "utf-16be"
        : null;
  if (utf16) {
    try {
      return new TextDecoder(utf16, { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      // a malformed UTF-16 text: encoding_rs falls back to lossy UTF-8 too
    }
  }
  return bytes.toString("utf8");
}
