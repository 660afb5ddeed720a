import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hintOf, serdeHint } from "../src/index.js";
import { lazySchema } from "../src/schema/lazy-schema.js";

/** A lazily built schema and the number of times its definition ran. */
function counted<S extends z.ZodType>(build: () => S): { schema: S; builds: () => number } {
  let n = 0;
  const schema = lazySchema(() => {
    n += 1;
    return build();
  });
  return { schema, builds: () => n };
}

const shape = () => ({ name: z.string(), title: z.string().nullable().optional(), n: z.number().int() });

describe("lazySchema", () => {
  it("builds the definition once, on first use", () => {
    const { schema, builds } = counted(() => z.object(shape()));
    const referencing = z.object({ inner: schema }).nullable();
    expect(builds()).toBe(0);
    expect(schema.parse({ name: "a", n: 1 })).toEqual({ name: "a", n: 1 });
    expect(schema.safeParse({ name: 1, n: 1 }).success).toBe(false);
    expect(referencing.parse({ inner: { name: "b", n: 2 } })).toEqual({ inner: { name: "b", n: 2 } });
    expect(builds()).toBe(1);
  });

  it("is the schema for zod: instanceof, shape, wrappers, parse results and issues", () => {
    const eager = z.object(shape());
    const { schema } = counted(() => z.object(shape()));
    expect(schema instanceof z.ZodObject).toBe(true);
    expect(schema instanceof z.ZodType).toBe(true);
    expect(Object.keys(schema.shape)).toEqual(Object.keys(eager.shape));
    expect(schema.nullable().optional().parse(undefined)).toBeUndefined();
    for (const value of [{ name: "x", n: 3 }, { name: "x", n: 1.5 }, { n: 1 }, null, []]) {
      const a = eager.safeParse(value);
      const b = schema.safeParse(value);
      expect(b.success).toBe(a.success);
      expect(b.success ? b.data : b.error.issues).toEqual(a.success ? a.data : a.error.issues);
    }
  });

  it("exports the same JSON Schema as the eager definition, references included", () => {
    const eagerItem = z.object({ id: z.string() });
    const eager = z.object({ items: z.array(eagerItem), first: eagerItem.nullable() });
    const { schema: lazyItem } = counted(() => z.object({ id: z.string() }));
    const { schema } = counted(() => z.object({ items: z.array(lazyItem), first: lazyItem.nullable() }));
    const registry = (item: z.ZodType, root: z.ZodType) => {
      const r = z.registry<{ id: string }>();
      r.add(item, { id: "Item" });
      r.add(root, { id: "Root" });
      return z.toJSONSchema(r, { target: "draft-07", uri: (id) => `#/definitions/${id}` });
    };
    expect(registry(lazyItem, schema)).toEqual(registry(eagerItem, eager));
  });

  it("keeps the identity every reference holds (shapes, hints)", () => {
    const { schema } = counted(() => z.object(shape()));
    const parent = z.object({ child: schema });
    expect(parent.shape.child).toBe(schema);
    serdeHint(schema, { expecting: "struct Child" });
    expect(hintOf(parent.shape.child)?.expecting).toBe("struct Child");
  });

  it("answers reflection like the schema (keys, descriptors, spread) without throwing", () => {
    const eager = z.object(shape());
    const { schema } = counted(() => z.object(shape()));
    expect(Reflect.ownKeys(schema)).toEqual(Reflect.ownKeys(eager));
    expect(Object.getOwnPropertyDescriptor(schema, "_zod")).toBeDefined();
    expect(Object.keys({ ...schema })).toEqual(Object.keys({ ...eager }));
    expect("parse" in schema).toBe(true);
  });

  it("retries a definition that threw, and names a definition that needs itself", () => {
    let fail = true;
    const flaky = lazySchema(() => {
      if (fail) throw new Error("not yet");
      return z.string();
    });
    expect(() => flaky.parse("a")).toThrow("not yet");
    fail = false;
    expect(flaky.parse("a")).toBe("a");

    const selfish: z.ZodType = lazySchema((): z.ZodType => selfish.optional());
    expect(() => selfish.parse([])).toThrow("uses the schema itself");
  });

  it("builds a recursive definition through a shape getter", () => {
    type Node = { children: Node[] };
    const Tree: z.ZodType<Node> = lazySchema(() =>
      z.object({
        get children(): z.ZodArray<typeof Tree> {
          return z.array(Tree);
        },
      }),
    );
    expect(Tree.parse({ children: [{ children: [] }] })).toEqual({ children: [{ children: [] }] });
    expect(Tree.safeParse({ children: [{}] }).success).toBe(false);
  });
});
