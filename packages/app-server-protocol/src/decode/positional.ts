import { z } from "zod";
import { enumValues, tagField, unwrap } from "./schema-walk.js";
import { hintOf } from "./serde-hints.js";

/** A sequence serde cannot read as the struct it stands for: too short (a field without default left) or too long. */
export interface LengthProblem {
  /** The struct's path (what the error names). */
  path: PropertyKey[];
  /** Where serde notices, for ordering against other problems: the first field left without a value, or after the last. */
  at: PropertyKey[];
  detail: string;
}

/** A field name no struct has: sorts after every field of its struct. */
const PAST_LAST_FIELD = "\u{10FFFF}";

/**
 * serde reads a struct from a sequence too: element i is the i-th field in declaration order. This turns such
 * sequences (at any depth where the schema is a struct with a known field order) into objects for zod, and
 * reports what serde would refuse about their length. Elements are read before the length is judged, so a bad
 * element is reported first (its issue comes from zod on the converted object).
 */
export function namedFromPositional(
  schema: z.ZodType,
  value: unknown,
  path: PropertyKey[] = [],
  problems: LengthProblem[] = [],
): { value: unknown; problems: LengthProblem[] } {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) {
    const shape = s.shape as Record<string, z.ZodType>;
    const order = hintOf(s)?.fields;
    if (Array.isArray(value) && order) {
      const out: Record<string, unknown> = {};
      order.forEach((field, i) => {
        if (i < value.length && shape[field])
          out[field] = namedFromPositional(shape[field], value[i], [...path, field], problems).value;
      });
      const name = hintOf(s)?.expecting ?? "struct";
      const missing = order.slice(value.length).find((f) => shape[f] && !defaulted(shape[f]));
      if (missing !== undefined) {
        const n = order.length;
        problems.push({
          path,
          at: [...path, missing],
          detail: `invalid length ${value.length}, expected ${name} with ${n} element${n === 1 ? "" : "s"}`,
        });
      } else if (value.length > order.length) {
        const n = order.length;
        problems.push({
          path,
          at: [...path, PAST_LAST_FIELD],
          detail: `invalid length ${value.length}, expected ${n} element${n === 1 ? "" : "s"} in sequence`,
        });
      }
      return { value: out, problems };
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const out: Record<string, unknown> = { ...value };
      for (const [field, fieldSchema] of Object.entries(shape)) {
        if (Object.hasOwn(out, field))
          out[field] = namedFromPositional(fieldSchema, out[field], [...path, field], problems).value;
      }
      return { value: out, problems };
    }
    return { value, problems };
  }
  if (s instanceof z.ZodUnion && Array.isArray(value) && value.length > 0) {
    const variants = (s.options as z.ZodType[]).map(unwrap);
    const objects = variants.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
    const tag = objects.length === variants.length ? tagField(objects) : null;
    if (tag) return { value: taggedFromPositional(objects, tag, value, path, problems), problems };
  }
  if (s instanceof z.ZodArray && Array.isArray(value)) {
    const element = s.element as z.ZodType;
    return {
      value: value.map((v, i) => namedFromPositional(element, v, [...path, i], problems).value),
      problems,
    };
  }
  if (s instanceof z.ZodRecord && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const inner = s.valueType as z.ZodType;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = namedFromPositional(inner, v, [...path, k], problems).value;
    return { value: out, problems };
  }
  return { value, problems };
}

/** A field serde fills in when the sequence ends before it: `#[serde(default)]` (optional, but not an Option). */
function defaulted(field: z.ZodType): boolean {
  return field instanceof z.ZodOptional && !(field.unwrap() instanceof z.ZodNullable);
}

/**
 * An internally tagged enum read from a sequence, as serde reads it: the first element is the tag, the rest are the
 * variant's fields in order. A tag serde would refuse is passed on as it is, for the describer to word.
 */
function taggedFromPositional(
  variants: readonly z.ZodObject[],
  tag: string,
  value: readonly unknown[],
  path: PropertyKey[],
  problems: LengthProblem[],
): Record<string, unknown> {
  const [name, ...rest] = value;
  const variant = variants.find((o) => enumValues(o.shape[tag] as z.ZodType)?.[0] === name);
  if (!variant) return { [tag]: name };
  const fields = (hintOf(variant)?.fields ?? Object.keys(variant.shape)).filter((f) => f !== tag);
  const shape = variant.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = { [tag]: name };
  fields.forEach((field, i) => {
    if (i < rest.length && shape[field])
      out[field] = namedFromPositional(shape[field], rest[i], [...path, field], problems).value;
  });
  return out;
}
