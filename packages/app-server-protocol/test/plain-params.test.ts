import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { PLAIN_PARAMS, type PlainField, plainDecode, plainFieldsOf } from "../src/decode/plain-params.js";
import { decodeRequest, protocol0166 } from "../src/index.js";

/** A small deterministic generator (mulberry32), so a failure names a reproducible input. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values of every JSON type, in and out of each field's range. */
const VALUES: unknown[] = [
  null,
  undefined,
  "",
  "x",
  "0194c1a7-6f7e-7a52-9e4c-6d1c5d1a2b3c",
  "cli",
  "vscode",
  "subAgent",
  "asc",
  "desc",
  "created_at",
  "recency_at",
  "summary",
  "full",
  "notLoaded",
  "bogus",
  0,
  -0,
  25,
  -1,
  1.5,
  4_294_967_295,
  4_294_967_296,
  2 ** 53,
  true,
  false,
  [],
  ["a"],
  ["cli", "vscode"],
  ["bogus"],
  [1],
  [null],
  ["a", 2],
  {},
  { a: 1 },
  { anchor: "x" },
];

const methods = Object.entries(protocol0166.requests).filter(([, r]) => PLAIN_PARAMS.has(r.params));

describe("plain params decode", () => {
  it("covers the history methods", () => {
    expect(methods.map(([m]) => m).sort()).toEqual([
      "thread/items/list",
      "thread/list",
      "thread/read",
      "thread/turns/list",
    ]);
  });

  it("has each schema's fields, in the schema's order", () => {
    for (const [schema, fields] of PLAIN_PARAMS) {
      const derived = plainFieldsOf(schema as z.ZodObject);
      expect(Object.keys(fields)).toEqual(Object.keys(derived));
      expect(fields).toEqual(derived);
    }
  });

  it("accepts only what zod accepts, and outputs what zod outputs", () => {
    const next = random(166);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    /** A value the field takes (most of the time), so that many inputs pass. */
    const fitting = (f: PlainField): unknown => {
      if (f.nullable && next() < 0.15) return null;
      const one = () =>
        f.leaf === "string"
          ? pick(["", "x", "a b"])
          : f.leaf === "boolean"
            ? next() < 0.5
            : f.leaf === "u32"
              ? pick([0, -0, 1, 25, 4_294_967_295])
              : f.leaf === "other"
                ? pick(VALUES)
                : pick(f.leaf);
      return f.array ? Array.from({ length: Math.floor(next() * 3) }, one) : one();
    };
    for (const [method, { params: schema }] of methods) {
      const fields = PLAIN_PARAMS.get(schema) ?? {};
      const keys = Object.keys(fields);
      let accepted = 0;
      for (let i = 0; i < 4000; i++) {
        const input: Record<string, unknown> = {};
        for (const key of keys)
          if (next() < 0.3) input[key] = next() < 0.85 ? fitting(fields[key] as PlainField) : pick(VALUES);
        if (keys.includes("threadId") && next() < 0.8) input.threadId = pick(["x", "t-1", 5, null]);
        if (next() < 0.05) input.unknownField = pick(VALUES);
        const plain = plainDecode(schema, input);
        if (!plain) continue;
        accepted++;
        const parsed = (schema as z.ZodType).safeParse(input);
        expect(parsed.success, `${method} ${JSON.stringify(input)}`).toBe(true);
        expect(JSON.stringify(plain.value)).toBe(JSON.stringify(parsed.data));
        expect(plain.value).toStrictEqual(parsed.data);
      }
      expect(accepted, method).toBeGreaterThan(100);
    }
  });

  it("leaves everything else, and every error, to zod", () => {
    const list = protocol0166.requests["thread/list"].params;
    expect(plainDecode(list, { limit: 25 })).toEqual({ value: { limit: 25 } });
    expect(plainDecode(list, [null, null])).toBeNull();
    expect(plainDecode(list, { limit: -1 })).toBeNull();
    expect(plainDecode(list, { cwd: "/tmp" })).toBeNull();
    expect(plainDecode(list, { cwd: null, sortKey: "updated_at" })).toEqual({
      value: { cwd: null, sortKey: "updated_at" },
    });
    expect(plainDecode(list, JSON.parse('{"__proto__": {"limit": 1}}'))).toBeNull();
    const bad = decodeRequest(protocol0166, { method: "thread/list", params: { limit: -1 } });
    expect(bad).toEqual({
      ok: false,
      error: {
        code: -32600,
        message: "Invalid request: invalid value: integer `-1`, expected u32",
        data: { path: "params.limit" },
      },
    });
    const ok = decodeRequest(protocol0166, {
      method: "thread/list",
      params: { cursor: null, modelProviders: ["openai"], sourceKinds: [], useStateDbOnly: true, extra: 1 },
    });
    expect(ok).toEqual({
      ok: true,
      method: "thread/list",
      params: { cursor: null, modelProviders: ["openai"], sourceKinds: [], useStateDbOnly: true },
    });
  });
});
