/**
 * The base64 alphabet's value of each byte (`A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`), -1 for every other byte, `=`
 * included: padding is judged by position.
 */
const VALUE = new Int8Array(256).fill(-1);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].entries())
  VALUE[c.charCodeAt(0)] = i;
const PAD = 0x3d;

/** Why a text is not canonical standard base64, in the words of the Rust `base64` crate (0.166.0's decoder). */
export class Base64Error extends Error {}

const invalidByte = (offset: number, byte: number) =>
  new Base64Error(`Invalid symbol ${byte}, offset ${offset}.`);

/**
 * Decodes `text` as 0.166.0 decodes `fs/writeFile`'s `dataBase64` (the `base64` crate's STANDARD engine): the
 * standard alphabet, canonical padding required, no whitespace, no bits set past the last byte. Node's own
 * decoder skips whatever it does not understand, so a mistyped payload would be written as other bytes; this
 * refuses it with the crate's message, checking in the crate's order (the trailing byte of a length ≡ 1 input,
 * then every quad but the last, then the last quad's padding, length and trailing bits).
 */
export function decodeCanonicalBase64(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const len = bytes.length;
  const rem = len % 4;
  if (rem === 1) {
    const last = bytes[len - 1] as number;
    if (last !== PAD && VALUE[last] === -1) throw invalidByte(len - 1, last);
  }
  // Every quad but the last (which may be padded) holds alphabet bytes only.
  const body = Math.max(0, len - rem - (rem === 0 ? 4 : 0));
  for (let i = 0; i < body; i++) {
    const b = bytes[i] as number;
    if (VALUE[b] === -1) throw invalidByte(i, b);
  }
  let morsels = 0;
  let pads = 0;
  let firstPad = 0;
  let lastSymbol = 0;
  for (let i = body; i < len; i++) {
    const b = bytes[i] as number;
    if (b === PAD) {
      if (i - body < 2) throw invalidByte(i, b);
      if (pads === 0) firstPad = i;
      pads++;
      continue;
    }
    if (pads > 0) throw invalidByte(firstPad, PAD);
    if (VALUE[b] === -1) throw invalidByte(i, b);
    lastSymbol = b;
    morsels++;
  }
  if (len > 0 && morsels < 2) throw new Base64Error(`Invalid input length: ${body + morsels}`);
  if ((pads + morsels) % 4 !== 0) throw new Base64Error("Invalid padding");
  // Bits of the last symbol past the last whole byte must be zero (else two texts would decode alike).
  const spare = morsels * 6 - Math.floor((morsels * 6) / 8) * 8;
  if (spare > 0 && ((VALUE[lastSymbol] as number) & ((1 << spare) - 1)) !== 0)
    throw new Base64Error(`Invalid last symbol ${lastSymbol}, offset ${body + morsels - 1}.`);
  return Buffer.from(bytes.toString("latin1"), "base64");
}
