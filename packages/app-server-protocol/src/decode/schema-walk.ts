import { z } from "zod";

/** The schema under optional/nullable/default wrappers: what a present, non-null value must match. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as z.ZodType;
    } else {
      return s;
    }
  }
}

/**
 * The schema of the value at one step below `schema` (a field, an element, a map value), if known. Through a union
 * of objects it follows the variant `value` (the value at `schema`) names by its tag, or the only variant with
 * that field.
 */
export function childSchema(
  schema: z.ZodType | undefined,
  key: PropertyKey,
  value?: unknown,
): z.ZodType | undefined {
  if (!schema) return undefined;
  const u = unwrap(schema);
  const s = u instanceof z.ZodUnion ? variantFor(u, value, key) : u;
  if (!s) return undefined;
  if (s instanceof z.ZodObject) return (s.shape as Record<string, z.ZodType>)[String(key)];
  if (s instanceof z.ZodArray) return s.element as z.ZodType;
  if (s instanceof z.ZodRecord) return s.valueType as z.ZodType;
  if (s instanceof z.ZodTuple && typeof key === "number") return s.def.items[key] as z.ZodType | undefined;
  return undefined;
}

/** The schema at a path below `schema`; `input` (the value at `schema`) picks union variants on the way. */
export function schemaAt(
  schema: z.ZodType | undefined,
  path: readonly PropertyKey[],
  input?: unknown,
): z.ZodType | undefined {
  let s = schema;
  let value = input;
  for (const key of path) {
    s = childSchema(s, key, value);
    value =
      value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return s;
}

/** The object variant of a union that `value` selects: by its tag, else the only one that has `key`. */
function variantFor(union: z.ZodUnion, value: unknown, key: PropertyKey): z.ZodObject | undefined {
  const objects = (union.options as z.ZodType[]).map(unwrap).filter((o) => o instanceof z.ZodObject);
  const tag = tagField(objects);
  if (tag && value !== null && typeof value === "object") {
    const name = (value as Record<string, unknown>)[tag];
    const chosen = objects.find((o) => enumValues(o.shape[tag] as z.ZodType)?.[0] === name);
    if (chosen) return chosen;
  }
  const having = objects.filter((o) => Object.hasOwn(o.shape, key));
  return having.length === 1 ? having[0] : undefined;
}

/** The field every variant has with exactly one allowed string value: the union's tag. */
export function tagField(options: readonly z.ZodObject[]): string | null {
  const first = options[0];
  if (!first) return null;
  for (const key of Object.keys(first.shape)) {
    const single = options.every((o) => {
      const field = (o.shape as Record<string, z.ZodType | undefined>)[key];
      return field !== undefined && enumValues(field)?.length === 1;
    });
    if (single) return key;
  }
  return null;
}

/** The input value at a path, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Whether the value at `path` is absent (its parent is an object without that key). */
export function isAbsent(root: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return root === undefined;
  const parent = valueAt(root, path.slice(0, -1));
  if (parent === null || typeof parent !== "object") return false;
  return !Object.hasOwn(parent, path[path.length - 1] as PropertyKey);
}

/** The string values a schema accepts when it is an enum, a literal, or a union of those; else null. */
export function enumValues(schema: z.ZodType): string[] | null {
  const s = unwrap(schema);
  if (s instanceof z.ZodEnum) return s.options.map(String);
  if (s instanceof z.ZodLiteral) return [...s.values].map(String);
  if (s instanceof z.ZodUnion) {
    const all: string[] = [];
    for (const o of s.options as z.ZodType[]) {
      const values = enumValues(o);
      if (!values) return null;
      all.push(...values);
    }
    return all;
  }
  return null;
}
