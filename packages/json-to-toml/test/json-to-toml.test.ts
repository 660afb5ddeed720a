import fc from "fast-check";
import { parse, stringify } from "smol-toml";
import { describe, expect, it } from "vitest";
import { isTomlInteger, isTomlTable, jsonObjectToTomlTable, jsonToToml } from "../src/index.js";

/** What a converted value must read back as: plain objects, with nulls turned into "". */
function expected(value: unknown): unknown {
  if (value === null) return "";
  if (Array.isArray(value)) return value.map(expected);
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, expected(v)]));
  }
  return value;
}

/** Deep copy into ordinary objects so toEqual compares values, not prototypes. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe("jsonToToml scalars", () => {
  it("maps null to the empty string", () => {
    expect(jsonToToml(null)).toBe("");
  });
  it("keeps booleans and strings", () => {
    expect(jsonToToml(true)).toBe(true);
    expect(jsonToToml(false)).toBe(false);
    expect(jsonToToml("héllo ✓")).toBe("héllo ✓");
  });
  it("keeps integers as integers and other numbers as floats", () => {
    expect(jsonToToml(42)).toBe(42);
    expect(isTomlInteger(42)).toBe(true);
    expect(isTomlInteger(-7)).toBe(true);
    expect(jsonToToml(2.5)).toBe(2.5);
    expect(isTomlInteger(2.5)).toBe(false);
    expect(isTomlInteger(2 ** 60)).toBe(false);
    expect(isTomlInteger(2n ** 60n)).toBe(true);
    expect(stringify({ n: jsonToToml(42) })).toBe("n = 42\n");
    expect(stringify({ n: jsonToToml(2.5) })).toBe("n = 2.5\n");
  });
  it("rejects values JSON cannot hold", () => {
    expect(() => jsonToToml(Number.NaN)).toThrow(TypeError);
    expect(() => jsonToToml(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => jsonToToml(() => 1)).toThrow(TypeError);
    expect(() => jsonToToml(undefined)).toThrow(TypeError);
  });
});

describe("jsonToToml containers", () => {
  it("converts nested objects to tables", () => {
    const table = jsonToToml({ a: { b: { c: 1 } }, d: null });
    expect(isTomlTable(table)).toBe(true);
    expect(plain(parse(stringify(table)))).toEqual({ a: { b: { c: 1 } }, d: "" });
  });
  it("converts arrays of tables and mixed arrays", () => {
    const value = {
      servers: [{ name: "a", port: 1 }, { name: "b" }],
      mixed: [1, "two", true, null, [3.5], { k: "v" }],
    };
    const back = parse(stringify(jsonToToml(value)));
    expect(plain(back)).toEqual(expected(value));
  });
  it("keeps unicode and special keys verbatim", () => {
    const value = { ключ: 1, "with space": 2, "dotted.key": 3, "": 4, 日本: { ü: true } };
    const table = jsonObjectToTomlTable(value);
    expect(Object.keys(table)).toEqual(Object.keys(value));
    expect(plain(parse(stringify(table)))).toEqual(value);
  });
  it("treats __proto__ as an ordinary key", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}}');
    const table = jsonObjectToTomlTable(value);
    expect(Object.keys(table)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it("skips undefined object members as JSON.stringify does", () => {
    expect(Object.keys(jsonObjectToTomlTable({ a: 1, b: undefined }))).toEqual(["a"]);
  });
});

describe("property: converted values serialise to TOML that reads back as the same data", () => {
  const key = fc.string({ unit: "grapheme", maxLength: 8 }).filter((k) => k !== "__proto__");
  const scalar = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.string({ unit: "grapheme", maxLength: 12 }),
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, scalar, tie("array"), tie("object")),
    array: fc.array(tie("value"), { maxLength: 4 }),
    object: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  }));

  it("round-trips any JSON object through smol-toml", () => {
    fc.assert(
      fc.property(json.object, (value) => {
        const back = parse(stringify(jsonToToml(value)));
        expect(plain(back)).toEqual(plain(expected(value)));
      }),
      { numRuns: 400 },
    );
  });

  it("round-trips any JSON value held under a key", () => {
    fc.assert(
      fc.property(json.value, (value) => {
        const back = parse(stringify({ v: jsonToToml(value) }));
        expect(plain(back)).toEqual(plain({ v: expected(value) }));
      }),
      { numRuns: 400 },
    );
  });
});
