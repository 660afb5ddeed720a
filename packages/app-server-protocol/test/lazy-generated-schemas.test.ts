import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lazifyDefinitions } from "../build/lazy-generated-schemas.js";

const GENERATED = fileURLToPath(new URL("../src/schema/gen-0166.ts", import.meta.url));

describe("lazy-generated-schemas (build plugin)", () => {
  it("wraps each definition, whole, including strings and comments holding brackets and semicolons", () => {
    const source = [
      'import { z } from "zod";',
      'export const A = z.enum(["a;", "(b", "c]"]);',
      "export const B = z.object({",
      "  // a comment; with ( and {",
      "  a: A, /* also ; ) */ n: u32(),",
      "  s: z.string().describe('it\\'s ;)'),",
      "});",
      "export type B = z.infer<typeof B>;",
      "export const C = u32();",
      "export const table = { A, B };",
    ].join("\n");
    const out = lazifyDefinitions(source, "sample.ts");
    expect(out.startsWith('import { lazySchema } from "./lazy-schema.js";\n')).toBe(true);
    expect(out).toContain('export const A = lazySchema(() => z.enum(["a;", "(b", "c]"]));');
    expect(out).toContain("export const B = lazySchema(() => z.object({");
    expect(out).toContain("s: z.string().describe('it\\'s ;)'),\n}));");
    expect(out).toContain("export const C = lazySchema(() => u32());");
    // Not a schema definition: left as it is.
    expect(out).toContain("export const table = { A, B };");
  });

  it("wraps every definition of the generated 0.166 file and nothing after them", () => {
    const source = readFileSync(GENERATED, "utf8");
    const out = lazifyDefinitions(source, GENERATED);
    const definitions = source.match(/^export const \w+ = (?=z\.|[a-z]\w*\()/gm) ?? [];
    expect(definitions.length).toBeGreaterThan(100);
    expect(out.match(/^export const \w+ = lazySchema\(\(\) => /gm)).toHaveLength(definitions.length);
    expect(out.match(/^export const \w+ = (?!lazySchema)(?=z\.|[a-z]\w*\()/gm)).toBeNull();
  });

  it("refuses a definition it cannot find the end of", () => {
    expect(() => lazifyDefinitions("export const A = z.object({\n", "broken.ts")).toThrow(/no end found/);
  });
});
