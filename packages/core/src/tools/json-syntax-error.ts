/**
 * The syntax error serde_json reports for a tool call's arguments, in the Debug form 0.58.0 puts after
 * `failed to parse function arguments: ` — e.g. `Error("trailing characters", line: 1, column: 27)` for two JSON
 * objects in a row (what a Chat provider's parallel calls become). A small JSON scanner that stops at the first
 * error with serde_json's wording and position: line from 1, column = bytes consumed on that line (including the
 * offending byte when serde reports it by peeking). Returns null for valid JSON. `display` gives serde's Display
 * form instead (`key must be a string at line 1 column 2`), which Codex writes after `err: ` for an MCP call.
 */
export function jsonSyntaxError(text: string, form: "debug" | "display" = "debug"): string | null {
  const bytes = Buffer.from(text, "utf8");
  let i = 0;

  class Fail {
    constructor(
      readonly message: string,
      readonly at: number,
    ) {}
  }
  /** An error at the byte being looked at (serde's `peek_error`): that byte counts as consumed. */
  const peekFail = (message: string) => new Fail(message, Math.min(i + 1, bytes.length));
  /** An error after what has been consumed (serde's `error`). */
  const fail = (message: string) => new Fail(message, i);

  const skipWhitespace = () => {
    while (
      i < bytes.length &&
      (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
    )
      i++;
  };

  const parseString = () => {
    i++; // opening quote
    for (;;) {
      if (i >= bytes.length) throw fail("EOF while parsing a string");
      const b = bytes[i++] as number;
      if (b === 0x22) return;
      if (b === 0x5c) {
        if (i >= bytes.length) throw fail("EOF while parsing a string");
        const e = bytes[i++] as number;
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            if (i >= bytes.length) throw fail("EOF while parsing a string");
            if (!/[0-9a-fA-F]/.test(String.fromCharCode(bytes[i++] as number))) throw fail("invalid escape");
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) throw fail("invalid escape");
      } else if (b < 0x20) {
        throw fail("control character (\\u0000-\\u001F) found while parsing a string");
      }
    }
  };

  const parseIdent = (rest: string) => {
    i++;
    for (const ch of rest) {
      if (i >= bytes.length) throw fail("EOF while parsing a value");
      if (bytes[i++] !== ch.charCodeAt(0)) throw fail("expected ident");
    }
  };

  const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
  const parseNumber = () => {
    if (bytes[i] === 0x2d) {
      i++;
      if (i >= bytes.length) throw fail("EOF while parsing a value");
      if (!isDigit(bytes[i])) throw peekFail("invalid number");
    }
    if (bytes[i] === 0x30) {
      i++;
      if (isDigit(bytes[i])) throw peekFail("invalid number");
    } else while (isDigit(bytes[i])) i++;
    if (bytes[i] === 0x2e) {
      i++;
      if (i >= bytes.length) throw fail("EOF while parsing a value");
      if (!isDigit(bytes[i])) throw peekFail("invalid number");
      while (isDigit(bytes[i])) i++;
    }
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++;
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
      if (i >= bytes.length) throw fail("EOF while parsing a value");
      if (!isDigit(bytes[i])) throw peekFail("invalid number");
      while (isDigit(bytes[i])) i++;
    }
  };

  const parseValue = (): void => {
    skipWhitespace();
    if (i >= bytes.length) throw peekFail("EOF while parsing a value");
    const b = bytes[i] as number;
    if (b === 0x22) parseString();
    else if (b === 0x7b) parseContainer(0x7d, "an object", "`,` or `}`", true);
    else if (b === 0x5b) parseContainer(0x5d, "a list", "`,` or `]`", false);
    else if (b === 0x74) parseIdent("rue");
    else if (b === 0x66) parseIdent("alse");
    else if (b === 0x6e) parseIdent("ull");
    else if (b === 0x2d || isDigit(b)) parseNumber();
    else throw peekFail("expected value");
  };

  const parseContainer = (close: number, what: string, commaOrEnd: string, object: boolean) => {
    const eof = () => peekFail(`EOF while parsing ${what}`);
    i++;
    skipWhitespace();
    if (i >= bytes.length) throw eof();
    if (bytes[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (object) {
        if (bytes[i] !== 0x22) throw peekFail("key must be a string");
        parseString();
        skipWhitespace();
        if (i >= bytes.length) throw eof();
        if (bytes[i] !== 0x3a) throw peekFail("expected `:`");
        i++;
      }
      parseValue();
      skipWhitespace();
      if (i >= bytes.length) throw eof();
      if (bytes[i] === close) {
        i++;
        return;
      }
      if (bytes[i] !== 0x2c) throw peekFail(`expected ${commaOrEnd}`);
      i++;
      skipWhitespace();
      // After a comma serde_json expects another value (or key): its EOF there is `EOF while parsing a value`.
      if (i >= bytes.length) throw peekFail("EOF while parsing a value");
      if (bytes[i] === close) throw peekFail("trailing comma");
    }
  };

  try {
    parseValue();
    skipWhitespace();
    if (i < bytes.length) throw peekFail("trailing characters");
    return null;
  } catch (err) {
    if (!(err instanceof Fail)) throw err;
    let line = 1;
    let column = 0;
    for (let k = 0; k < err.at; k++) {
      if (bytes[k] === 0x0a) {
        line++;
        column = 0;
      } else column++;
    }
    if (form === "display") return `${err.message} at line ${line} column ${column}`;
    return `Error(${JSON.stringify(err.message)}, line: ${line}, column: ${column})`;
  }
}
