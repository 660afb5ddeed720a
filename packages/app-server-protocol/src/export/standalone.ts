import type { JsonSchema } from "./json-schema.js";

/** The `$ref` a bundle uses for a definition keyed `name` (root) or `v2/name`. */
export const refTo = (key: string) => `#/definitions/${key}`;

/**
 * A standalone schema file for `root` (a definition of `bundle`, or any node over its definitions): everything it
 * references inlined under one flat `definitions` table, `#/definitions/v2/X` rewritten to `#/definitions/X`, as
 * the reference writes its per-type files. `title` is set when given.
 */
export function standaloneSchema(bundle: JsonSchema, root: unknown, title?: string): JsonSchema {
  const defs = bundle.definitions as Record<string, JsonSchema> & { v2?: Record<string, JsonSchema> };
  const lookup = (ref: string): [string, JsonSchema] | undefined => {
    const m = /^#\/definitions\/(v2\/)?(.+)$/.exec(ref);
    if (!m?.[2]) return undefined;
    const def = m[1] ? defs.v2?.[m[2]] : defs[m[2]];
    return def ? [m[2], def] : undefined;
  };
  const needed = new Map<string, JsonSchema>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref" && typeof v === "string") {
          const hit = lookup(v);
          if (hit && !needed.has(hit[0])) {
            needed.set(hit[0], hit[1]);
            walk(hit[1]);
          }
        } else walk(v);
      }
    }
  };
  walk(root);
  const flatten = (s: unknown): unknown =>
    JSON.parse(JSON.stringify(s).replaceAll('"#/definitions/v2/', '"#/definitions/'));
  const out: JsonSchema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    ...(flatten(root) as JsonSchema),
    ...(title === undefined ? {} : { title }),
  };
  if (needed.size) {
    out.definitions = Object.fromEntries([...needed.keys()].sort().map((k) => [k, flatten(needed.get(k))]));
  }
  return out;
}

/** A standalone file for the definition `name` of `bundle` (`ns` "v2": under `definitions.v2`). */
export function standalone(bundle: JsonSchema, name: string, ns: "v1" | "v2"): JsonSchema {
  const defs = bundle.definitions as Record<string, JsonSchema> & { v2: Record<string, JsonSchema> };
  return standaloneSchema(bundle, ns === "v2" ? defs.v2[name] : defs[name]);
}
