import { charCount, firstChars, lastChars } from "./output-text.js";

/** Characters (UTF-16 code units, roughly) each of the retained head and tail may hold: 1 MiB of text in all. */
export const RETAINED_HALF = 512 * 1024;

/** What one poll took out of the buffer; see `truncateToTokens`. */
export interface TakenOutput {
  head: string;
  tail: string;
  /** Characters produced since the last poll, dropped ones included. */
  totalChars: number;
  /** Some of the middle was dropped to stay within the cap. */
  dropped: boolean;
  /** UTF-8 bytes produced since the last poll (0.166.0 counts tokens from bytes). */
  totalBytes: number;
  /** Lines produced since the last poll, as Rust's `str::lines` counts them. */
  lineCount: number;
}

/**
 * The output a session produced since it was last polled, decoded as UTF-8 as it arrives (invalid bytes become
 * U+FFFD, as 0.58.0's lossy decoding does). 0.58.0 keeps all of it however large; here at most `RETAINED_HALF`
 * characters of its beginning and of its end are kept, and the characters in between are only counted, so the
 * model's view (at most `max_output_tokens`/2 characters from each end, `Original token count` of the whole) stays
 * the same while memory stays bounded.
 */
export class OutputBuffer {
  private readonly decoder = new TextDecoder("utf-8");
  private head = "";
  private tailParts: string[] = [];
  private tailLength = 0;
  private total = 0;
  private bytes = 0;
  private newlines = 0;
  private endsWithNewline = false;
  private dropped = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly half = RETAINED_HALF) {}

  push(chunk: Buffer): void {
    this.append(this.decoder.decode(chunk, { stream: true }));
  }

  /** Decodes any incomplete sequence left at the end (the process is gone). */
  finish(): void {
    this.append(this.decoder.decode());
  }

  private append(text: string): void {
    if (text === "") return;
    this.total += charCount(text);
    this.bytes += Buffer.byteLength(text, "utf8");
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) this.newlines++;
    this.endsWithNewline = text.endsWith("\n");
    let rest = text;
    if (this.head.length < this.half && this.tailLength === 0) {
      const room = firstChars(rest, this.half - this.head.length);
      this.head += room;
      rest = rest.slice(room.length);
    }
    if (rest !== "") {
      this.tailParts.push(rest);
      this.tailLength += rest.length;
      if (this.tailLength > this.half) this.trimTail();
    }
    this.wake();
  }

  private trimTail(): void {
    const joined = this.tailParts.join("");
    const kept = lastChars(joined, this.half);
    // lastChars counts code points, so the kept part may exceed `half` code units a little; it never grows beyond.
    this.tailParts = [kept];
    this.tailLength = kept.length;
    if (kept.length < joined.length) this.dropped = true;
  }

  /** Whether anything arrived since the last `take`. */
  get isEmpty(): boolean {
    return this.total === 0;
  }

  /** Everything since the last `take`, and empties the buffer. */
  take(): TakenOutput {
    const out: TakenOutput = {
      head: this.dropped ? this.head : this.head + this.tailParts.join(""),
      tail: this.dropped ? this.tailParts.join("") : "",
      totalChars: this.total,
      dropped: this.dropped,
      totalBytes: this.bytes,
      lineCount: this.newlines + (this.total > 0 && !this.endsWithNewline ? 1 : 0),
    };
    this.head = "";
    this.tailParts = [];
    this.tailLength = 0;
    this.total = 0;
    this.bytes = 0;
    this.newlines = 0;
    this.endsWithNewline = false;
    this.dropped = false;
    return out;
  }

  /** Resolves at the next `push` (or at once if `signal` aborts). */
  waitForData(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      this.waiters.push(resolve);
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
