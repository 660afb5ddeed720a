/** 0.166.0's per-stream capture cap when a request names none (its `DEFAULT_OUTPUT_BYTES_CAP`). */
export const DEFAULT_OUTPUT_BYTES_CAP = 1024 * 1024;
/**
 * What one stream keeps at most, whatever `outputBytesCap` says or with `disableOutputCap`: 0.166.0 keeps
 * everything then, which lets one command fill the server's memory (and a buffered answer over ~512 MiB cannot even
 * be a string); this server stops at 64 MiB.
 */
export const DISABLED_OUTPUT_CAP_BYTES = 64 * 1024 * 1024;

/** One output stream's bytes as 0.166.0 caps them: the first `cap` bytes pass, the rest is dropped. */
export class OutputCap {
  private seen = 0;
  private done = false;

  constructor(private readonly cap: number) {}

  /** Whether the cap was reached: later output of this stream is dropped. */
  get reached(): boolean {
    return this.done;
  }

  /**
   * The part of `chunk` within the cap, and whether this piece reached it (0.166.0 then sends the piece, even an
   * empty one, with `capReached: true`, and nothing more of the stream); null once the cap was reached before.
   */
  take(chunk: Buffer): { piece: Buffer; capReached: boolean } | null {
    if (this.done) return null;
    const piece = chunk.subarray(0, Math.min(chunk.length, this.cap - this.seen));
    this.seen += piece.length;
    this.done = this.seen === this.cap;
    return { piece, capReached: this.done };
  }
}

const SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALPHABET = /^[A-Za-z0-9+/]$/;

/**
 * Strict standard base64 with canonical padding, as 0.166.0 decodes `deltaBase64` (Rust's `base64` crate, STANDARD
 * engine; Node's own decoder skips what it does not know); the error texts are that crate's. Like it, the last
 * (possibly padded) quad is checked apart from the complete ones before it, where `=` is an invalid symbol.
 */
export function decodeBase64Strict(text: string): Buffer | string {
  const invalid = (at: number) => `Invalid symbol ${text.charCodeAt(at)}, offset ${at}.`;
  const rem = text.length % 4;
  // A single trailing stray character (a newline) is reported as itself, before anything earlier.
  if (rem === 1 && text.at(-1) !== "=" && !ALPHABET.test(text.at(-1) as string))
    return invalid(text.length - 1);
  const quadsEnd = Math.max(0, text.length - rem - (rem === 0 ? 4 : 0));
  for (let i = 0; i < quadsEnd; i++) if (!ALPHABET.test(text[i] as string)) return invalid(i);
  let morsels = 0;
  let pads = 0;
  let firstPad = -1;
  for (let i = quadsEnd; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "=") {
      // Padding only completes a quad after at least two symbols of it.
      if ((i - quadsEnd) % 4 < 2) return invalid(pads > 0 ? firstPad : i);
      if (pads === 0) firstPad = i;
      pads++;
    } else if (pads > 0) return invalid(firstPad);
    else if (!ALPHABET.test(ch)) return invalid(i);
    else morsels++;
  }
  if (morsels === 1) return `Invalid input length: ${text.length}`;
  if ((morsels + pads) % 4 !== 0) return "Invalid padding";
  // The last symbol's bits beyond the last whole byte must be zero (a canonical encoding).
  const unused = morsels === 2 ? 0b1111 : morsels === 3 ? 0b11 : 0;
  const last = quadsEnd + morsels - 1;
  if (SYMBOLS.indexOf(text[last] as string) & unused)
    return `Invalid last symbol ${text.charCodeAt(last)}, offset ${last}.`;
  return Buffer.from(text, "base64");
}
