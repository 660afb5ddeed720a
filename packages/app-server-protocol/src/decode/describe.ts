import { z } from "zod";
import { enumValues, schemaAt, tagField, unwrap, valueAt } from "./schema-walk.js";
import { hintOf } from "./serde-hints.js";
import { describeValue, expectedOneOf, unknownVariant } from "./serde-words.js";

export type Issue = z.core.$ZodIssue;

/** One decode failure in serde's words, and the path of the field it is about (relative to the params). */
export interface Explanation {
  detail: string;
  path: PropertyKey[];
}

/**
 * Words a failed zod parse of `input` against `schema` as serde words the same mistake (what Codex says): the
 * issue serde would meet first (fields in the order the input has them, missing fields after them in declaration
 * order), phrased with serde's names for the Rust type behind the schema (`u32`, `path string`, `struct X`,
 * `internally tagged enum X`, …; see `serde-hints.ts`).
 */
export function explainIssues(schema: z.ZodType, input: unknown, issues: readonly Issue[]): Explanation {
  const first = firstInSerdeOrder(issues, schema, input, []);
  if (!first) return { detail: "invalid params", path: [] };
  return explain(first, schema, input, []);
}

/** The issue serde reports: the one whose path comes first in input order; absent fields rank last. */
export function firstInSerdeOrder(
  issues: readonly Issue[],
  schema: z.ZodType,
  input: unknown,
  base: readonly PropertyKey[],
): Issue | undefined {
  let best: { issue: Issue; key: number[] } | undefined;
  for (const issue of issues) {
    const key = orderKey(issue.path, schema, input, base);
    if (!best || compareKeys(key, best.key) < 0) best = { issue, key };
  }
  return best?.issue;
}

const ABSENT = 1e9;

function orderKey(
  path: readonly PropertyKey[],
  schema: z.ZodType,
  input: unknown,
  base: readonly PropertyKey[],
): number[] {
  const key: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as PropertyKey;
    const container = valueAt(input, [...base, ...path.slice(0, i)]);
    if (typeof seg === "number") {
      key.push(seg);
    } else if (container !== null && typeof container === "object" && Object.hasOwn(container, seg)) {
      key.push(Object.keys(container).indexOf(String(seg)));
    } else {
      key.push(
        ABSENT + declarationIndex(schemaAt(schema, path.slice(0, i), valueAt(input, base)), String(seg)),
      );
    }
  }
  return key;
}

/** A field's place in its struct: Rust declaration order when known, else the schema's order. */
function declarationIndex(struct: z.ZodType | undefined, field: string): number {
  if (!struct) return 0;
  const order = hintOf(unwrap(struct))?.fields;
  const inner = unwrap(struct);
  const names = order ?? (inner instanceof z.ZodObject ? Object.keys(inner.shape) : []);
  const i = names.indexOf(field);
  return i === -1 ? names.length : i;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Explains one issue; `schema` is the schema at `base`, the issue's path is relative to it. */
function explain(issue: Issue, schema: z.ZodType, input: unknown, base: readonly PropertyKey[]): Explanation {
  const rel = issue.path;
  const path = [...base, ...rel];
  const here = valueAt(input, base);
  const untagged = untaggedAncestor(schema, rel, here);
  if (untagged) {
    const at = [...base, ...untagged.path];
    return { detail: `data did not match any variant of ${untagged.name}`, path: at };
  }
  const target = schemaAt(schema, rel, here);
  const parent = rel.length > 0 ? schemaAt(schema, rel.slice(0, -1), here) : undefined;
  const field = rel.length > 0 ? rel[rel.length - 1] : undefined;
  const value = valueAt(input, path);
  const at = (detail: string, where: PropertyKey[] = path): Explanation => ({ detail, path: where });
  const expected = () => expecting(target, parent, field, "expected" in issue ? String(issue.expected) : "");
  if (value === undefined && issue.code !== "custom") return at(missingField(path));
  switch (issue.code) {
    case "invalid_type":
      return at(mismatch(value, expected()));
    case "invalid_value":
      return at(enumMismatch(value, issue.values.map(String), expected()));
    case "invalid_union":
      return explainUnion(issue.errors, target ?? schema, input, path, expected());
    case "too_small":
    case "too_big":
      return at(outOfRange(value, expected()));
    case "custom": {
      const params = issue.params as { serde?: boolean; reportPath?: PropertyKey[] } | undefined;
      if (params?.serde) return at(issue.message, params.reportPath ?? path);
      const rust = target ? hintOf(unwrap(target))?.expecting : undefined;
      return at(rust ? outOfRange(value, rust) : issue.message);
    }
    case "unrecognized_keys": {
      const inner = target ? unwrap(target) : undefined;
      // Listed in Rust declaration order, as serde lists them (the schema's keys are sorted).
      const known = inner instanceof z.ZodObject ? (hintOf(inner)?.fields ?? Object.keys(inner.shape)) : [];
      // serde's words for a struct without fields differ from those for an empty list of names.
      const expected = known.length === 0 ? "there are no fields" : `expected ${expectedOneOf(known)}`;
      return at(`unknown field \`${issue.keys[0]}\`, ${expected}`, [...path, issue.keys[0] as string]);
    }
    default:
      return at(issue.message);
  }
}

/**
 * The outermost untagged enum the issue is inside, if any: serde tries each of its variants and reports only that
 * none matched, whatever the problem inside was.
 */
function untaggedAncestor(
  schema: z.ZodType,
  rel: readonly PropertyKey[],
  input: unknown,
): { name: string; path: PropertyKey[] } | undefined {
  for (let i = 0; i <= rel.length; i++) {
    const prefix = rel.slice(0, i);
    const s = schemaAt(schema, prefix, input);
    const hint = s ? hintOf(unwrap(s)) : undefined;
    if (hint?.untagged) return { name: hint.expecting ?? "untagged enum", path: [...prefix] };
  }
  return undefined;
}

function missingField(path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  return `missing field \`${typeof last === "string" ? last : "params"}\``;
}

function mismatch(value: unknown, expected: string): string {
  return `invalid type: ${describeValue(value)}, expected ${expected}`;
}

/** A number outside its type's range (`invalid value: integer \`-1\`, expected u32`), or not an integer at all. */
function outOfRange(value: unknown, expected: string): string {
  if (typeof value === "number" && Number.isInteger(value))
    return `invalid value: ${describeValue(value)}, expected ${expected}`;
  return mismatch(value, expected);
}

/**
 * A value of a unit-variant enum (externally tagged in serde: a variant name, or a one-key map for variants with
 * content): an unknown name, a map with other than one key, or another kind of value.
 */
function enumMismatch(value: unknown, values: readonly string[], expected: string): string {
  if (typeof value === "string") return unknownVariant(value, values);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1) return "invalid value: map, expected map with a single key";
    const name = keys[0] as string;
    if (!values.includes(name)) return unknownVariant(name, values);
    return mismatch((value as Record<string, unknown>)[name], "unit");
  }
  return mismatch(value, expected);
}

/** serde's "expected …" for the value at a path: a field hint, the schema's hint, or its kind's words. */
function expecting(
  target: z.ZodType | undefined,
  parent: z.ZodType | undefined,
  field: PropertyKey | undefined,
  zodExpected: string,
): string {
  const fieldHint = parent && field !== undefined ? hintOf(unwrap(parent))?.fieldExpecting : undefined;
  if (fieldHint && typeof field === "string" && fieldHint[field]) return fieldHint[field];
  if (!target) return ZOD_EXPECTED[zodExpected] ?? zodExpected;
  const hinted = hintOf(target)?.expecting ?? hintOf(unwrap(target))?.expecting;
  if (hinted) return hinted;
  return kindWords(unwrap(target)) ?? ZOD_EXPECTED[zodExpected] ?? zodExpected;
}

/** serde's words for the Rust types zod's kinds stand for. */
function kindWords(s: z.ZodType): string | undefined {
  if (s instanceof z.ZodString) return "a string";
  if (s instanceof z.ZodBoolean) return "a boolean";
  if (s instanceof z.ZodNumber) return s.format === "safeint" ? "i64" : "f64";
  if (s instanceof z.ZodArray) return "a sequence";
  if (s instanceof z.ZodRecord || s instanceof z.ZodObject) return "a map";
  if (s instanceof z.ZodNull) return "unit";
  if (enumValues(s)) return "string or map";
  return undefined;
}

/** zod's own names for what it expected, as serde would say them (a last resort). */
const ZOD_EXPECTED: Record<string, string> = {
  string: "a string",
  number: "f64",
  int: "i64",
  boolean: "a boolean",
  object: "a map",
  record: "a map",
  array: "a sequence",
  null: "unit",
};

/**
 * The protocol's enums with content are unions: of objects told apart by one tag field (internally or adjacently
 * tagged in serde: `SandboxPolicy.mode`, `UserInput.type`, `InputItem.type`), or of value sets. serde reads the tag
 * first: a missing tag, an unknown variant, a tag of the wrong kind, else the first problem inside the variant the
 * tag names. Unions with no tag are serde's untagged enums: no variant matched.
 */
function explainUnion(
  branches: readonly (readonly Issue[])[],
  unionSchema: z.ZodType,
  input: unknown,
  path: PropertyKey[],
  expected: string,
): Explanation {
  const value = valueAt(input, path);
  const union = unwrap(unionSchema);
  const untagged = (): Explanation => ({
    detail: `data did not match any variant of ${hintOf(union)?.expecting ?? "untagged enum"}`,
    path,
  });
  if (hintOf(union)?.untagged) return untagged();
  const values = enumValues(union);
  if (values) return { detail: enumMismatch(value, values, expected), path };
  if (!(union instanceof z.ZodUnion)) return untagged();
  const options = (union.options as z.ZodType[]).map(unwrap);
  const objects = options.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
  const tagKey = objects.length === options.length ? tagField(objects) : null;
  if (!tagKey) return untagged();
  const adjacent = hintOf(union)?.adjacent === true;
  const tags = objects.map((o) => enumValues(o.shape[tagKey] as z.ZodType)?.[0] ?? "");
  const tagPath = [...path, tagKey];
  if (Array.isArray(value) && value.length === 0) {
    // serde reads an enum from a sequence too; an empty one has no tag.
    const detail = adjacent ? `invalid length 0, expected ${expected}` : missingField(tagPath);
    return { detail, path: adjacent ? path : tagPath };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { detail: mismatch(value, expected), path };
  const tag = (value as Record<string, unknown>)[tagKey];
  if (tag === undefined) return { detail: missingField(tagPath), path: tagPath };
  // An adjacent tag is a plain enum value; an internal one a variant identifier, which may be a variant index.
  if (adjacent && typeof tag !== "string")
    return { detail: enumMismatch(tag, tags, "string or map"), path: tagPath };
  const index =
    typeof tag === "string" ? tags.indexOf(tag) : typeof tag === "number" && Number.isInteger(tag) ? tag : -2;
  if (typeof tag === "string" && index === -1) return { detail: unknownVariant(tag, tags), path: tagPath };
  if (index >= 0 && index < objects.length) {
    const variant = objects[index] as z.ZodObject;
    const inside = (branches[index] ?? []).filter((i) => !(i.path.length === 1 && i.path[0] === tagKey));
    const issue = firstInSerdeOrder(inside, variant, input, path);
    if (issue) return explain(issue, variant, input, path);
  }
  if (typeof tag === "number" && Number.isInteger(tag) && tag >= 0)
    return {
      detail: `invalid value: integer \`${tag}\`, expected variant index 0 <= i < ${tags.length}`,
      path: tagPath,
    };
  return { detail: mismatch(tag, "variant identifier"), path: tagPath };
}
