/**
 * Splits an MCP server's stdout into JSON-RPC lines without ever holding more than a set size of one line. The
 * SDK's own reader keeps the whole unread stream in one buffer and closes the connection once it passes 10 MiB, so
 * one oversize result killed the server for the rest of the session; here an oversize line is skipped as it streams
 * by and reported with the top-level `id` it carried, so just that request can fail.
 */

/** What the splitter hands on: a whole line, or the fact that one was too long (with its id, when it had one). */
export type LineEvent =
  | { kind: "line"; text: string }
  | { kind: "oversize"; bytes: number; id: string | number | undefined };

const NEWLINE = 0x0a;

export class MessageLineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Set while an oversize line streams by: only its id is looked for. */
  private skipping: { bytes: number; scanner: TopLevelIdScanner } | null = null;

  constructor(
    readonly maxLineBytes: number,
    private readonly emit: (event: LineEvent) => void,
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, at);
      const end = nl === -1 ? chunk.length : nl;
      this.take(chunk.subarray(at, end));
      if (nl === -1) return;
      this.endLine();
      at = nl + 1;
    }
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.skipping) {
      this.skipping.bytes += piece.length;
      this.skipping.scanner.feed(piece);
      return;
    }
    if (this.partBytes + piece.length <= this.maxLineBytes) {
      this.parts.push(piece);
      this.partBytes += piece.length;
      return;
    }
    // Over the limit: scan what was kept for the id, then drop it and keep scanning as the rest arrives.
    const scanner = new TopLevelIdScanner();
    for (const part of this.parts) scanner.feed(part);
    scanner.feed(piece);
    this.skipping = { bytes: this.partBytes + piece.length, scanner };
    this.parts = [];
    this.partBytes = 0;
  }

  private endLine(): void {
    if (this.skipping) {
      const { bytes, scanner } = this.skipping;
      this.skipping = null;
      this.emit({ kind: "oversize", bytes, id: scanner.id });
      return;
    }
    const text = Buffer.concat(this.parts, this.partBytes).toString("utf8").replace(/\r$/, "");
    this.parts = [];
    this.partBytes = 0;
    if (text.trim() !== "") this.emit({ kind: "line", text });
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const SPACE = new Set([0x20, 0x09, 0x0d, 0x0a]);
/** An id longer than this is not one a client sent (ours are numbers); it is not collected. */
const MAX_ID_CHARS = 256;

/**
 * Finds the value of the top-level `"id"` member of a JSON object fed in pieces, in one pass over the bytes and
 * constant memory: strings are skipped (escapes honoured), nesting is counted, and only a key at depth 1 and the
 * value after `"id":` are collected.
 */
export class TopLevelIdScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Bytes of the string being read, collected only for strings at depth 1 (keys and the id's value). */
  private collected: number[] | null = null;
  private lastKey: string | null = null;
  private expectingValue = false;
  /** Raw text of a non-string id value being read. */
  private rawValue: number[] | null = null;
  private found: string | number | undefined;
  private done = false;

  get id(): string | number | undefined {
    return this.found;
  }

  feed(buf: Buffer): void {
    if (this.done) return;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          this.stringEnded();
          if (this.done) return;
          continue;
        }
        if (this.collected && this.collected.length < MAX_ID_CHARS) this.collected.push(b);
        continue;
      }
      if (this.rawValue) {
        if (b === COMMA || CLOSE.has(b) || SPACE.has(b)) {
          this.finishRaw();
          if (this.done) return;
        } else {
          if (this.rawValue.length < MAX_ID_CHARS) this.rawValue.push(b);
          continue;
        }
      }
      if (b === QUOTE) {
        this.inString = true;
        this.collected = this.depth === 1 ? [] : null;
      } else if (OPEN.has(b)) {
        this.depth++;
        this.expectingValue = false;
      } else if (CLOSE.has(b)) {
        this.depth--;
      } else if (b === COLON && this.depth === 1) {
        this.expectingValue = true;
      } else if (b === COMMA) {
        this.expectingValue = false;
        this.lastKey = null;
      } else if (!SPACE.has(b) && this.depth === 1 && this.expectingValue && this.lastKey === "id") {
        this.rawValue = [b];
      }
    }
  }

  private stringEnded(): void {
    const text = this.collected ? Buffer.from(this.collected).toString("utf8") : null;
    this.collected = null;
    if (this.depth !== 1 || text === null) return;
    if (this.expectingValue) {
      if (this.lastKey === "id") {
        try {
          this.found = JSON.parse(`"${text}"`) as string;
        } catch {
          // cut or malformed: no id to report
        }
        this.done = true;
      }
      this.expectingValue = false;
    } else {
      this.lastKey = text;
    }
  }

  private finishRaw(): void {
    const raw = Buffer.from(this.rawValue ?? []).toString("utf8");
    this.rawValue = null;
    this.expectingValue = false;
    const n = Number(raw);
    if (raw !== "" && Number.isFinite(n)) this.found = n;
    this.done = true;
  }
}
