import { describe, expect, it } from "vitest";
import { parseUuid } from "../src/decode/uuid.js";

describe("parseUuid", () => {
  it("accepts the uuid crate's forms and normalises them", () => {
    const id = "8c9a2a5e-7b1c-4bde-9b8e-6a4f7b8f2c11";
    for (const form of [id, id.toUpperCase(), id.replaceAll("-", ""), `{${id}}`, `urn:uuid:${id}`]) {
      expect(parseUuid(form)).toBe(id);
    }
  });

  it("explains bad input with the crate's words (as the real 0.58.0 answered)", () => {
    const cases: Array<[string, string]> = [
      ["abc", "invalid length: expected length 32 for simple format, found 3"],
      ["", "invalid length: expected length 32 for simple format, found 0"],
      ["8c9a2a5e-7b1c-4bde-9b8e6a4f7b8f2c11", "invalid group count: expected 5, found 4"],
      ["8c9a2a5e7-b1c-4bde-9b8e-6a4f7b8f2c11", "invalid group length in group 0: expected 8, found 9"],
      ["{8c9a2a5e-7b1c-4bde-9b8e-6a4f7b8f2c1}", "invalid group length in group 4: expected 12, found 13"],
      [
        "é",
        "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `é` at 1",
      ],
    ];
    for (const [input, message] of cases) expect(() => parseUuid(input)).toThrow(message);
  });
});
