import type { SessionMetaPayload } from "./line.js";

/**
 * The session_meta fields found in a bounded prefix of a first line too long to read whole (instructions of many
 * MiB). Both generations write the small fields before the big ones (0.166.0 puts `source` and `model_provider`
 * before `base_instructions`; 0.58.0 puts `instructions` before `source`), so the prefix is parsed value by value
 * and parsing stops at the first value the prefix does not hold. Fields not reached take serde's defaults as
 * Codex reads them (`source` vscode, no provider). Null when the prefix is not a session_meta line.
 */
export function partialSessionMeta(prefix: Buffer): SessionMetaPayload | null {
  const p = new PrefixParser(prefix.toString("utf8"));
  const envelope: Record<string, unknown> = {};
  let payload: Record<string, unknown> | null = null;
  try {
    p.expect("{");
    for (let first = true; ; first = false) {
      if (!first && !p.comma("}")) break;
      const key = p.string();
      p.expect(":");
      if (key === "payload") {
        payload = {};
        p.object(payload);
        break;
      }
      envelope[key] = p.value();
    }
  } catch (err) {
    if (!(err instanceof Incomplete)) return null;
  }
  if (envelope.type !== "session_meta" || !payload || typeof payload.id !== "string") return null;
  return {
    id: payload.id,
    timestamp: typeof payload.timestamp === "string" ? payload.timestamp : "",
    cwd: typeof payload.cwd === "string" ? payload.cwd : "",
    originator: typeof payload.originator === "string" ? payload.originator : "",
    cli_version: typeof payload.cli_version === "string" ? payload.cli_version : "",
    instructions: null,
    source: payload.source ?? "vscode",
    ...(typeof payload.model_provider === "string" ? { model_provider: payload.model_provider } : {}),
    ...(typeof payload.forked_from_id === "string" ? { forked_from_id: payload.forked_from_id } : {}),
    ...(typeof payload.history_mode === "string" ? { history_mode: payload.history_mode } : {}),
    ...(typeof payload.thread_source === "string" ? { thread_source: payload.thread_source } : {}),
  };
}

/** The prefix ended inside a value: what was parsed before it stands. */
class Incomplete extends Error {}
class Malformed extends Error {}

/** A JSON reader over a prefix that may end anywhere. Values are parsed whole or not at all. */
class PrefixParser {
  private i = 0;
  constructor(private readonly s: string) {}

  private peek(): string {
    while (this.i < this.s.length && " \t\r\n".includes(this.s[this.i]!)) this.i++;
    if (this.i >= this.s.length) throw new Incomplete();
    return this.s[this.i]!;
  }

  expect(ch: string): void {
    if (this.peek() !== ch) throw new Malformed();
    this.i++;
  }

  /** After a member: true at a comma (consumed), false at `close` (consumed). */
  comma(close: string): boolean {
    const c = this.peek();
    this.i++;
    if (c === ",") return true;
    if (c === close) return false;
    throw new Malformed();
  }

  /** Reads members into `into` until the prefix ends inside one (members read so far are kept). */
  object(into: Record<string, unknown>): void {
    this.expect("{");
    if (this.peek() === "}") {
      this.i++;
      return;
    }
    for (;;) {
      const key = this.string();
      this.expect(":");
      into[key] = this.value();
      if (!this.comma("}")) return;
    }
  }

  string(): string {
    if (this.peek() !== '"') throw new Malformed();
    const start = this.i;
    for (let j = this.i + 1; j < this.s.length; j++) {
      const c = this.s[j];
      if (c === "\\") j++;
      else if (c === '"') {
        this.i = j + 1;
        return JSON.parse(this.s.slice(start, j + 1)) as string;
      }
    }
    throw new Incomplete();
  }

  value(): unknown {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === "{" || c === "[") return JSON.parse(this.s.slice(this.i, this.skipNested()));
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.i, this.i + 64));
    if (!m || this.i + m[0].length >= this.s.length) throw m ? new Incomplete() : new Malformed();
    this.i += m[0].length;
    return JSON.parse(m[0]);
  }

  /** Moves past a nested object or array; returns the end offset. */
  private skipNested(): number {
    let depth = 0;
    for (let j = this.i; j < this.s.length; j++) {
      const c = this.s[j];
      if (c === '"') {
        for (j++; j < this.s.length && this.s[j] !== '"'; j++) if (this.s[j] === "\\") j++;
      } else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        if (--depth === 0) {
          const end = j + 1;
          this.i = end;
          return end;
        }
      }
    }
    throw new Incomplete();
  }
}
