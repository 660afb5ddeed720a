import type { JsonSchema } from "./json-schema.js";

/**
 * Canonical form of a schema for conformance: keeps what affects the wire (types, nullability, properties,
 * required sets, enum values, reference targets, array items, map values) and drops what does not
 * (descriptions, titles, defaults, integer formats and bounds, anyOf vs oneOf, a single-element allOf).
 */
export function canonical(s: unknown): unknown {
  if (s === true || s === undefined) return "any";
  if (s === false) return "never";
  const o = s as JsonSchema;
  if (typeof o.$ref === "string") return { ref: o.$ref };
  if (Array.isArray(o.allOf) && o.allOf.length === 1) return canonical(o.allOf[0]);
  const distributed = distribute(o);
  if (distributed) return canonical(distributed);
  const split = splitTypes(o);
  if (split) return canonical(split);
  const alts = (o.anyOf ?? o.oneOf) as unknown[] | undefined;
  if (alts) {
    let nullable = false;
    const enumValues: unknown[] = [];
    const others: string[] = [];
    for (const a of alts) {
      const c = canonical(a) as Record<string, unknown>;
      if (c.type === "null") nullable = true;
      else if (c.type === "string" && Array.isArray(c.enum) && c.nullable !== true)
        enumValues.push(...c.enum);
      else others.push(JSON.stringify(c));
    }
    if (enumValues.length) others.push(JSON.stringify({ type: "string", enum: [...enumValues].sort() }));
    const parts = [...new Set(others)].sort().map((x) => JSON.parse(x) as unknown);
    const base = parts.length === 1 ? (parts[0] as object) : { union: parts };
    return nullable ? { ...base, nullable: true } : base;
  }
  const types = (Array.isArray(o.type) ? o.type : o.type === undefined ? [] : [o.type]) as string[];
  const nullable = types.includes("null") && types.length > 1;
  let type = types.filter((t) => !nullable || t !== "null")[0];
  if (type === "integer") type = "number";
  const out: Record<string, unknown> = {};
  if (type) out.type = type;
  if (o.const !== undefined) out.enum = [o.const];
  if (Array.isArray(o.enum)) out.enum = [...o.enum].sort();
  // An object with zero declared properties and nothing required is the same as one with no `properties` key.
  if (o.properties && typeof o.properties === "object" && Object.keys(o.properties).length > 0) {
    const props = o.properties as Record<string, unknown>;
    out.properties = Object.fromEntries(
      Object.keys(props)
        .sort()
        .map((k) => [k, canonical(props[k])]),
    );
    out.required = [...((o.required as string[]) ?? [])].sort();
  }
  if (o.additionalProperties && typeof o.additionalProperties === "object") {
    // `additionalProperties: {}` allows any value, exactly like leaving it out.
    const values = canonical(o.additionalProperties);
    if (values !== "any") out.values = values;
  }
  if (o.items !== undefined) out.items = canonical(o.items);
  if (nullable) out.nullable = true;
  if (!type && !out.properties && Object.keys(out).length === 0) return "any";
  return out;
}

const alternativesOf = (o: JsonSchema) => (o.anyOf ?? o.oneOf) as JsonSchema[] | undefined;
const isObjectSchema = (o: JsonSchema) =>
  o.$ref === undefined && alternativesOf(o) === undefined && (o.type === "object" || o.type === undefined);

/**
 * Shared fields beside alternatives, written either way, as the one union they mean: an `allOf` of objects and
 * unions of objects (zod's intersection), or an object with both `properties` and `anyOf`/`oneOf` (serde's
 * flattened enum), each becomes the union of every alternative with the shared fields merged in. Undefined when
 * `o` is neither, or a part is not an object (left as it is).
 */
function distribute(o: JsonSchema): JsonSchema | undefined {
  let parts: JsonSchema[];
  if (Array.isArray(o.allOf) && o.allOf.length > 1) parts = o.allOf as JsonSchema[];
  else if (alternativesOf(o) && o.properties) {
    const { anyOf: _a, oneOf: _o, ...shared } = o;
    parts = [shared, { anyOf: alternativesOf(o) }];
  } else return undefined;
  let product: JsonSchema[] = [{ type: "object" }];
  for (const part of parts) {
    const alternatives = objectAlternatives(part);
    if (!alternatives) return undefined;
    product = product.flatMap((left) => alternatives.map((right) => mergeObjects(left, right)));
  }
  return product.length === 1 ? product[0] : { anyOf: product };
}

/** The plain objects a schema is one of (nested unions and shared fields resolved); undefined if not all objects. */
function objectAlternatives(part: JsonSchema): JsonSchema[] | undefined {
  const merged = distribute(part);
  if (merged) return objectAlternatives(merged);
  const alternatives = alternativesOf(part);
  if (!alternatives) return isObjectSchema(part) ? [part] : undefined;
  const out: JsonSchema[] = [];
  for (const alternative of alternatives) {
    const objects = objectAlternatives(alternative);
    if (!objects) return undefined;
    out.push(...objects);
  }
  return out;
}

function mergeObjects(a: JsonSchema, b: JsonSchema): JsonSchema {
  return {
    type: "object",
    properties: { ...(a.properties as object), ...(b.properties as object) },
    required: [...new Set([...((a.required as string[]) ?? []), ...((b.required as string[]) ?? [])])],
  };
}

/** `type: ["string", "object", "null"]` as the union of one schema per type (nullability kept). */
function splitTypes(o: JsonSchema): JsonSchema | undefined {
  if (!Array.isArray(o.type)) return undefined;
  const types = (o.type as string[]).filter((t) => t !== "null");
  if (types.length < 2) return undefined;
  const only = (t: string): JsonSchema => {
    const { properties, required, additionalProperties, items, ...rest } = o;
    return {
      ...rest,
      type: t,
      ...(t === "object" ? { properties, required, additionalProperties } : {}),
      ...(t === "array" ? { items } : {}),
    };
  };
  const alternatives: JsonSchema[] = types.map(only);
  if ((o.type as string[]).includes("null")) alternatives.push({ type: "null" });
  return { anyOf: alternatives };
}

export type DefinitionDiff = { name: string; problem: string };

/** Every definition of a bundle keyed `name` (root) or `v2/name`. */
export function flattenDefinitions(bundle: JsonSchema): Map<string, unknown> {
  const defs = (bundle.definitions ?? {}) as Record<string, unknown>;
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(defs)) {
    if (k === "v2")
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out.set(`v2/${k2}`, v2);
    else out.set(k, v);
  }
  return out;
}

/** Compares `ours` with `reference` definition by definition. */
export function compareBundles(ours: JsonSchema, reference: JsonSchema) {
  const mine = flattenDefinitions(ours);
  const theirs = flattenDefinitions(reference);
  const diffs: DefinitionDiff[] = [];
  let identical = 0;
  for (const [name, ref] of theirs) {
    if (!mine.has(name)) {
      diffs.push({ name, problem: "missing" });
      continue;
    }
    const a = JSON.stringify(canonical(mine.get(name)));
    const b = JSON.stringify(canonical(ref));
    if (a === b) identical++;
    else diffs.push({ name, problem: `ours ${a.slice(0, 300)} vs reference ${b.slice(0, 300)}` });
  }
  for (const name of mine.keys()) if (!theirs.has(name)) diffs.push({ name, problem: "extra" });
  return { identical, total: theirs.size, diffs };
}
