/**
 * Bounded capture of one output stream: the first and last halves of a byte budget are kept, everything between
 * is counted and dropped as it arrives. A command that prints gigabytes costs this buffer its budget, never more,
 * and no string is built from more than the budget (V8 cannot hold a string over ~512 MiB; Node throws
 * `ERR_STRING_TOO_LONG` long before memory runs out).
 */

/** Retained bytes per captured stream, as Codex's EXEC_OUTPUT_MAX_BYTES. */
export const EXEC_OUTPUT_MAX_BYTES = 1024 * 1024;

const isContinuationByte = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

export class HeadTailBuffer {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  /** Every byte pushed, kept or not. */
  totalBytes = 0;

  constructor(readonly maxBytes: number = EXEC_OUTPUT_MAX_BYTES) {}

  private get headCap(): number {
    return Math.ceil(this.maxBytes / 2);
  }

  private get tailCap(): number {
    return this.maxBytes - this.headCap;
  }

  /** Bytes dropped from the middle so far. */
  get omittedBytes(): number {
    return this.totalBytes - this.headBytes - this.tailBytes;
  }

  get truncated(): boolean {
    return this.omittedBytes > 0;
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    let rest = chunk;
    const headRoom = this.headCap - this.headBytes;
    if (headRoom > 0) {
      const take = rest.subarray(0, headRoom);
      this.head.push(take);
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0 || this.tailCap === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    // Drop whole chunks while what stays still fills the tail, then trim the oldest one.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailCap) {
      this.tailBytes -= this.tail.shift()!.length;
    }
    const excess = this.tailBytes - this.tailCap;
    if (excess > 0) {
      // A copy, so the kept slice does not pin the whole chunk it came from.
      this.tail[0] = Buffer.from(this.tail[0]!.subarray(excess));
      this.tailBytes -= excess;
    }
  }

  /**
   * The captured text: whole when nothing was dropped; otherwise the head (cut before a split character), a
   * marker line naming how much was dropped, and the tail (starting at a character boundary).
   */
  text(): string {
    const head = Buffer.concat(this.head, this.headBytes);
    const tail = Buffer.concat(this.tail, this.tailBytes);
    if (!this.truncated) return Buffer.concat([head, tail]).toString("utf8");
    const end = head.length - incompleteTrailingBytes(head);
    let start = 0;
    // At most three continuation bytes can be the rest of a character cut at the start of the tail.
    while (start < Math.min(3, tail.length) && isContinuationByte(tail[start])) start++;
    const marker = `\n[... ${this.omittedBytes} bytes of output dropped: over the ${this.maxBytes}-byte capture limit ...]\n`;
    return `${head.subarray(0, end).toString("utf8")}${marker}${tail.subarray(start).toString("utf8")}`;
  }
}

/** How many bytes at the end of `buf` are an incomplete UTF-8 sequence (0 when it ends on a whole character). */
function incompleteTrailingBytes(buf: Buffer): number {
  for (let back = 1; back <= Math.min(4, buf.length); back++) {
    const b = buf[buf.length - back]!;
    if (isContinuationByte(b)) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
