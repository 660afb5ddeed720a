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

/**
 * Strict standard base64, as 0.166.0 decodes `deltaBase64` (Node's decoder skips what it does not know); the error
 * texts are those of Rust's `base64` crate.
 */
export function decodeBase64Strict(text: string): Buffer | string {
  const body = text.replace(/={1,2}$/, "");
  for (let i = 0; i < body.length; i++) {
    if (!/[A-Za-z0-9+/]/.test(body[i] as string)) return `Invalid symbol ${body.charCodeAt(i)}, offset ${i}.`;
  }
  if (body.length % 4 === 1) return `Invalid input length: ${body.length}`;
  if (text.length % 4 !== 0 && text.length !== body.length) return "Invalid padding";
  return Buffer.from(body, "base64");
}
