import { describe, expect, it } from "vitest";
import { jsonSyntaxError } from "../src/tools/json-syntax-error.js";

/** serde_json's words and positions, as the real 0.58.0 binary reported them for these shell-call arguments. */
describe("jsonSyntaxError", () => {
  it("reports the first syntax error as serde_json does", () => {
    const cases: [string, string][] = [
      ['{"command":["echo","one"]}{"command":["echo","two"]}', "trailing characters", "1, column: 27"],
      ['{"command":["echo"', "EOF while parsing a list", "1, column: 18"],
      ['{"command" ["a"]}', "expected `:`", "1, column: 12"],
      ["{command: 1}", "key must be a string", "1, column: 2"],
      ['{"command":["a",]}', "trailing comma", "1, column: 17"],
      ['{"command":["a"] "x":1}', "expected `,` or `}`", "1, column: 18"],
      [
        '{"command":["a\u0001"]}',
        "control character (\\u0000-\\u001F) found while parsing a string",
        "1, column: 15",
      ],
      ['{"command":[tru]}', "expected ident", "1, column: 16"],
      ['{"command":[01]}', "invalid number", "1, column: 14"],
      ['{\n  "command": ["a"],\n  "x": }', "expected value", "3, column: 8"],
      ['{"command":["a\\q"]}', "invalid escape", "1, column: 16"],
      // EOF after a comma (the reference 0.166.0 reports a truncated marketplace.json so).
      ['{"name":"bad",', "EOF while parsing a value", "1, column: 14"],
      ['{"command":["a",', "EOF while parsing a value", "1, column: 16"],
    ].map(([text, message, at]) => [text as string, `Error(${JSON.stringify(message)}, line: ${at})`]);
    for (const [text, expected] of cases) expect(jsonSyntaxError(text)).toBe(expected);
  });

  it("returns null for valid JSON", () => {
    expect(
      jsonSyntaxError('{"command":["ls","-l"],"timeout_ms":1.5e3,"x":[true,false,null,-0.5]}'),
    ).toBeNull();
    expect(jsonSyntaxError(' "\\u00e9" ')).toBeNull();
  });
});
